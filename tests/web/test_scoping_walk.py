"""Office scoping and bidder privacy, walked over every route (issue 16, docs/security.md).

Office A (the `office` fixture) has a sale that went to the tutanak with two bidders and a private kıymet
raporu. Every route whose path names a lot, sale, case, bid, tutanak or a lot's document is then called
with office A's ids, with every method it accepts:
- office B's staff and müdür, and a party (creditor, debtor) of no file of office A: a route open to
  anyone answers them exactly as it answers an anonymous caller; any other route refuses (a 4xx, or a
  form's redirect back with its error code); and nothing is written (the audit log does not grow);
- another bidder: never sees the winner's or the loser's identity, and whatever it writes is its own;
- positive controls: office A's staff, office A's müdür and the admin do read these objects (2xx), so the
  ids are real and the refusals above are scoping, not 404s of missing rows."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import func, select

from auction.audit.models import AuditEntry
from auction.bidding.models import Bid
from auction.sales.models import Tutanak
from auction.users import service as users
from tests.test_authorization import AUTH_MARKERS, _calls
from tests.web.conftest import awarded
from web.deps import declared_roles

SCOPED = ("lot_id", "sale_id", "case_id", "bid_id", "tutanak_id", "file_id")
HTML = {"Accept": "text/html"}


def _routes(app) -> list[tuple[str, str, bool, list[str]]]:
    """(method, path template, open to anyone (no role required), path params) of every route keyed by a
    scoped object."""
    out = []
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute):
            continue
        params = re.findall(r"\{([a-z_]+)(?::[a-z]+)?\}", route.path)
        if not params or not set(params) <= set(SCOPED):
            continue
        if "file_id" in params and "lot_id" not in params:  # a payout file's id, not a lot's document
            continue
        calls = set(_calls(route.dependant))
        assert AUTH_MARKERS & calls, route.path
        for method in sorted(route.original_route.methods or ()):
            if method != "HEAD":
                out.append((method, route.path, not any(declared_roles(c) for c in calls), params))
    return out


async def _call(client, method: str, template: str, ids: dict[str, int], headers: dict[str, str]):
    path = re.sub(r"\{([a-z_]+)(?::[a-z]+)?\}", lambda m: str(ids[m.group(1)]), template)
    for _ in range(3):  # an old address (/buro/…) answers 308 to the current one: follow it, same method
        if path.startswith("/api/"):
            r = await client.request(method, path, headers=headers, json={} if method != "GET" else None)
        else:
            r = await client.request(method, path, headers={**HTML, **headers}, data={} if method != "GET" else None)
        if r.status_code not in (307, 308):
            return r
        path = r.headers["location"]
    return r


def _refused(r) -> bool:
    """A 4xx, or a page form's post-redirect-get back with the error code (`?hata=…`)."""
    return 400 <= r.status_code < 500 or (r.status_code == 303 and "hata=" in r.headers.get("location", ""))


async def _audit_rows(runtime) -> list[tuple[int | None, str]]:
    async with runtime.db.session() as s:
        return [(r.actor_user_id, r.action) for r in (await s.execute(select(AuditEntry))).scalars()]


async def _audit_count(runtime) -> int:
    async with runtime.db.session() as s:
        return int((await s.execute(select(func.count()).select_from(AuditEntry))).scalar_one())


def _json_or_none(r) -> Any:
    if r.headers.get("content-type", "").startswith("application/json"):
        return r.json()
    return None


async def test_every_scoped_route_keeps_offices_and_bidders_apart(app, env, manual_clock, runtime, make_actor):
    lot, sale, winner, loser = await awarded(env, manual_clock)
    async with runtime.db.session() as s:
        bid_id = (await s.execute(select(Bid.id).where(Bid.user_id == winner.user.id))).scalars().first()
        tutanak_id = (await s.execute(select(Tutanak.id).where(Tutanak.sale_id == sale["id"]))).scalar_one()
        await users.create_office(s, code="ANK-02", name="Ankara 2. İcra Dairesi", city="Ankara",
                                  sales_bureau_name="Ankara Satış Bürosu")
    report = await env.client.post(f"/api/v1/lots/{lot['id']}/files", headers=env.staff.headers,
                                   data={"kind": "kiymet_raporu"},
                                   files={"file": ("rapor.pdf", b"%PDF-1.4\nMert Yilmaz\n", "application/pdf")})
    assert report.status_code == 201 and report.json()["public"] is False, report.text  # private to office A
    ids = {"lot_id": lot["id"], "sale_id": sale["id"], "case_id": lot["case_id"], "bid_id": bid_id,
           "tutanak_id": tutanak_id, "file_id": report.json()["id"]}
    staff_b = await make_actor("staff", "ANK-02")
    manager_b = await make_actor("manager", "ANK-02")
    admin = await make_actor("admin")
    other_bidder = await make_actor("bidder")
    stranger_party = await make_actor("party")  # a creditor or debtor of no file of office A
    routes = _routes(app)
    assert len(routes) > 100, "the walk must see the routes keyed by lots, sales, cases, bids and tutanaks"
    gets = [r for r in routes if r[0] == "GET"]

    # Positive controls: the owners of the objects read them.
    for who, actor in (("staff A", env.staff), ("müdür A", env.manager), ("admin", admin)):
        ok = [t for _, t, _, _ in gets if (await _call(env.client, "GET", t, ids, actor.headers)).status_code == 200]
        assert len(ok) >= 30, f"{who} reads only {len(ok)} of {len(gets)} routes: the ids are not office A's"

    # Office B: public routes answer as to anyone, the others refuse, nothing is written.
    before = await _audit_count(runtime)
    leaks = []
    walked = 0
    for method, template, is_public, _ in routes:
        anonymous = await _call(env.client, method, template, ids, {}) if is_public else None
        for who, actor in (("staff B", staff_b), ("müdür B", manager_b), ("party", stranger_party)):
            r = await _call(env.client, method, template, ids, actor.headers)
            walked += 1
            if is_public:
                assert anonymous is not None
                # As to anyone, or refused (a route open to all that checks the viewer itself).
                same = r.status_code == anonymous.status_code and _json_or_none(r) == _json_or_none(anonymous)
                if not same and not _refused(r):
                    leaks.append(f"{who} {method} {template}: {r.status_code} vs anonymous {anonymous.status_code}")
            elif not _refused(r):
                leaks.append(f"{who} {method} {template}: {r.status_code}")
    assert walked > 200
    assert leaks == [], "office B reached office A's objects: " + "; ".join(leaks)
    assert await _audit_count(runtime) == before, "office B's walk changed something"

    # Another bidder: never the identities of the two who bid; anything it writes is its own.
    secrets = [b.email for b in (winner, loser)] + [b.user.full_name for b in (winner, loser)]
    before_rows = await _audit_rows(runtime)
    seen = []
    for method, template, _, _ in routes:
        r = await _call(env.client, method, template, ids, other_bidder.headers)
        found = [s for s in secrets if s in r.text]
        if found:
            seen.append(f"{method} {template}: {found}")
    assert seen == [], "another bidder saw a bidder's identity: " + "; ".join(seen)
    new_rows = (await _audit_rows(runtime))[len(before_rows):]
    assert all(actor == other_bidder.user.id for actor, _ in new_rows), new_rows
