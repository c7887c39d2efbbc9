"""A-43 / S-08 / TM-15: the availability record, the outage report and its review before the tutanak, the
müdür's outage extension through its round to the award; TM-14: the overdue-tutanak alert."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from auction.availability.models import AvailabilityMinute
from auction.availability.service import Source, record_failure
from auction.events.models import OutboxEvent
from auction.notifications.models import Notification
from auction.sales import tutanak
from auction.sales.errors import OutageReviewRequired
from auction.users import service as user_service
from tests.engine import Env, local, z

# Round 1 of the worked example: E = Mon 2026-04-06 15:00; the first working day after is Tue 04-07.
R1_START = local(2026, 3, 30, 15)
R1_END = local(2026, 4, 6, 15)
TUESDAY = local(2026, 4, 7, 10)


def _t(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def _closed_round(env: Env, mc: Any, *, bids: tuple[str, ...] = ("1175000.00", "1186750.00"),
                        failures: dict[datetime, int] | None = None) -> dict[str, Any]:
    """A sale whose round 1 closed at R1_END with two bidders (b leads) and the given failures."""
    mc.set(local(2026, 3, 10, 10))
    lot = await env.lot()
    sale = await env.sale(lot["id"], first_round_start=z(R1_START), r_amount="0.00", c_amount="0.00")
    mc.set(R1_START)
    assert await env.tick() == 1
    a = await env.bidder(lot["id"])
    b = await env.bidder(lot["id"])
    for i, amount in enumerate(bids):
        r = await env.bid((a, b)[i % 2], lot["id"], amount)
        assert r.status_code == 201, r.text
    if failures:
        async with env.runtime.db.session() as s:
            for at, n in failures.items():
                for _ in range(n):
                    await record_failure(s, Source.bid_endpoint, at)
    mc.set(R1_END + timedelta(seconds=1))
    assert await env.tick() == 1
    return {"lot": lot, "sale": sale, "a": a, "b": b}


def _outage_failures(n: int = 25) -> dict[datetime, int]:
    return {R1_END - timedelta(minutes=3): n}


async def _extend(env: Env, sale_id: int, starts_at: datetime, headers: dict[str, str] | None = None,
                  **body: Any) -> Any:
    return await env.client.post(f"/api/v1/sales/{sale_id}/outage-extension", headers=headers or env.manager.headers,
                                 json={"starts_at": z(starts_at), **body})


async def _events(env: Env, type_: str) -> list[dict[str, Any]]:
    async with env.runtime.db.session() as s:
        rows = (await s.scalars(select(OutboxEvent).where(OutboxEvent.type == type_).order_by(OutboxEvent.id))).all()
        return [dict(r.data) for r in rows]


# --- the availability record ---------------------------------------------------------------------------


async def _minutes(env: Env) -> list[tuple[str, int]]:
    async with env.runtime.db.session() as s:
        rows = (await s.scalars(select(AvailabilityMinute).order_by(AvailabilityMinute.id))).all()
        return [(r.source, r.failures) for r in rows]


async def test_only_portal_side_bid_failures_are_recorded(env, manual_clock, monkeypatch):
    from tests.engine import open_lot

    lot, _sale = await open_lot(env, manual_clock)
    a = await env.bidder(lot["id"])
    assert (await env.bid(a, lot["id"], "1175000.00")).status_code == 201  # success: nothing written
    r = await env.bid(a, lot["id"], "1200000.00")
    assert r.json()["error"]["code"] == "already_highest"  # the bidder's own error (4xx): nothing written
    b = await env.bidder(lot["id"])
    assert (await env.bid(b, lot["id"], "1.00")).status_code == 409  # bid_too_low
    assert await _minutes(env) == []

    from auction.bidding import service as bidding

    async def broken(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(bidding, "place_bid", broken)
    for _ in range(2):
        r = await env.bid(b, lot["id"], "1300000.00")
        assert r.status_code == 500
    assert await _minutes(env) == [("bid_endpoint", 2)]  # one row per minute, counted up
    manual_clock.advance(minutes=1)
    assert (await env.bid(b, lot["id"], "1300000.00")).status_code == 500
    assert await _minutes(env) == [("bid_endpoint", 2), ("bid_endpoint", 1)]


async def test_report_counts_the_last_window_before_the_actual_close(env, manual_clock):
    out = await _closed_round(env, manual_clock, failures={
        R1_END - timedelta(minutes=12): 50,  # before the last 10 minutes: not in the report
        R1_END - timedelta(minutes=9): 3,
        R1_END - timedelta(minutes=1): 4,
    })
    manual_clock.set(TUESDAY)
    r = await env.client.get(f"/api/v1/sales/{out['sale']['id']}/outage-report", headers=env.staff.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    report = body["report"]
    assert report["window_s"] == 600  # the round's W, 10 minutes by law
    assert (report["failed_requests"], report["peak_per_minute"], report["outage"]) == (7, 4, False)
    assert report["threshold_per_minute"] == 20  # OP-12 default
    assert body["extension"]["possible"] is True and body["extension"]["needs_override"] is True
    assert body["reviewed_at"] is None
    # The tutanak draft lists the report.
    t = (await env.client.get(f"/api/v1/sales/{out['sale']['id']}/tutanaklar", headers=env.staff.headers)).json()[0]
    assert t["data"]["outage"]["failed_requests"] == 7
    html = (await env.client.get(f"/api/v1/tutanaklar/{t['id']}", headers=env.staff.headers)).text
    assert "Portal kaynaklı başarısız teklif istekleri" in html


# --- the posting gate ----------------------------------------------------------------------------------


async def test_tutanak_waits_for_the_mudurs_review(env, manual_clock):
    out = await _closed_round(env, manual_clock)
    sale_id = out["sale"]["id"]
    manual_clock.set(TUESDAY)
    r = await env.client.post(f"/api/v1/sales/{sale_id}/tutanak/post", headers=env.manager.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "outage_review_required")
    r = await env.client.post(f"/api/v1/sales/{sale_id}/outage-report/review", headers=env.staff.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "role_required")  # the route admits the müdür only
    r = await env.client.post(f"/api/v1/sales/{sale_id}/outage-report/review", headers=env.manager.headers,
                              json={"note": "Kayıtlar incelendi."})
    assert r.status_code == 200, r.text
    assert r.json()["outage_reviewed_at"] == z(TUESDAY)
    assert r.json()["outage_reviewed_by"] == env.manager.user.id
    r = await env.client.post(f"/api/v1/sales/{sale_id}/tutanak/post", headers=env.manager.headers)
    assert r.status_code == 200, r.text
    assert (await env.client.get(f"/api/v1/sales/{sale_id}", headers=env.staff.headers)).json()["status"] == "awarded"


async def test_system_reviews_itself_only_without_failures(env, manual_clock):
    clean = await _closed_round(env, manual_clock)
    manual_clock.set(TUESDAY)
    async with env.runtime.db.session() as s:
        t = await tutanak.post_tutanak(s, env.runtime, None, clean["sale"]["id"])
        assert (t.outage_reviewed_by, t.outage_reviewed_at, t.posted_at) == (None, TUESDAY, TUESDAY)

    failing = await _closed_round(env, manual_clock, failures={R1_END - timedelta(minutes=2): 1})
    manual_clock.set(TUESDAY)
    with pytest.raises(OutageReviewRequired):
        async with env.runtime.db.session() as s:
            await tutanak.post_tutanak(s, env.runtime, None, failing["sale"]["id"])
    async with env.runtime.db.session() as s:
        assert await tutanak.due_auto_posts(s, TUESDAY + timedelta(days=1)) == []  # nothing auto-posts it
    sale = (await env.client.get(f"/api/v1/sales/{failing['sale']['id']}", headers=env.staff.headers)).json()
    assert sale["status"] == "round_closed"


# --- S-08 guards ------------------------------------------------------------------------------------------


async def test_extension_guards(env, manual_clock, runtime, make_actor):
    out = await _closed_round(env, manual_clock, failures=_outage_failures())
    sale_id = out["sale"]["id"]
    start = local(2026, 4, 9, 10)
    # Wrong day: the day of the close itself, and the day after the first working day.
    manual_clock.set(R1_END + timedelta(hours=2))
    r = await _extend(env, sale_id, start)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "outage_decision_out_of_window")
    manual_clock.set(local(2026, 4, 8, 0, 0, 1))
    r = await _extend(env, sale_id, start)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "outage_decision_out_of_window")
    manual_clock.set(TUESDAY)
    # Wrong role, wrong office.
    r = await _extend(env, sale_id, start, headers=env.staff.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "role_required")  # the route admits the müdür only
    async with runtime.db.session() as s:
        await user_service.create_office(s, code="ANK-01", name="Ankara 1. İcra Dairesi", city="Ankara",
                                         sales_bureau_name="Ankara Satış Bürosu")
    other = await make_actor("manager", "ANK-01")
    r = await _extend(env, sale_id, start, headers=other.headers)
    assert r.status_code == 403
    bidder = out["a"]
    r = await _extend(env, sale_id, start, headers=bidder.headers)
    assert r.status_code == 403
    # The start: after the decision, no later than 3 days after it (TM-15).
    r = await _extend(env, sale_id, TUESDAY - timedelta(minutes=1))
    assert (r.status_code, r.json()["error"]["code"]) == (422, "extension_start_invalid")
    r = await _extend(env, sale_id, local(2026, 4, 11, 10))
    assert (r.status_code, r.json()["error"]["code"]) == (422, "extension_start_invalid")
    # Nothing was written by the refusals.
    assert await _events(env, "round.extended") == []
    r = await _extend(env, sale_id, local(2026, 4, 10, 10))  # the 3rd day after the decision: allowed
    assert r.status_code == 201, r.text
    # Already extended: the sale is no longer round_closed.
    r = await _extend(env, sale_id, start)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "invalid_state")


async def test_extension_needs_an_outage_or_a_recorded_reason(env, manual_clock):
    out = await _closed_round(env, manual_clock, failures={R1_END - timedelta(minutes=4): 5})  # below 20/min
    sale_id = out["sale"]["id"]
    manual_clock.set(TUESDAY)
    r = await _extend(env, sale_id, local(2026, 4, 9, 10))
    assert (r.status_code, r.json()["error"]["code"]) == (409, "no_portal_outage")
    reason = "Banka entegrasyonu 14:52-14:58 arasında yanıt vermedi (sağlayıcı yazısı ekte)."
    r = await _extend(env, sale_id, local(2026, 4, 9, 10), override_reason=reason)
    assert r.status_code == 201, r.text
    ext = (await _events(env, "round.extended"))[-1]
    assert (ext["reason"], ext["override"]) == ("technical", True)
    async with env.runtime.db.session() as s:
        from auction.audit.models import AuditEntry

        entry = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "sale.outage_extension_ordered"))).one()
        assert entry.data["override_reason"] == reason
        assert entry.actor_user_id == env.manager.user.id


async def test_extension_refused_in_other_states(env, manual_clock):
    from tests.engine import open_lot

    _lot, sale = await open_lot(env, manual_clock)  # round 1 open
    r = await _extend(env, sale["id"], manual_clock.now() + timedelta(days=1), override_reason="x" * 12)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "invalid_state")


# --- the extension through its round to the award ---------------------------------------------------------


async def test_extension_round_runs_to_the_award(env, manual_clock, runtime):
    out = await _closed_round(env, manual_clock, failures=_outage_failures())
    sale_id, lot_id, a, b = out["sale"]["id"], out["lot"]["id"], out["a"], out["b"]
    refunds = (await env.client.get(f"/api/v1/sales/{sale_id}/refunds", headers=env.staff.headers)).json()
    assert [x["status"] for x in refunds] == ["held"]  # a's, held until the tutanak
    manual_clock.set(TUESDAY)
    start = local(2026, 4, 9, 10)
    r = await _extend(env, sale_id, start)
    assert r.status_code == 201, r.text
    ext = r.json()
    assert (ext["status"], ext["starts_at"], ext["scheduled_end"]) == ("scheduled", z(start), z(local(2026, 4, 10, 10)))
    assert (ext["extension_of"], ext["current_price"]) == (1, "1186750.00")  # the highest bid stays bound
    assert ext["opening_price"] == out["sale"]["opening_price"]
    # OP-14: the A-52 deadlines of the extension's end (cash: 23:30 the day before).
    assert ext["cash_deadline"] == z(local(2026, 4, 9, 23, 30))
    sale = (await env.client.get(f"/api/v1/sales/{sale_id}", headers=env.staff.headers)).json()
    assert sale["status"] == "extension_scheduled"
    # Deposits keep covering the extension: the held refund is taken back.
    assert (await env.client.get(f"/api/v1/sales/{sale_id}/refunds", headers=env.staff.headers)).json() == []
    [event] = await _events(env, "round.extended")
    assert (event["reason"], event["round_id"], event["ends_at"]) == ("technical", ext["id"], z(local(2026, 4, 10, 10)))
    # The superseded tutanak can no longer be posted.
    r = await env.client.post(f"/api/v1/sales/{sale_id}/tutanak/post", headers=env.manager.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "invalid_state")
    # Bidding waits for the start (TM-15 → S-03).
    assert (await env.bid(a, lot_id, "1300000.00")).json()["error"]["code"] == "round_not_open"
    assert await env.tick() == 0
    manual_clock.set(start)
    assert await env.tick() == 1
    view = await env.get_lot(lot_id)
    assert (view["round"]["id"], view["round_status"], view["current_price"]) == (ext["id"], "open", "1186750.00")
    assert view["min_next_bid"] == "1198500.00"
    assert (await env.bid(b, lot_id, "1300000.00")).json()["error"]["code"] == "already_highest"  # OP-11
    r = await env.bid(a, lot_id, "1198500.00")
    assert r.status_code == 201, r.text
    # Anti-sniping with E = the extension's end.
    manual_clock.set(local(2026, 4, 10, 9, 58))
    r = await env.bid(b, lot_id, "1210250.00")
    assert r.status_code == 201
    assert r.json()["ends_at"] == z(local(2026, 4, 10, 10, 3))
    manual_clock.set(local(2026, 4, 10, 10, 3, 1))
    assert await env.tick() == 1
    # The close of the extension leads to the normal S-09: review, post, award to b.
    manual_clock.set(local(2026, 4, 13, 10))  # Mon, the first working day after Fri's close
    r = await _extend(env, sale_id, local(2026, 4, 14, 10))
    assert (r.status_code, r.json()["error"]["code"]) == (409, "already_extended")
    await env.client.post(f"/api/v1/sales/{sale_id}/outage-report/review", headers=env.manager.headers)
    r = await env.client.post(f"/api/v1/sales/{sale_id}/tutanak/post", headers=env.manager.headers)
    assert r.status_code == 200, r.text
    assert r.json()["data"]["extension_of"] == 1
    sale = (await env.client.get(f"/api/v1/sales/{sale_id}", headers=env.staff.headers)).json()
    assert (sale["status"], sale["price"]) == ("awarded", "1210250.00")
    [won] = await _events(env, "sale.won")
    assert (won["buyer_user_id"], won["ihale_date"]) == (b.user.id, "2026-04-10")
    refunds = (await env.client.get(f"/api/v1/sales/{sale_id}/refunds", headers=env.staff.headers)).json()
    assert [x["status"] for x in refunds] == ["due"]  # a's teminat, released by the posting
    mine = (await env.client.get(f"/api/v1/lots/{lot_id}/deposits/mine", headers=a.headers)).json()
    assert [x["id"] for x in mine] == [refunds[0]["deposit_id"]]
    # The bid ledger holds across the extension (its round starts with the bound bid, A-43).
    ledger = (await env.client.get(f"/api/v1/lots/{lot_id}/ledger")).json()
    assert (ledger["verified"], ledger["problems"], ledger["bid_count"]) == (True, [], 4)


async def _extend_run_and_post(env, manual_clock, sale_id: int) -> None:
    """Tuesday's decision: a one-day extension on Wed 8 April 10:00; the closer opens and closes it; the
    müdür reviews the (new) outage report and posts the extension's tutanak on Friday."""
    manual_clock.set(TUESDAY)
    assert (await _extend(env, sale_id, local(2026, 4, 8, 10))).status_code == 201
    manual_clock.set(local(2026, 4, 8, 10))
    assert await env.tick() == 1
    manual_clock.set(local(2026, 4, 9, 10, 0, 1))
    assert await env.tick() == 1
    manual_clock.set(local(2026, 4, 10, 10))
    await env.client.post(f"/api/v1/sales/{sale_id}/outage-report/review", headers=env.manager.headers)
    r = await env.client.post(f"/api/v1/sales/{sale_id}/tutanak/post", headers=env.manager.headers)
    assert r.status_code == 200, r.text


