"""PostgreSQL gone and back (through a proxy the test cuts: pgproxy.py).

While it is gone every request that needs it answers 503 `database_unavailable` with Retry-After (never
500 `internal_error`), the readiness probe says so, and nothing is half written: a bid whose connection is
cut between its writes and its commit leaves no trace. When it is back the same app serves again by itself
(the pool re-connects), with no restart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from auction import faults
from auction.config import Settings
from tests.conftest import make_settings
from tests.faults.pgproxy import PgProxy
from tests.faults.support import bid_facts, open_round_now

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg_proxy(migrated_url: str) -> AsyncIterator[PgProxy]:
    url = make_url(migrated_url)
    proxy = PgProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.stop()


@pytest.fixture
async def settings(migrated_url: str, tmp_path: Path, pg_proxy: PgProxy) -> Settings:
    """The test's app talks to the database through the proxy (rate limits off)."""
    proxied = make_url(migrated_url).set(host="127.0.0.1", port=pg_proxy.port)
    return make_settings(proxied.render_as_string(hide_password=False), tmp_path, rate_limits="off")


def _unavailable(r: Any) -> None:
    assert r.status_code == 503, r.text
    assert r.json()["error"]["code"] == "database_unavailable"
    assert r.headers["retry-after"]


async def test_database_gone_answers_503_and_the_app_recovers_by_itself(env, settings, pg_proxy):
    lot_id, round_id, (bidder,) = await open_round_now(env, settings, 1)
    amount = (await env.get_lot(lot_id))["min_next_bid"]
    await pg_proxy.stop()  # the database crashes: open connections cut, new ones refused
    _unavailable(await env.client.get(f"/api/v1/lots/{lot_id}"))
    _unavailable(await env.bid(bidder, lot_id, amount))
    page = await env.client.get(f"/lots/{lot_id}", headers={"Accept": "text/html"})
    assert page.status_code == 503 and "database_unavailable" in page.text
    ready = await env.client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["database"].startswith("error")

    await pg_proxy.start()  # back on the same address: no restart of the app
    assert (await env.client.get("/readyz")).status_code == 200
    assert (await env.client.get(f"/api/v1/lots/{lot_id}")).status_code == 200
    r = await env.bid(bidder, lot_id, amount)
    assert r.status_code == 201, r.text
    facts = await bid_facts(env.runtime, lot_id, round_id)
    assert facts["bids"] == [(r.json()["bid_id"], Decimal(amount))] and facts["bid_events"] == 1
    assert facts["chain_ok"]


async def test_a_bid_cut_off_before_its_commit_leaves_no_trace(env, settings, pg_proxy, monkeypatch):
    lot_id, round_id, (bidder,) = await open_round_now(env, settings, 1)
    amount = (await env.get_lot(lot_id))["min_next_bid"]
    before = await bid_facts(env.runtime, lot_id, round_id)
    reached, release = asyncio.Event(), asyncio.Event()
    real_point = faults.point

    async def point(name: str) -> None:
        if name == "bid.before_commit":
            reached.set()
            await release.wait()
        else:
            await real_point(name)

    monkeypatch.setattr(faults, "point", point)
    request = asyncio.create_task(env.bid(bidder, lot_id, amount, key="cut-1"))
    await asyncio.wait_for(reached.wait(), 30)  # the bid's writes are done, not committed
    await pg_proxy.stop()  # the database restarts under it
    await pg_proxy.start()
    release.set()
    _unavailable(await asyncio.wait_for(request, 30))
    assert await bid_facts(env.runtime, lot_id, round_id) == before  # no partial write
    monkeypatch.setattr(faults, "point", real_point)
    r = await env.bid(bidder, lot_id, amount, key="cut-1")  # the retry is a new bid (nothing was stored)
    assert r.status_code == 201, r.text
    assert "idempotent-replayed" not in r.headers
    facts = await bid_facts(env.runtime, lot_id, round_id)
    assert len(facts["bids"]) == 1 and facts["bid_count"] == 1 and facts["chain_ok"]


async def test_bids_in_flight_when_the_database_restarts_are_whole_or_absent(env, settings, pg_proxy):
    """Under load: eight bidders keep bidding while the database goes away and comes back. Every 201 is a
    stored bid, every 503 stored nothing, the round's counters equal the bids, the chain verifies."""
    lot_id, round_id, bidders = await open_round_now(env, settings, 8)
    answers: list[Any] = []
    stop = asyncio.Event()

    async def keep_bidding(actor: Any) -> None:
        while not stop.is_set():
            lot = await env.client.get(f"/api/v1/lots/{lot_id}")
            amount = lot.json()["min_next_bid"] if lot.status_code == 200 else "1.00"
            answers.append(await env.bid(actor, lot_id, amount))
            await asyncio.sleep(0.01)

    tasks = [asyncio.create_task(keep_bidding(a)) for a in bidders]
    try:
        await asyncio.sleep(1.5)
        await pg_proxy.stop()
        await asyncio.sleep(1.0)
        await pg_proxy.start()
        await asyncio.sleep(1.5)
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    codes = [r.status_code for r in answers]
    assert 201 in codes and 503 in codes, codes  # it really ran through the outage
    assert set(codes) <= {201, 409, 503}, sorted(set(codes))  # 409: outbid in the race; never a 500
    assert all(r.json()["error"]["code"] == "database_unavailable" for r in answers if r.status_code == 503)
    accepted = {r.json()["bid_id"] for r in answers if r.status_code == 201}
    facts = await bid_facts(env.runtime, lot_id, round_id)
    assert {bid_id for bid_id, _ in facts["bids"]} == accepted  # whole or absent
    assert facts["bid_count"] == len(accepted) == facts["bid_events"] and facts["chain_ok"]
