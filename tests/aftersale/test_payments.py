"""Paying the price (S-12): partial payments add up, the Idempotency-Key, what may not be paid, the bank's
signed callback, receipts and the teminat credited (A-56, OP-18) — amounts to the kuruş."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from pydantic import SecretStr
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from auction.deposits.models import Deposit
from auction.events.models import OutboxEvent
from auction.settlement.models import SalePayment
from tests.aftersale.conftest import aftersale, last_code, pay, settlement, sms_lines, win


async def test_partial_payments_add_up_and_the_teminat_is_credited(env, manual_clock, runtime, sms_file, no_pdf):
    won = await win(env, manual_clock)
    sid = won.sale_id
    st = await settlement(env, won.buyer, sid)
    # 1,198,500.00 − 235,000.00 teminat (OP-18) = 963,500.00, each line with its rule.
    assert (st["price"], st["teminat_credited"], st["due_now"]) == ("1198500.00", "235000.00", "963500.00")
    rules = {ln["key"]: ln["rule"] for ln in st["lines"]}
    assert "OP-18" in rules["teminat_credit"] and rules["price"].startswith("A-62")
    assert "T-04" in rules["kdv"] and "T-10" in rules["damga"] and "T-11" in rules["tapu"]
    await pay(env, won.buyer, sid, "0.01", sms_file)
    await pay(env, won.buyer, sid, "963499.98", sms_file)
    st = await settlement(env, won.buyer, sid)
    assert (st["due_now"], st["price_paid"], st["payment_status"]) == ("0.01", "963499.99", "due")
    last = await pay(env, won.buyer, sid, "0.01", sms_file)
    assert last["status"] == "received"
    st = await settlement(env, won.buyer, sid)
    assert (st["due_now"], st["payment_status"], st["phase"]) == ("0.00", "paid", "none")
    async with runtime.db.session() as s:
        deposit = (await s.scalars(select(Deposit).where(Deposit.user_id == won.buyer.user.id))).one()
        assert deposit.status == "applied"
        received = (await s.scalars(select(OutboxEvent).where(OutboxEvent.type == "payment.received"))).all()
    assert len(received) == 1 and received[0].data["paid"] == "963500.00"
    docs = (await env.client.get(f"/api/v1/sales/{sid}/documents", headers=won.buyer.headers)).json()
    assert [d["kind"] for d in docs] == ["payment_receipt"] * 3
    html = (await env.client.get(docs[-1]["html"], headers=won.buyer.headers)).text
    assert "Makine izi" in html and "130. ve 118. maddeleri" in html and "İhale bedeli tamamen ödenmiştir" in html
    # The loser's refund and the buyer's applied teminat are the only teminat movements.
    await aftersale(env)
    # Nothing more may be paid now.
    r = await env.client.post(f"/api/v1/sales/{sid}/payments", headers=won.buyer.headers, json={"amount": "1.00"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "nothing_due")


async def test_what_may_not_be_paid(env, manual_clock, runtime, sms_file):
    won = await win(env, manual_clock)
    sid = won.sale_id
    url = f"/api/v1/sales/{sid}/payments"
    r = await env.client.post(url, headers=won.buyer.headers, json={"amount": "963500.01"})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "amount_exceeds_due")
    assert r.json()["error"]["details"]["due_now"] == "963500.00"
    for bad in ("0", "-5.00", 12.5, "1.234"):
        r = await env.client.post(url, headers=won.buyer.headers, json={"amount": bad})
        assert r.status_code == 422, bad
    r = await env.client.post(url, headers=won.other.headers, json={"amount": "1.00"})
    assert (r.status_code, r.json()["error"]["code"]) == (403, "not_the_buyer")
    assert sms_lines(sms_file) == []  # nothing was sent for refused requests
    # No registered phone, no code, no payment.
    from tests.aftersale.conftest import set_phone

    await set_phone(runtime, won.buyer, None)  # type: ignore[arg-type]
    r = await env.client.post(url, headers=won.buyer.headers, json={"amount": "1.00"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "phone_required")
    async with runtime.db.session() as s:
        assert (await s.scalars(select(SalePayment))).all() == []
    # After the deadline nothing is taken (A-62: no extension).
    await set_phone(runtime, won.buyer, "+905321234567")
    manual_clock.set(_at(won.sale["payment_due_at"]))
    r = await env.client.post(url, headers=won.buyer.headers, json={"amount": "1.00"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "payment_deadline_passed")


def _at(value: str):
    from tests.aftersale.conftest import at

    return at(value)


async def test_idempotency_key_replays_and_refuses_another_body(env, manual_clock, runtime, sms_file):
    won = await win(env, manual_clock)
    url = f"/api/v1/sales/{won.sale_id}/payments"
    headers = {**won.buyer.headers, "Idempotency-Key": "pay-1"}
    first = await env.client.post(url, headers=headers, json={"amount": "1000.00"})
    again = await env.client.post(url, headers=headers, json={"amount": "1000.00"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["payment_id"] == again.json()["payment_id"]
    assert len(sms_lines(sms_file)) == 1  # one code, not two
    other = await env.client.post(url, headers=headers, json={"amount": "2000.00"})
    assert (other.status_code, other.json()["error"]["code"]) == (422, "idempotency_key_reused")


async def test_a_new_payment_replaces_an_unconfirmed_one(env, manual_clock, runtime, sms_file):
    won = await win(env, manual_clock)
    url = f"/api/v1/sales/{won.sale_id}/payments"
    a = (await env.client.post(url, headers=won.buyer.headers, json={"amount": "1000.00"})).json()
    code_a = last_code(sms_file)
    b = (await env.client.post(url, headers=won.buyer.headers, json={"amount": "2000.00"})).json()
    r = await env.client.post(f"/api/v1/payments/{a['payment_id']}/confirm", headers=won.buyer.headers,
                              json={"code": code_a})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "payment_cancelled")
    r = await env.client.post(f"/api/v1/payments/{b['payment_id']}/confirm", headers=won.buyer.headers,
                              json={"code": last_code(sms_file)})
    assert r.json()["status"] == "received" and r.json()["amount"] == "2000.00"
    # The SMS names the amount and the sale as the buyer knows it — its dosya and lot, no internal id.
    text = sms_lines(sms_file)[-1]["text"]
    case = (await env.client.get(f"/api/v1/cases/{won.lot['case_id']}", headers=env.staff.headers)).json()
    assert "2.000,00" in text and "kimseyle paylaşmayın" in text
    assert f"{case['file_no']} dosyası" in text and f"satış {won.sale_id}" not in text, text


async def test_two_confirmed_payments_cannot_overpay(env, manual_clock, runtime, sms_file):
    """Two payments started while 963,500.00 was due, each confirmed later: the second is refused when
    the first already took what it would exceed (the due amount is recomputed after the sale lock)."""
    won = await win(env, manual_clock)
    url = f"/api/v1/sales/{won.sale_id}/payments"
    a = (await env.client.post(url, headers={**won.buyer.headers, "Idempotency-Key": "a"},
                               json={"amount": "900000.00"})).json()
    code_a = last_code(sms_file)
    r = await env.client.post(f"/api/v1/payments/{a['payment_id']}/confirm", headers=won.buyer.headers,
                              json={"code": code_a})
    assert r.status_code == 200
    b = await env.client.post(url, headers=won.buyer.headers, json={"amount": "100000.00"})
    assert (b.status_code, b.json()["error"]["code"]) == (422, "amount_exceeds_due")


SECRET = "whsec_" + "dGVzdHNlY3JldHRlc3RzZWNyZXR0ZXN0c2VjcmV0"


async def _bank_payment(env, runtime, won, sms_file) -> tuple[int, dict]:
    """The whole price paid through the `bank_callback` provider: confirmed with the code, now pending."""
    runtime.settings = runtime.settings.model_copy(update={"payments": "bank_callback",
                                                           "payment_callback_secret": SecretStr(SECRET)})
    r = await env.client.post(f"/api/v1/sales/{won.sale_id}/payments", headers=won.buyer.headers,
                              json={"amount": "963500.00"})
    pid = r.json()["payment_id"]
    r = await env.client.post(f"/api/v1/payments/{pid}/confirm", headers=won.buyer.headers,
                              json={"code": last_code(sms_file)})
    return pid, r.json()


async def _report(env, reference: str, kind: str = "payment.succeeded") -> dict:
    """The bank's signed report (the signature's timestamp tolerance is checked on the real clock)."""
    import auction.clock as c

    body = json.dumps({"type": kind, "data": {"reference": reference, "amount": "963500.00"}}).encode()
    ts = c.SystemClock().now()
    headers = {"webhook-id": f"msg_{ts.timestamp()}", "webhook-timestamp": str(int(ts.timestamp())),
               "content-type": "application/json"}
    headers["webhook-signature"] = Webhook(SECRET).sign(headers["webhook-id"], ts, body.decode())
    resp = await env.client.post("/api/v1/payments/callback", content=body, headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def test_bank_callback_provider(env, manual_clock, runtime, sms_file, no_pdf):
    won = await win(env, manual_clock)
    pid, confirmed = await _bank_payment(env, runtime, won, sms_file)
    assert confirmed["status"] == "pending"
    assert confirmed["payment"]["reference"].startswith("pay_") and "iban" in confirmed["payment"]
    st = await settlement(env, won.buyer, won.sale_id)
    assert (st["in_flight"], st["due_now"]) == ("963500.00", "0.00")  # not payable twice
    # The bank reports after the deadline: the money does not count and goes back.
    manual_clock.set(_at(won.sale["payment_due_at"]) + timedelta(minutes=1))
    assert (await _report(env, confirmed["reference"]))["status"] == "refunding"
    assert (await _report(env, confirmed["reference"]))["duplicate"] is True
    await aftersale(env)  # S-13 default and the refund
    async with runtime.db.session() as s:
        p = await s.get(SalePayment, pid)
        assert p.status == "refunded"


async def test_bank_callback_in_time_completes_the_price(env, manual_clock, runtime, sms_file):
    import auction.clock as c

    manual_clock.set(c.SystemClock().now() - timedelta(days=18))  # the award lands around today
    won = await win(env, manual_clock)
    _, confirmed = await _bank_payment(env, runtime, won, sms_file)
    manual_clock.set(c.SystemClock().now())
    assert await _report(env, confirmed["reference"]) == {"status": "received"}
    st = await settlement(env, won.buyer, won.sale_id)
    assert st["payment_status"] == "paid"
    assert Decimal(st["price_paid"]) == Decimal("963500.00")