async def test_extension_without_new_bids_awards_the_bound_bid(env, manual_clock):
    out = await _closed_round(env, manual_clock, failures=_outage_failures())
    sale_id = out["sale"]["id"]
    await _extend_run_and_post(env, manual_clock, sale_id)
    [won] = await _events(env, "sale.won")
    assert (won["buyer_user_id"], won["price"]) == (out["b"].user.id, "1186750.00")
    assert won["bid_id"] is not None
    ledger = (await env.client.get(f"/api/v1/lots/{out['lot']['id']}/ledger")).json()
    assert (ledger["verified"], ledger["problems"]) == (True, [])  # the extension carried the bid, no bid of its own


async def test_extension_of_a_failed_round1_leads_to_round2(env, manual_clock):
    out = await _closed_round(env, manual_clock, bids=(), failures=_outage_failures())
    sale_id = out["sale"]["id"]
    await _extend_run_and_post(env, manual_clock, sale_id)
    sale = (await env.client.get(f"/api/v1/sales/{sale_id}", headers=env.staff.headers)).json()
    assert sale["status"] == "awaiting_round2"  # S-10: the extension decides like round 1
    r2 = next(r for r in sale["rounds"] if r["number"] == 2)
    manual_clock.set(_t(r2["starts_at"]))
    assert await env.tick() == 1
    view = await env.get_lot(out["lot"]["id"])
    assert (view["round"]["number"], view["round_status"]) == (2, "open")


