"""A sale from the award to `distributing`, through every step and its documents (law ruleset)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from auction.events.models import OutboxEvent
from tests.aftersale.conftest import aftersale, at, pay, settlement, win


async def _events(runtime) -> list[str]:
    async with runtime.db.session() as s:
        return list((await s.scalars(select(OutboxEvent.type).order_by(OutboxEvent.id))).all())


async def test_award_to_distributing(env, manual_clock, runtime, sms_file, no_pdf):
    won = await win(env, manual_clock)
    sid = won.sale_id
    st = await settlement(env, won.buyer, sid)
    assert st["phase"] == "price"
    assert st["price"] == won.price == "1198500.00"
    assert st["teminat_credited"] == "235000.00"
    assert st["due_now"] == "963500.00"
    # part payments add up
    await pay(env, won.buyer, sid, "500000.00", sms_file)
    st = await settlement(env, won.buyer, sid)
    assert st["due_now"] == "463500.00"
    await pay(env, won.buyer, sid, "463500.00", sms_file)
    sale = (await env.client.get(f"/api/v1/sales/{sid}", headers=won.buyer.headers)).json()
    assert (sale["status"], sale["payment_status"]) == ("awarded", "paid")
    # TM-17 then S-17
    manual_clock.set(at(sale["fesih_until"]) + timedelta(seconds=1))
    await aftersale(env)
    sale = (await env.client.get(f"/api/v1/sales/{sid}", headers=env.staff.headers)).json()
    assert (sale["status"], sale["fesih_status"]) == ("awaiting_finality_check", "none")
    r = await env.client.post(f"/api/v1/sales/{sid}/finality", headers=env.staff.headers, json={"note": "UYAP: yok"})
    assert r.status_code == 200, r.text
    st = await settlement(env, won.buyer, sid)
    assert st["phase"] == "taxes"
    # konut 95 m², no lot area → the şartname KDV rate? env.lot has no area: rate from şartname (none) …
    assert st["due_now"] == str(sum_taxes(st))
    await pay(env, won.buyer, sid, st["due_now"], sms_file)
    sale = (await env.client.get(f"/api/v1/sales/{sid}", headers=env.staff.headers)).json()
    assert sale["status"] == "handover"
    r = await env.client.post(f"/api/v1/sales/{sid}/handover", headers=env.staff.headers,
                              json={"mode": "tapu_letter_sent"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "distributing"
    docs = (await env.client.get(f"/api/v1/sales/{sid}/documents", headers=won.buyer.headers)).json()
    kinds = [d["kind"] for d in docs]
    assert kinds.count("payment_receipt") == 3
    assert "kesinlesme_serhi" in kinds and "tapu_yazisi" in kinds
    ev = await _events(runtime)
    for name in ("sale.won", "payment.due", "payment.received", "sale.finalised", "sale.handover",
                 "sale.distributing"):
        assert name in ev, name


def sum_taxes(st):
    from decimal import Decimal

    return Decimal(st["kdv"]) + Decimal(st["damga_vergisi"])
