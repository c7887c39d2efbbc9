"""Fixtures for the bidder pages: the auction engine's (a ManualClock, lots, sales, bidders) plus a few
scenarios the pages need (an open round with bids, an awarded sale)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import httpx

from auction import clock
from tests.conftest import PASSWORD, Actor
from tests.engine import (  # noqa: F401 - fixtures re-used by these tests
    Env,
    env,
    make_actor,
    manager,
    manual_clock,
    z,
)

HTML = {"Accept": "text/html"}


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "form without a CSRF token"
    return m.group(1)


def text_of(html: str) -> str:
    """The visible text of a page (tags removed, spaces squeezed) for plain assertions."""
    import html as h

    body = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", h.unescape(re.sub(r"<[^>]+>", " ", body))).strip()


async def browser_login(client: httpx.AsyncClient, actor: Actor) -> str:
    """Sign the test client in with the login form (session cookie); returns the session's CSRF token."""
    page = await client.get("/login")
    r = await client.post("/login", data={"email": actor.email, "password": PASSWORD,
                                          "csrf_token": csrf_of(page.text), "next": "/"})
    assert r.status_code == 303, r.text
    return csrf_of((await client.get("/")).text)


async def open_round(harness: Env, mc: clock.ManualClock, appraised_value: str = "2350000.00",
                     **lot_extra: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A lot whose round 1 is open under the law ruleset (ilan now, round 1 sixteen days later)."""
    lot = await harness.lot(appraised_value, **lot_extra)
    start = clock.now() + timedelta(days=16)
    sale = await harness.sale(lot["id"], first_round_start=z(start))
    mc.set(start + timedelta(seconds=1))
    assert await harness.tick() == 1
    return lot, sale


async def awarded(harness: Env, mc: clock.ManualClock, price_bids: tuple[str, ...] = ("1175000.00", "1186750.00"),
                  **lot_extra: Any) -> tuple[dict[str, Any], dict[str, Any], Actor, Actor]:
    """Round 1 closed above the threshold and the tutanak posted: (lot, sale, winner, loser)."""
    lot, sale = await open_round(harness, mc, **lot_extra)
    a = await harness.bidder(lot["id"])
    b = await harness.bidder(lot["id"])
    bidders = [a, b]
    for i, amount in enumerate(price_bids):
        r = await harness.bid(bidders[i % 2], lot["id"], amount)
        assert r.status_code == 201, r.text
    winner, loser = bidders[(len(price_bids) - 1) % 2], bidders[len(price_bids) % 2]
    view = await harness.get_lot(lot["id"])
    end = datetime.fromisoformat(view["ends_at"].replace("Z", "+00:00"))
    mc.set(end + timedelta(seconds=1))
    assert await harness.tick() >= 1
    mc.set(end + timedelta(hours=20))
    # the müdür reviews the outage report before posting the tutanak.
    await harness.client.post(f"/api/v1/sales/{sale['id']}/outage-report/review", headers=harness.manager.headers)
    r = await harness.client.post(f"/api/v1/sales/{sale['id']}/tutanak/post", headers=harness.manager.headers)
    assert r.status_code == 200, r.text
    return lot, sale, winner, loser