# --- TM-14 -------------------------------------------------------------------------------------------------


async def _alerts(env: Env) -> int:
    from workers.housekeeping import Housekeeping

    return await Housekeeping(env.runtime).alert_overdue_tutanaks()


async def _notifications(env: Env, user_id: int) -> list[Notification]:
    async with env.runtime.db.session() as s:
        return list((await s.scalars(select(Notification).where(Notification.user_id == user_id,
                                                                Notification.kind == "tutanak_overdue"))).all())


async def test_tm14_alerts_the_mudur_once_after_the_due_time(env, manual_clock, make_actor, office):
    second = await make_actor("manager", office.code)
    out = await _closed_round(env, manual_clock)
    t = (await env.client.get(f"/api/v1/sales/{out['sale']['id']}/tutanaklar", headers=env.staff.headers)).json()[0]
    assert t["due_at"] == z(local(2026, 4, 7, 17))  # end of the first working day after the close
    manual_clock.set(local(2026, 4, 7, 16, 59))
    assert await _alerts(env) == 0
    manual_clock.set(local(2026, 4, 7, 17, 0))
    assert await _alerts(env) == 1
    for manager in (env.manager, second):
        [n] = await _notifications(env, manager.user.id)
        assert n.data["tutanak_id"] == t["id"] and n.data["outage_reviewed"] is False
    assert await _notifications(env, env.staff.user.id) == []
    manual_clock.advance(hours=1)
    assert await _alerts(env) == 0  # never twice
    assert len(await _notifications(env, env.manager.user.id)) == 1


