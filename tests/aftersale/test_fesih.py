"""İhalenin feshi (S-14 … S-16; A-80 … A-83): complaints in and out of time, the outside applicant's harç and
teminat, the price held with nema, the court's outcome; annulment refunds the buyer."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from auction.deposits.models import Deposit, Refund
from auction.settlement.models import PaymentRefund, SalePayment
from tests.aftersale.conftest import aftersale, at, calm_week, pay, settlement, win

COURT = {"court": "İstanbul Anadolu 4. İcra Hukuk Mahkemesi", "court_file_no": "2026/611 Esas"}


async def _sale(env, sid):
    return (await env.client.get(f"/api/v1/sales/{sid}", headers=env.staff.headers)).json()


async def test_complaint_in_the_window_holds_the_sale_until_the_court_rejects_it(env, manual_clock, runtime,
                                                                                  sms_file, no_pdf):
    won = await win(env, manual_clock)
    sid = won.sale_id
    await pay(env, won.buyer, sid, "400000.00", sms_file)
    r = await env.client.post(f"/api/v1/sales/{sid}/fesih", headers=env.staff.headers, json={
        "applicant_name": "Teklif 1", "applicant_kind": "teklif_veren", **COURT})
    assert r.status_code == 201, r.text
    app = r.json()
    # A-82 / T-31 / OP-23: binde 68,31 of 1,198,500.00 = 81,869.535 → 81,869.54; half up front 40,934.77;
    # teminat 5 % = 59,925.00.
    assert (app["harc_total"], app["harc_upfront"], app["teminat_due"]) == ("81869.54", "40934.77", "59925.00")
    assert "OP-23" in app["rules"]["harc_rate"]
    s = await _sale(env, sid)
    assert (s["status"], s["fesih_status"]) == ("awarded", "pending")
    # the price is still due (even while a complaint runs) and goes to a nema account.
    await pay(env, won.buyer, sid, "563500.00", sms_file)
    async with runtime.db.session() as db:
        assert {p.nema for p in (await db.scalars(select(SalePayment).where(
            SalePayment.status == "received"))).all()} == {True}
    manual_clock.set(at(s["fesih_until"]) + timedelta(minutes=1))
    await aftersale(env)
    assert (await _sale(env, sid))["status"] == "awarded"  # no finality check while the complaint runs
    r = await env.client.post(f"/api/v1/sales/{sid}/finality", headers=env.staff.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "invalid_state")
    # Recording the court's outcome is the müdür's.
    decision = {"outcome": "rejected", "decided_on": "2027-01-05", "final_on": "2027-01-20",
                "fine_amount": "119850.00"}
    r = await env.client.post(f"/api/v1/fesih/{app['id']}/decision", headers=env.staff.headers, json=decision)
    assert r.status_code == 403
    r = await env.client.post(f"/api/v1/fesih/{app['id']}/decision", headers=env.manager.headers, json=decision)
    assert r.status_code == 200, r.text
    s = await _sale(env, sid)
    assert (s["status"], s["fesih_status"]) == ("awarded", "rejected")  # S-15
    await aftersale(env)
    assert (await _sale(env, sid))["status"] == "awaiting_finality_check"  # S-17
    r = await env.client.post(f"/api/v1/sales/{sid}/finality", headers=env.staff.headers)
    assert r.status_code == 200 and r.json()["status"] == "final"


async def test_complaint_out_of_time_and_late_discovery(env, manual_clock, runtime, sms_file):
    calm_week(manual_clock)
    won = await win(env, manual_clock)
    assert won.sale["fesih_until"] == "2027-04-20T14:00:00.000Z"  # Tue 17:00 TSİ (TM-17)
    assert won.sale["payment_due_at"] == "2027-04-21T14:00:00.000Z"  # Wed 17:00 TSİ (TM-16)
    sid = won.sale_id
    until = at(won.sale["fesih_until"])
    body = {"applicant_name": "Borçlu", "applicant_kind": "borclu", **COURT}
    r = await env.client.post(f"/api/v1/sales/{sid}/fesih", headers=env.staff.headers,
                              json={**body, "filed_at": (until + timedelta(seconds=1)).isoformat()})
    manual_clock.set(until + timedelta(hours=1))
    r = await env.client.post(f"/api/v1/sales/{sid}/fesih", headers=env.staff.headers,
                              json={**body, "filed_at": (until + timedelta(seconds=1)).isoformat()})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "fesih_out_of_time")
    # the ilan was not served on him; he learned of it today: 7 days from learning.
    learned = (until + timedelta(hours=1)).date().isoformat()
    r = await env.client.post(f"/api/v1/sales/{sid}/fesih", headers=env.staff.headers,
                              json={**body, "late": True, "learned_on": learned})
    assert r.status_code == 201, r.text
    assert r.json()["late"] is True and r.json()["harc_total"] is None  # the borçlu owes no harç
    # the late complaint blocks kesinleşme like any other (S-14 from `none`)
    await aftersale(env)
    assert (await _sale(env, sid))["fesih_status"] == "pending"


async def test_annulment_refunds_price_nema_and_teminat(env, manual_clock, runtime, sms_file, no_pdf):
    won = await win(env, manual_clock)
    sid = won.sale_id
    r = await env.client.post(f"/api/v1/sales/{sid}/fesih", headers=env.staff.headers, json={
        "applicant_name": "Alacaklı", "applicant_kind": "alacakli", **COURT})
    app = r.json()
    await pay(env, won.buyer, sid, "963500.00", sms_file)
    s = await _sale(env, sid)
    assert (s["payment_status"], s["fesih_status"]) == ("paid", "pending")
    r = await env.client.post(f"/api/v1/fesih/{app['id']}/decision", headers=env.manager.headers, json={
        "outcome": "annulled", "decided_on": "2027-01-05", "final_on": "2027-01-20", "nema_amount": "1234.56"})
    assert r.status_code == 200, r.text
    s = await _sale(env, sid)
    assert (s["status"], s["end_reason"]) == ("annulled", "annulled_fesih")
    await aftersale(env)
    await env.refunds()
    async with runtime.db.session() as db:
        refunds = sorted((r.kind, str(r.amount), r.status) for r in (await db.scalars(select(PaymentRefund))).all())
        deposit = (await db.scalars(select(Deposit).where(Deposit.user_id == won.buyer.user.id))).one()
        teminat = (await db.scalars(select(Refund).where(Refund.deposit_id == deposit.id))).one()
    # S-16 / A-83: the cash paid with its nema, and the teminat (which had become part of the price).
    assert refunds == [("nema", "1234.56", "done"), ("payment", "963500.00", "done")]
    assert (str(teminat.amount), teminat.reason, teminat.status, deposit.status) == (
        "235000.00", "annulled", "done", "refunded")
    lot = (await env.client.get(f"/api/v1/lots/{won.lot['id']}")).json()
    assert lot["status"] == "appraised"


def test_outside_applicant_costs_round_half_up_once():
    from decimal import Decimal as D

    from auction.aftersale.fesih import outside_costs

    rate, half, tem = D("0.06831"), D("0.5"), D("0.05")
    # 1,000.10 → harç 68.316831 → 68.32; up front 34.16; teminat 50.005 → 50.01 (half kuruş up).
    assert outside_costs(D("1000.10"), rate, half, tem) == (D("68.32"), D("34.16"), D("50.01"))
    # harç with an odd kuruş: 100.05 → 6.8344155 → 6.83; half of it 3.415 → 3.42 (half kuruş up).
    assert outside_costs(D("100.05"), rate, half, tem) == (D("6.83"), D("3.42"), D("5.00"))
    # 7,320.00 × 0.06831 = 500.0292 → 500.03; a price whose harç is exactly x.xx5: 500.00/0.06831 is not
    # whole; 1,000.00 → 68.31 exactly.
    assert outside_costs(D("1000.00"), rate, half, tem)[0] == D("68.31")


def test_op23_default_rate_pinned():
    from auction.rules.policy import make_policy

    assert str(make_policy().value("fesih.harc_rate")) == "0.06831"


async def test_finality_is_refused_while_unpaid(env, manual_clock, runtime, sms_file, no_pdf):
    """A-85: the system requires the full price to be paid; an unpaid sale never reaches the check."""
    calm_week(manual_clock)
    won = await win(env, manual_clock)
    manual_clock.set(at(won.sale["fesih_until"]) + timedelta(minutes=1))
    await aftersale(env)
    s = await _sale(env, won.sale_id)
    assert (s["status"], s["fesih_status"], s["payment_status"]) == ("awarded", "none", "due")
    r = await env.client.post(f"/api/v1/sales/{won.sale_id}/finality", headers=env.staff.headers)
    assert r.status_code == 409
    st = await settlement(env, won.buyer, won.sale_id)
    assert st["phase"] == "price"
    _ = date
