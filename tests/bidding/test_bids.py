"""The bid path (S-05): every error code of the contract, idempotency keys, anonymity (A-34),
receipts, rate limits and bad input."""

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from auction.audit.models import AuditEntry
from auction.bidding import service as bidding
from auction.bidding.models import Bid
from auction.sales.models import LotEvent
from tests.engine import open_lot


async def test_error_codes_of_the_contract(env, manual_clock, make_actor):
    lot = await env.lot()
    start = manual_clock.now() + timedelta(days=16)
    from tests.engine import z

    await env.sale(lot["id"], first_round_start=z(start))
    a = await env.bidder(lot["id"])
    b = await env.bidder(lot["id"])
    nobody = await make_actor("bidder")
    r = await env.bid(a, lot["id"], "1175000.00")
    assert (r.status_code, r.json()["error"]["code"]) == (409, "round_not_open")
    manual_clock.set(start)
    await env.tick()
    r = await env.bid(nobody, lot["id"], "1175000.00")
    assert (r.status_code, r.json()["error"]["code"]) == (403, "teminat_required")
    r = await env.bid(a, lot["id"], "1174999.99")
    assert (r.status_code, r.json()["error"]["code"]) == (409, "bid_too_low")
    assert r.json()["error"]["details"]["min_next_bid"] == "1175000.00"
    assert (await env.bid(a, lot["id"], "1175000.00")).status_code == 201
    r = await env.bid(a, lot["id"], "1300000.00")
    assert (r.status_code, r.json()["error"]["code"]) == (409, "already_highest")  # OP-11
    r = await env.bid(b, lot["id"], "1186749.99")
    assert (r.status_code, r.json()["error"]["code"]) == (409, "bid_too_low")
    assert r.json()["error"]["details"]["min_next_bid"] == "1186750.00"
    r = await env.bid(b, lot["id"], "1186750.00")
    assert r.status_code == 201
    assert r.json()["seq"] == 3  # round_opened 1, bids 2 and 3
    manual_clock.set(start + timedelta(days=7))
    r = await env.bid(a, lot["id"], "1200000.00")
    assert (r.status_code, r.json()["error"]["code"]) == (409, "round_closed")
    staff_bid = await env.bid(env.staff, lot["id"], "1300000.00")
    assert staff_bid.status_code == 403
    missing = await env.bid(a, 999999, "1300000.00")
    assert missing.status_code == 404


@pytest.mark.parametrize("amount", [1175000.5, -5, "abc", "1175000.001", None, "", "1.175.000,00", True, "NaN",
                                    "Infinity"])
async def test_bad_amounts_are_422(env, manual_clock, amount):
    lot, _ = await open_lot(env, manual_clock)
    a = await env.bidder(lot["id"])
    r = await env.client.post(f"/api/v1/lots/{lot['id']}/bids", headers=a.headers, json={"amount": amount})
    assert r.status_code == 422, r.text


async def test_idempotency_key(env, manual_clock, runtime):
    lot, _ = await open_lot(env, manual_clock)
    a = await env.bidder(lot["id"])
    first = await env.bid(a, lot["id"], "1175000.00", key="k-1")
    assert first.status_code == 201
    again = await env.bid(a, lot["id"], "1175000.00", key="k-1")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = await env.bid(a, lot["id"], "1200000.00", key="k-1")
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    bad = await env.bid(a, lot["id"], "1200000.00", key="two words")
    assert bad.json()["error"]["code"] == "idempotency_key_invalid"
    # The same key of another user is another key.
    b = await env.bidder(lot["id"])
    assert (await env.bid(b, lot["id"], "1186750.00", key="k-1")).status_code == 201
    async with runtime.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Bid)) == 2
    # A refused bid does not consume its key: the same key may carry the corrected bid.
    low = await env.bid(a, lot["id"], "1190000.00", key="k-2")
    assert low.json()["error"]["code"] == "bid_too_low"
    assert (await env.bid(a, lot["id"], "1198500.00", key="k-2")).status_code == 201


async def test_anonymity_and_audited_staff_views(env, manual_clock, runtime, make_actor):
    lot, _ = await open_lot(env, manual_clock)
    a = await env.bidder(lot["id"])
    b = await env.bidder(lot["id"])
    await env.bid(a, lot["id"], "1175000.00")
    await env.bid(b, lot["id"], "1186750.00")
    await env.bid(a, lot["id"], "1198500.00")
    as_a = (await env.client.get(f"/api/v1/lots/{lot['id']}/bids", headers=a.headers)).json()
    assert [x["bidder"] for x in as_a] == ["Teklif 1", "Teklif 2", "Teklif 1"]
    assert [x["mine"] for x in as_a] == [True, False, True]
    public = (await env.client.get(f"/api/v1/lots/{lot['id']}/bids")).json()
    assert all("identity" not in x and not x["mine"] for x in public)
    text = (await env.client.get(f"/api/v1/lots/{lot['id']}/bids", headers=b.headers)).text
    text += (await env.client.get(f"/api/v1/lots/{lot['id']}")).text
    text += (await env.client.get(f"/api/v1/lots/{lot['id']}/events")).text
    for secret in (a.email, a.user.full_name, b.email, "user_id", "identity"):
        assert secret not in text
    staff_view = (await env.client.get(f"/api/v1/lots/{lot['id']}/bids", headers=env.staff.headers)).json()
    assert staff_view[0]["identity"]["email"] == a.email
    from auction.users import service as users

    async with runtime.db.session() as s:
        await users.create_office(s, code="IZM-03", name="İzmir 3. İcra", city="İzmir", sales_bureau_name="İ")
    foreign = await make_actor("staff", "IZM-03")
    foreign_view = (await env.client.get(f"/api/v1/lots/{lot['id']}/bids", headers=foreign.headers)).json()
    assert all("identity" not in x for x in foreign_view)
    async with runtime.db.session() as s:
        views = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "bids.identities_viewed"))).all()
    assert [v.actor_user_id for v in views] == [env.staff.user.id]


