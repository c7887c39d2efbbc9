"""§12 transitions and guards driven by this engine (S-01 … S-11), each with its events."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from auction.events.models import OutboxEvent
from auction.sales import state
from auction.sales.errors import InvalidTransition
from auction.sales.models import Sale
from tests.engine import open_lot, z


async def _events(runtime) -> list[str]:
    async with runtime.db.session() as s:
        return list((await s.scalars(select(OutboxEvent.type).order_by(OutboxEvent.id))).all())


async def _sale(env, sale_id):
    return (await env.client.get(f"/api/v1/sales/{sale_id}", headers=env.staff.headers)).json()


async def test_transition_table_refuses_what_section_12_does_not_allow(env, manual_clock, runtime):
    lot = await env.lot()
    sale = await env.sale(lot["id"], first_round_start=z(manual_clock.now() + timedelta(days=16)))
    for event in ("publish", "close_round", "award", "round1_failed", "round2_failed"):
        with pytest.raises(InvalidTransition):
            async with runtime.db.session() as s:
                await state.apply(s, sale["id"], event)
    async with runtime.db.session() as s:
        assert (await s.get(Sale, sale["id"])).status == "announced"
    # posting a tutanak needs a closed round
    r = await env.client.post(f"/api/v1/sales/{sale['id']}/tutanak/post", headers=env.manager.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "invalid_state")


async def test_round2_failure_ends_the_sale_s11(env, manual_clock, runtime):
    lot, sale = await open_lot(env, manual_clock)
    assert (await _sale(env, sale["id"]))["status"] == "round_open"
    r1_end = manual_clock.now() + timedelta(days=7)
    manual_clock.set(r1_end + timedelta(seconds=1))
    await env.tick()
    s_ = await _sale(env, sale["id"])
    assert (s_["status"], s_["rounds"][0]["result"]) == ("round_closed", "no_bids")
    manual_clock.advance(hours=20)
    # the müdür reviews the outage report before posting the tutanak.
    await env.client.post(f"/api/v1/sales/{sale['id']}/outage-report/review", headers=env.manager.headers)
    await env.client.post(f"/api/v1/sales/{sale['id']}/tutanak/post", headers=env.manager.headers)
    assert (await _sale(env, sale["id"]))["status"] == "awaiting_round2"  # S-10
    # Round 2 opens only at its announced start (TM-10).
    assert await env.tick() == 0
    r2_start = s_["rounds"][1]["starts_at"]
    from datetime import datetime

    manual_clock.set(datetime.fromisoformat(r2_start.replace("Z", "+00:00")))
    assert await env.tick() == 1
    assert (await _sale(env, sale["id"]))["status"] == "round_open"
    manual_clock.advance(days=7, seconds=1)
    await env.tick()
    manual_clock.advance(hours=20)
    # the müdür reviews the outage report before posting the tutanak.
    await env.client.post(f"/api/v1/sales/{sale['id']}/outage-report/review", headers=env.manager.headers)
    r = await env.client.post(f"/api/v1/sales/{sale['id']}/tutanak/post", headers=env.manager.headers)
    assert r.status_code == 200
    s_ = await _sale(env, sale["id"])
    assert (s_["status"], s_["end_reason"]) == ("failed", "round2_failed")  # S-11
    assert (await env.get_lot(lot["id"]))["status"] == "appraised"  # back to appraised after a failed sale
    events = await _events(runtime)
    assert events.count("round.opened") == 2
    assert events.count("round.closed") == 2
    assert events[-1] == "sale.failed"
    # A new sale of the same lot is possible now; its seq continues the lot's log.
    sale2 = await env.sale(lot["id"], first_round_start=z(manual_clock.now() + timedelta(days=16)))
    assert sale2["status"] == "announced"


async def test_cancellation_s02_and_s06_refunds_every_teminat(env, manual_clock, runtime):
    lot, sale = await open_lot(env, manual_clock)
    a = await env.bidder(lot["id"])
    b = await env.bidder(lot["id"])
    await env.bid(a, lot["id"], "1175000.00")
    r = await env.client.post(f"/api/v1/sales/{sale['id']}/cancel", headers=env.staff.headers,
                              json={"reason": "debt_paid"})
    assert r.status_code == 403  # the müdür decides
    r = await env.client.post(f"/api/v1/sales/{sale['id']}/cancel", headers=env.manager.headers,
                              json={"reason": "debt_paid", "note": "Borç tamamen ödendi"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"
    assert [x["status"] for x in r.json()["rounds"]] == ["cancelled", "cancelled"]
    assert (await env.bid(b, lot["id"], "1186750.00")).json()["error"]["code"] == "round_closed"
    last = (await env.client.get(f"/api/v1/lots/{lot['id']}/events?after_seq=2")).json()
    assert [(e["seq"], e["type"], e["result"]["status"]) for e in last] == [(3, "closed", "cancelled")]
    assert await env.refunds() == 2  # the leader's too: nothing is sold
    events = await _events(runtime)
    assert events.count("deposit.refunded") == 2
    assert "sale.failed" in events
    # S-02 before round 1: the request is withdrawn
    lot2 = await env.lot()
    sale2 = await env.sale(lot2["id"], first_round_start=z(manual_clock.now() + timedelta(days=16)))
    r = await env.client.post(f"/api/v1/sales/{sale2['id']}/cancel", headers=env.manager.headers,
                              json={"reason": "request_withdrawn"})
    assert r.json()["status"] == "cancelled"
    assert (await env.tick()) == 0


async def test_exclusion_and_the_debtor_op20(env, manual_clock, runtime, make_actor):
    debtor = await make_actor("bidder")
    case = (await env.client.post("/api/v1/cases", headers=env.staff.headers, json={
        "file_no": "2026/77 Esas", "debtor": "Borçlu Kişi", "debtor_user_id": debtor.user.id})).json()
    lot = (await env.client.post(f"/api/v1/cases/{case['id']}/lots", headers=env.staff.headers, json={
        "kind": "tasinmaz", "title": "Arsa", "appraised_value": "1000000.00", "appraisal_final": True})).json()
    start = manual_clock.now() + timedelta(days=16)
    sale = await env.sale(lot["id"], first_round_start=z(start))
    r = await env.client.post(f"/api/v1/lots/{lot['id']}/deposits", headers=debtor.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "bidder_excluded")  # OP-20 default: blocked
    someone = await env.bidder(lot["id"])
    r = await env.client.post(f"/api/v1/sales/{sale['id']}/exclusions", headers=env.staff.headers,
                              json={"user_id": someone.user.id, "reason": "Satış memurunun yakını (A-10)"})
    assert r.status_code == 201
    manual_clock.set(start)
    await env.tick()
    r = await env.bid(someone, lot["id"], "500000.00")
    assert (r.status_code, r.json()["error"]["code"]) == (403, "bidder_excluded")


async def test_demo_ruleset_posts_the_tutanak_itself(env, manual_clock, runtime, settings):
    runtime.settings = settings.model_copy(update={"ruleset": "demo"})
    lot = await env.lot()
    now = manual_clock.now()
    sale = await env.sale(lot["id"], first_round_start=z(now), first_round_end=z(now + timedelta(seconds=60)))
    a = await env.bidder(lot["id"])
    await env.tick()
    await env.bid(a, lot["id"], "1175000.00")
    # demo anti-sniping: a bid at E − 10 s (in the 20 s window) moves the close to E + 5 s
    manual_clock.set(now + timedelta(seconds=50))
    b = await env.bidder(lot["id"])
    r = await env.bid(b, lot["id"], "1186750.00")
    assert r.json()["ends_at"] == z(now + timedelta(seconds=65))
    manual_clock.set(now + timedelta(seconds=65, milliseconds=300))
    assert await env.tick() == 1
    assert await env.documents() >= 0  # not yet: tutanak.auto_post_after = 10 s
    assert (await _sale(env, sale["id"]))["status"] == "round_closed"
    manual_clock.advance(seconds=10)
    await env.documents()
    s_ = await _sale(env, sale["id"])
    assert s_["status"] == "awarded"
    assert s_["winner_user_id"] == b.user.id
    assert await env.refunds() == 1  # a's teminat
