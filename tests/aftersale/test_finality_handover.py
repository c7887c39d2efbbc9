"""Kesinleşme, taxes, tescil and teslim (S-17 … S-22; TM-17, TM-19, TM-20, TM-21), the alerts and
reminders (each once), the annulment paths, and the hand-over point to the distribution."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from auction.events.models import OutboxEvent
from auction.notifications.models import Notification
from auction.settlement.models import PaymentRefund
from tests.aftersale.conftest import aftersale, at, calm_week, pay, settlement, win


async def _sale(env, sid):
    return (await env.client.get(f"/api/v1/sales/{sid}", headers=env.staff.headers)).json()


async def _events(runtime, type_):
    async with runtime.db.session() as s:
        return list((await s.scalars(select(OutboxEvent).where(OutboxEvent.type == type_)
                                     .order_by(OutboxEvent.id))).all())


async def _final(env, manual_clock, sms_file, **kw):
    calm_week(manual_clock)
    won = await win(env, manual_clock, **kw)
    await pay(env, won.buyer, won.sale_id, (await settlement(env, won.buyer, won.sale_id))["due_now"], sms_file)
    manual_clock.set(at(won.sale["fesih_until"]))  # TM-17: at the window's end
    await aftersale(env)
    s = await _sale(env, won.sale_id)
    assert (s["status"], s["fesih_status"]) == ("awaiting_finality_check", "none")
    return won, s


async def test_finality_alert_muhtira_and_tapu_letter(env, manual_clock, runtime, sms_file, no_pdf):
    won, s = await _final(env, manual_clock, sms_file)
    sid = won.sale_id
    # TM-19 (OP-25): 2 working days after the window (Tue 04-20 17:00) → Thu 04-22 17:00 TSİ.
    assert s["finality_alert_at"] == "2027-04-22T14:00:00.000Z"
    manual_clock.set(at(s["finality_alert_at"]) - timedelta(seconds=1))
    await aftersale(env)
    manual_clock.set(at(s["finality_alert_at"]))
    await aftersale(env)
    await aftersale(env)
    async with runtime.db.session() as db:
        alerts = (await db.scalars(select(Notification).where(Notification.kind == "tm19"))).all()
    assert len(alerts) == 2  # the office's staff and müdür, once each
    # S-18: a bidder cannot confirm; staff can. The muhtıra: 7 days (OP-26), G-05 → Fri 04-30 17:00 TSİ.
    r = await env.client.post(f"/api/v1/sales/{sid}/finality", headers=won.buyer.headers)
    assert r.status_code == 403
    manual_clock.set(at("2027-04-23T07:00:00.000Z"))
    r = await env.client.post(f"/api/v1/sales/{sid}/finality", headers=env.staff.headers,
                              json={"note": "UYAP 23.04.2027: şikâyet yok"})
    assert r.status_code == 200, r.text
    assert r.json()["tax_due_at"].startswith("2027-04-30T14:00")
    ev = await _events(runtime, "sale.finalised")
    assert len(ev) == 1 and ev[0].data["kdv"] == "11985.00" and ev[0].data["damga_vergisi"] == "6819.47"
    st = await settlement(env, won.buyer, sid)
    # 1 % KDV on 1,198,500.00 = 11,985.00; damga 6,819.465 → 6,819.47 (half up).
    assert (st["phase"], st["due_now"]) == ("taxes", "18804.47")
    # A reminder one day before the muhtıra deadline, once.
    manual_clock.set(at(st["deadline"]) - timedelta(hours=23))
    await aftersale(env)
    await aftersale(env)
    assert len(await _events(runtime, "payment.reminder")) == 1
    # Handover is refused until the taxes are paid.
    r = await env.client.post(f"/api/v1/sales/{sid}/handover", headers=env.staff.headers,
                              json={"mode": "tapu_letter_sent"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "taxes_unpaid")
    await pay(env, won.buyer, sid, "18804.47", sms_file)
    assert (await _sale(env, sid))["status"] == "handover"  # S-19
    r = await env.client.post(f"/api/v1/sales/{sid}/tahliye", headers=env.staff.headers,
                              json={"occupied_by": "borclu"})
    assert r.status_code == 201, r.text
    # TM-21: 15 days, G-05.
    assert r.json()["tahliye_until"].startswith("2027-05-1")
    docs = (await env.client.get(f"/api/v1/sales/{sid}/documents", headers=env.staff.headers)).json()
    kinds = {d["kind"] for d in docs}
    assert {"kesinlesme_serhi", "tapu_yazisi", "tahliye_emri"} <= kinds
    letter = [d for d in docs if d["kind"] == "tapu_yazisi"][-1]
    html = (await env.client.get(letter["html"], headers=env.staff.headers)).text
    assert "144. maddesinin dördüncü fıkrası" in html and "135. maddesinin ikinci fıkrası" in html
    r = await env.client.post(f"/api/v1/sales/{sid}/handover", headers=env.staff.headers,
                              json={"mode": "delivered"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "handover_mode")
    r = await env.client.post(f"/api/v1/sales/{sid}/handover", headers=env.staff.headers,
                              json={"mode": "tapu_letter_sent"})
    assert r.status_code == 200 and r.json()["status"] == "distributing"  # S-21
    handoff = await _events(runtime, "sale.distributing")
    assert len(handoff) == 1
    assert handoff[0].data["price"] == "1198500.00" and handoff[0].data["teminat_applied"] == "235000.00"
    assert handoff[0].data["cash_received"] == "963500.00"


async def test_taxes_unpaid_lead_to_annulment_only_after_the_muhtira(env, manual_clock, runtime, sms_file, no_pdf):
    won, _ = await _final(env, manual_clock, sms_file)
    sid = won.sale_id
    r = await env.client.post(f"/api/v1/sales/{sid}/finality", headers=env.staff.headers)
    due = at(r.json()["tax_due_at"])
    body = {"reason": "taxes_unpaid", "note": "Muhtıra süresinde ödeme yapılmadı."}
    r = await env.client.post(f"/api/v1/sales/{sid}/annul", headers=env.staff.headers, json=body)
    assert r.status_code == 403  # a müdür decision
    r = await env.client.post(f"/api/v1/sales/{sid}/annul", headers=env.manager.headers, json=body)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "deadline_not_passed")
    manual_clock.set(due)
    await aftersale(env)
    async with runtime.db.session() as db:
        assert len((await db.scalars(select(Notification).where(Notification.kind == "tm20"))).all()) == 1
    r = await env.client.post(f"/api/v1/sales/{sid}/annul", headers=env.manager.headers, json=body)
    assert r.status_code == 200 and r.json()["status"] == "annulled"  # S-20
    await aftersale(env)
    await env.refunds()
    async with runtime.db.session() as db:
        refunds = (await db.scalars(select(PaymentRefund))).all()
    # OP-26: the price paid goes back; the teminat is not forfeited (refunded by the teminat worker).
    assert [(str(r.amount), r.status) for r in refunds] == [("963500.00", "done")]
    failed = await _events(runtime, "sale.failed")
    assert failed[-1].data["reason"] == "taxes_unpaid"


async def test_movable_handed_over_or_ready_and_handover_impossible(env, manual_clock, runtime, sms_file, no_pdf):
    won, _ = await _final(env, manual_clock, sms_file, kind="tasinir", appraised="640000.00", kdv_rate="0.20")
    sid = won.sale_id
    await env.client.post(f"/api/v1/sales/{sid}/finality", headers=env.staff.headers)
    st = await settlement(env, won.buyer, sid)
    # price 326,400.00 (opening 320,000.00 + 2 × increment max(0.005 × M, 1,000) = 3,200.00); KDV 20 %
    # (the şartname rate, T-05) 65,280.00; damga 1,857.216 → 1,857.22; no tapu harcı for a taşınır.
    assert (st["price"], st["kdv"], st["damga_vergisi"], st["tapu_harci"]) == (
        "326400.00", "65280.00", "1857.22", "0.00")
    await pay(env, won.buyer, sid, st["due_now"], sms_file)
    r = await env.client.post(f"/api/v1/sales/{sid}/tahliye", headers=env.staff.headers, json={"occupied_by": "borclu"})
    assert r.status_code == 409  # a tahliye emri is for a taşınmaz
    r = await env.client.post(f"/api/v1/sales/{sid}/annul", headers=env.manager.headers,
                              json={"reason": "handover_impossible", "note": "Mal yediemin deposunda bulunamadı."})
    assert r.status_code == 200 and r.json()["status"] == "annulled"  # S-22
    await aftersale(env)
    async with runtime.db.session() as db:
        refunds = sorted(str(r.amount) for r in (await db.scalars(select(PaymentRefund))).all())
    # S-22: the price paid in cash (326,400.00 − teminat 64,000.00) and the taxes go back.
    assert refunds == ["262400.00", "67137.22"]


async def test_movable_ready_for_handover(env, manual_clock, runtime, sms_file, no_pdf):
    won, _ = await _final(env, manual_clock, sms_file, kind="tasinir", appraised="640000.00", kdv_rate="0.20")
    sid = won.sale_id
    await env.client.post(f"/api/v1/sales/{sid}/finality", headers=env.staff.headers)
    st = await settlement(env, won.buyer, sid)
    await pay(env, won.buyer, sid, st["due_now"], sms_file)
    r = await env.client.post(f"/api/v1/sales/{sid}/handover", headers=env.staff.headers, json={"mode": "ready"})
    assert r.status_code == 200 and r.json()["status"] == "distributing"
    docs = (await env.client.get(f"/api/v1/sales/{sid}/documents", headers=won.buyer.headers)).json()
    teslim = next(d for d in docs if d["kind"] == "teslim_tutanagi")
    html = (await env.client.get(teslim["html"], headers=won.buyer.headers)).text
    assert "teslime hazır" in html and "134. maddesinin dokuzuncu fıkrası" in html


async def test_payment_reminder_is_sent_once(env, manual_clock, runtime, sms_file, no_pdf):
    won = await win(env, manual_clock)
    manual_clock.set(at(won.sale["payment_due_at"]) - timedelta(days=1, seconds=1))
    await aftersale(env)
    assert await _events(runtime, "payment.reminder") == []
    manual_clock.set(at(won.sale["payment_due_at"]) - timedelta(days=1))
    await aftersale(env)
    await aftersale(env)
    reminders = await _events(runtime, "payment.reminder")
    assert len(reminders) == 1 and reminders[0].data["purpose"] == "price"
    from workers.outbox_relay import OutboxRelay

    await OutboxRelay(runtime).run_once()
    async with runtime.db.session() as db:
        n = (await db.scalars(select(Notification).where(Notification.kind == "payment_reminder"))).one()
    assert n.user_id == won.buyer.user.id and "Süre uzatılamaz" in n.message