async def test_receipts_are_a_hash_chain(env, manual_clock, runtime):
    lot, _ = await open_lot(env, manual_clock)
    a = await env.bidder(lot["id"])
    b = await env.bidder(lot["id"])
    r1 = (await env.bid(a, lot["id"], "1175000.00")).json()
    manual_clock.advance(seconds=1.5)
    r2 = (await env.bid(b, lot["id"], "1186750.00")).json()
    assert r1["receipt"]["prev_hash"] == "0" * 64
    assert r2["receipt"]["prev_hash"] == r1["receipt"]["hash"]
    assert r2["receipt"]["at"].endswith("Z")
    got = await env.client.get(f"/api/v1/bids/{r2['bid_id']}/receipt", headers=b.headers)
    assert got.json()["hash"] == r2["receipt"]["hash"]
    assert (await env.client.get(f"/api/v1/bids/{r2['bid_id']}/receipt", headers=a.headers)).status_code == 404
    async with runtime.db.session() as s:
        assert await bidding.verify_chain(s, lot["id"])
        await s.execute(update(Bid).where(Bid.id == r1["bid_id"]).values(amount=Decimal("1176000.00")))
    async with runtime.db.session() as s:
        assert not await bidding.verify_chain(s, lot["id"])


async def test_rate_limit_is_429(env, manual_clock, runtime):
    from auction.ratelimit import RateLimiter

    # In memory: the Redis limiter fails open when Redis is slow (its own tests cover that path).
    runtime.limiter = RateLimiter(None)
    lot, _ = await open_lot(env, manual_clock)
    a = await env.bidder(lot["id"])
    codes = [(await env.bid(a, lot["id"], "1.00")).status_code for _ in range(32)]
    assert codes[:30] == [409] * 30
    assert codes[30] == 429
    r = await env.bid(a, lot["id"], "1175000.00")
    assert r.json()["error"]["code"] == "rate_limited"


async def test_bids_are_limited_per_client_ip(env, manual_clock, runtime, app, monkeypatch):
    """Rule `bid_ip` (issue 16): bidders behind one address share it; another address is not affected."""
    import httpx

    from auction.ratelimit import RULES, RateLimiter

    monkeypatch.setitem(RULES, "bid_ip", "3/minute")
    runtime.limiter = RateLimiter(None)
    lot, _ = await open_lot(env, manual_clock)
    a = await env.bidder(lot["id"])
    b = await env.bidder(lot["id"])
    c = await env.bidder(lot["id"])
    codes = [(await env.bid(a, lot["id"], "1.00")).status_code for _ in range(2)]
    codes.append((await env.bid(b, lot["id"], "1.00")).status_code)
    assert codes == [409, 409, 409]
    r = await env.bid(b, lot["id"], "1175000.00")
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "rate_limited"
    assert r.json()["error"]["details"]["rule"] == "bid_ip"
    page = await env.client.post(f"/lots/{lot['id']}/teklif", headers=a.headers,
                                 data={"amount": "1175000.00", "idempotency_key": "ip-limit-page-1"})
    assert page.status_code == 429
    other = httpx.ASGITransport(app=app, client=("10.20.30.40", 50000))
    async with httpx.AsyncClient(transport=other, base_url="http://testserver") as elsewhere:
        r = await elsewhere.post(f"/api/v1/lots/{lot['id']}/bids", headers=c.headers, json={"amount": "1175000.00"})
    assert r.status_code == 201, r.text


async def test_live_events_carry_the_contract_shape(env, manual_clock, runtime):
    lot, _ = await open_lot(env, manual_clock)
    a = await env.bidder(lot["id"])
    sub = await runtime.broker.subscribe(f"lot:{lot['id']}")
    r = (await env.bid(a, lot["id"], "1175000.00")).json()
    msg = await sub.get()
    await sub.close()
    assert msg == {"type": "bid", "seq": r["seq"], "amount": "1175000.00", "at": r["at"], "bidder": "Teklif 1",
                   "ends_at": r["ends_at"], "min_next_bid": "1186750.00", "round": 1}
    events = (await env.client.get(f"/api/v1/lots/{lot['id']}/events?after_seq=0")).json()
    assert [e["type"] for e in events] == ["round_opened", "bid"]
    assert events[1] == msg
    async with runtime.db.session() as s:
        assert await s.scalar(select(func.max(LotEvent.seq)).where(LotEvent.lot_id == lot["id"])) == 2


async def test_a_refused_bid_publishes_nothing(env, manual_clock, runtime):
    lot, _ = await open_lot(env, manual_clock)
    a = await env.bidder(lot["id"])
    sub = await runtime.broker.subscribe(f"lot:{lot['id']}")
    assert (await env.bid(a, lot["id"], "1.00")).status_code == 409
    # Publishing may be asynchronous (Redis): an accepted bid afterwards is the marker - the first
    # message to arrive must be it, so the refused one published nothing before it.
    accepted = (await env.bid(a, lot["id"], "1175000.00")).json()
    first = await asyncio.wait_for(sub.get(), 10)
    assert (first["type"], first["seq"]) == ("bid", accepted["seq"])
    await sub.close()