async def test_tm14_two_workers_alert_once(env, manual_clock):
    import asyncio

    await _closed_round(env, manual_clock)
    manual_clock.set(local(2026, 4, 8, 9))
    results = await asyncio.gather(_alerts(env), _alerts(env))
    assert sorted(results) == [0, 1]
    assert len(await _notifications(env, env.manager.user.id)) == 1


async def test_tm14_skips_posted_and_extended_tutanaks(env, manual_clock):
    posted = await _closed_round(env, manual_clock)
    manual_clock.set(TUESDAY)
    await env.client.post(f"/api/v1/sales/{posted['sale']['id']}/outage-report/review", headers=env.manager.headers)
    assert (await env.client.post(f"/api/v1/sales/{posted['sale']['id']}/tutanak/post",
                                  headers=env.manager.headers)).status_code == 200
    extended = await _closed_round(env, manual_clock, failures=_outage_failures())
    manual_clock.set(TUESDAY)
    assert (await _extend(env, extended["sale"]["id"], local(2026, 4, 9, 10))).status_code == 201
    manual_clock.set(local(2026, 4, 8, 9))
    assert await _alerts(env) == 0
    async with env.runtime.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Notification)
                              .where(Notification.kind == "tutanak_overdue")) == 0


def test_decision_window_and_extension_length_law_and_demo():
    from auction.calendar import outage_decision_window, outage_extension_end

    close = local(2026, 4, 10, 15)  # a Friday: the first working day after is Monday
    assert outage_decision_window(close, "law") == (local(2026, 4, 13), local(2026, 4, 14))
    # Demo: the same code with the demo rows (G-09): the decision from the close on; a 2-minute extension.
    assert outage_decision_window(close, "demo") == (close, local(2026, 4, 14))
    assert outage_extension_end(local(2026, 4, 14, 10), "law") == local(2026, 4, 15, 10)
    assert outage_extension_end(local(2026, 4, 14, 10), "demo") == local(2026, 4, 14, 10, 2)
