"""The satış kararı (S-01): Ex 1's calendar, the rule snapshot, every guard, 422 with every problem."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from auction import clock
from auction.events.models import OutboxEvent
from auction.sales.models import Round, Sale
from tests.engine import local, z

EX1_ILAN = local(2026, 2, 13, 10)
R1_START = local(2026, 3, 2, 14)


async def test_ex1_calendar_and_figures(env, manual_clock, runtime):
    manual_clock.set(EX1_ILAN)
    lot = await env.lot()
    sale = await env.sale(lot["id"], first_round_start=z(R1_START), second_round_start=z(local(2026, 3, 30, 14)))
    assert sale["status"] == "announced"
    assert sale["ilan_date"] == "2026-02-13"
    assert (sale["opening_price"], sale["min_increment"], sale["teminat_amount"]) == (
        "1175000.00", "11750.00", "235000.00")
    r1, r2 = sale["rounds"]
    assert (r1["starts_at"], r1["scheduled_end"]) == (z(R1_START), z(local(2026, 3, 9, 14)))
    assert (r2["starts_at"], r2["scheduled_end"]) == (z(local(2026, 3, 30, 14)), z(local(2026, 4, 6, 14)))
    # A-52 for round 2: cash by Sun 05.04 23:30; mektup, representatives, exemptions by Fri 03.04 17:00.
    assert r2["cash_deadline"] == z(local(2026, 4, 5, 23, 30))
    assert r2["mektup_deadline"] == z(local(2026, 4, 3, 17))
    assert r1["cash_deadline"] == z(local(2026, 3, 8, 23, 30))
    assert r1["mektup_deadline"] == z(local(2026, 3, 6, 17))
    # G-08: the snapshot holds each row used, with its ref (G-11).
    assert sale["rules"]["auction.increment.rate"]["ref"] == "A-33 auction.increment.rate@2024-11-14"
    assert sale["rules"]["auction.extension.step"]["value"] == "3m"
    assert sale["policy"]["extension.first_base"]["value"] == "scheduled_end"
    assert sale["threshold"] == "1175000.00"  # R 0, C 0 until staff enter them
    assert {w["code"] for w in sale["warnings"]} == {"kdv_rate_missing", "c_not_entered"}
    async with runtime.db.session() as s:
        events = (await s.scalars(select(OutboxEvent.type))).all()
        lot_status = (await s.scalar(select(Sale.status)))
    assert "sale.scheduled" in events
    assert lot_status == "announced"
    view = await env.get_lot(lot["id"])
    assert view["status"] == "in_sale"
    assert view["round"]["number"] == 1
    assert view["round_status"] == "scheduled"
    assert view["min_next_bid"] == "1175000.00"
    # The şartname is published with the sale and names its figures.
    page = await env.client.get(f"/api/v1/lots/{lot['id']}/sartname")
    assert page.status_code == 200
    assert "1.175.000,00 TL" in page.text
    assert "KDV hariç" in page.text


async def test_round2_is_proposed_when_omitted(env, manual_clock):
    manual_clock.set(EX1_ILAN)
    lot = await env.lot()
    sale = await env.sale(lot["id"], first_round_start=z(R1_START))
    r2 = sale["rounds"][1]
    # 3 weeks after round 1 (PRODUCT), on a working day, after the payment guard (17.03.2026 17:00).
    assert r2["starts_at"] == z(local(2026, 3, 30, 14))


async def test_every_problem_is_reported_at_once_and_nothing_is_written(env, manual_clock, runtime):
    manual_clock.set(EX1_ILAN)
    lot = await env.lot(final=False)
    r = await env.client.post(f"/api/v1/lots/{lot['id']}/sale", headers=env.staff.headers, json={
        "first_round_start": z(local(2026, 2, 20, 14)),  # 7 days after the ilan: too late
        "first_round_end": z(local(2026, 2, 27, 14)),  # ends may be given only under demo
        "second_round_start": z(local(2026, 3, 2, 14)),  # before round 1's latest payment deadline
    })
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "sale_invalid"
    codes = {p["code"] for p in err["details"]["problems"]}
    assert {"appraisal_not_final", "ilan_too_late", "round_end_not_allowed",
            "round2_before_payment_deadline"} <= codes
    assert all(p["message"] and p["rule"] for p in err["details"]["problems"])
    async with runtime.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Sale)) == 0
        assert await s.scalar(select(func.count()).select_from(Round)) == 0


async def test_round2_too_late_and_round_length(env, manual_clock):
    manual_clock.set(EX1_ILAN)
    lot = await env.lot()
    r = await env.client.post(f"/api/v1/lots/{lot['id']}/sale", headers=env.staff.headers, json={
        "first_round_start": z(R1_START), "second_round_start": z(local(2026, 4, 20, 14))})
    assert r.status_code == 422
    assert {p["code"] for p in r.json()["error"]["details"]["problems"]} == {"round2_too_late"}


async def test_a_movable_must_be_in_custody(env, manual_clock):
    manual_clock.set(EX1_ILAN)
    lot = await env.lot("640000.00", kind="tasinir", in_custody=False)
    r = await env.client.post(f"/api/v1/lots/{lot['id']}/sale", headers=env.staff.headers,
                              json={"first_round_start": z(R1_START)})
    assert r.status_code == 422
    assert [p["code"] for p in r.json()["error"]["details"]["problems"]] == ["not_in_custody"]


@pytest.mark.parametrize("body", [
    {},
    {"first_round_start": "not a time"},
    {"first_round_start": "2026-03-02T14:00:00"},  # no zone
    {"first_round_start": 12345},
    {"first_round_start": "2026-03-02T11:00:00Z", "r_amount": 10.5},  # float money
    {"first_round_start": "2026-03-02T11:00:00Z", "r_amount": "-1"},
    {"first_round_start": "2026-03-02T11:00:00Z", "unknown": 1},
    {"first_round_start": "2026-03-02T11:00:00Z", "kdv_rate": "2"},
    {"first_round_start": "9999-12-31T23:59:59Z"},
    {"first_round_start": "0001-01-01T00:00:00Z"},
])
async def test_bad_input_is_422_never_500(env, manual_clock, body):
    manual_clock.set(EX1_ILAN)
    lot = await env.lot()
    r = await env.client.post(f"/api/v1/lots/{lot['id']}/sale", headers=env.staff.headers, json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] in ("validation_error", "sale_invalid")


async def test_old_ilan_uses_the_old_increment_and_legacy_extension(env, manual_clock):
    manual_clock.set(local(2024, 10, 1, 10))
    lot = await env.lot()
    sale = await env.sale(lot["id"], first_round_start=z(local(2024, 10, 21, 14)))
    assert sale["min_increment"] == "2350.00"
    assert sale["rules"]["auction.extension.mode"]["value"] == "once"
    assert sale["rules"]["auction.extension.step"]["value"] == "10m"


async def test_a_lot_has_one_active_sale_and_scope_is_enforced(env, manual_clock, make_actor, runtime):
    manual_clock.set(EX1_ILAN)
    lot = await env.lot()
    await env.sale(lot["id"], first_round_start=z(R1_START))
    r = await env.client.post(f"/api/v1/lots/{lot['id']}/sale", headers=env.staff.headers,
                              json={"first_round_start": z(R1_START)})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "sale_exists"
    bidder = await make_actor("bidder")
    r = await env.client.post(f"/api/v1/lots/{lot['id']}/sale", headers=bidder.headers,
                              json={"first_round_start": z(R1_START)})
    assert r.status_code == 403
    from auction.users import service as users

    async with runtime.db.session() as s:
        await users.create_office(s, code="ANK-09", name="Ankara 9. İcra", city="Ankara", sales_bureau_name="A")
    other = await make_actor("staff", "ANK-09")
    r = await env.client.get("/api/v1/sales", headers=other.headers)
    assert r.json() == []
    r = await env.client.get("/api/v1/sales", headers=env.staff.headers)
    assert len(r.json()) == 1


async def test_demo_ruleset_accepts_given_ends(app, settings, client, staff, tmp_path):
    """Under ESATIS_RULESET=demo the round ends may be given (docs/api-contract.md) and R2 may follow at once."""
    from tests.engine import Env

    app.state.runtime.settings = settings.model_copy(update={"ruleset": "demo"})
    env = Env(client, app.state.runtime, staff, staff, None)  # type: ignore[arg-type]
    lot = await env.lot()
    now = clock.now()
    sale = await env.sale(lot["id"], first_round_start=z(now + timedelta(seconds=5)),
                          first_round_end=z(now + timedelta(seconds=65)))
    r1, r2 = sale["rounds"]
    assert r1["scheduled_end"] == z(now + timedelta(seconds=65))
    assert sale["ruleset"] == "demo"
    assert r2["starts_at"] == z(now + timedelta(seconds=65 + 60))  # demo gap 1 minute
    assert sale["rules"]["auction.extension.window"]["value"] == "20s"
    # A-52 under demo: both deadlines are E itself (docs/calendar.md).
    assert r1["cash_deadline"] == r1["scheduled_end"]
