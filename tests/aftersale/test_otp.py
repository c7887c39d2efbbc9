"""The one-time codes (auction/otp): stored only as an HMAC, 5 tries then the payment is cancelled,
expiry, resends, purpose scoping, and every check doing the same work whatever its outcome."""

from __future__ import annotations

import hmac
from datetime import timedelta

import pytest
from sqlalchemy import select

from auction import otp
from auction.otp.models import OneTimeCode
from auction.rules.table import rulebook
from auction.settlement.models import SalePayment
from tests.aftersale.conftest import last_code, sms_lines, win


async def _start(env, won, amount="1000.00"):
    r = await env.client.post(f"/api/v1/sales/{won.sale_id}/payments", headers=won.buyer.headers,
                              json={"amount": amount})
    assert r.status_code == 201, r.text
    return r.json()


async def _confirm(env, won, pid, code):
    return await env.client.post(f"/api/v1/payments/{pid}/confirm", headers=won.buyer.headers, json={"code": code})


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_policy_rows_pin_the_defaults():
    day = rulebook().row("otp.sale_payment.ttl", __import__("datetime").date(2026, 1, 1)).effective_from
    assert day is None  # open towards the past: the product's rule since the start
    from datetime import date

    p = otp.otp_policy("sale_payment", date(2026, 12, 1))
    assert (p.ttl, p.max_attempts, p.length, p.max_sends) == (timedelta(minutes=5), 5, 6, 3)
    assert "S-12" in p.refs
    q = otp.otp_policy("refund_iban", date(2026, 12, 1))  # issue 17 reuses the package
    assert (q.ttl, q.max_attempts) == (timedelta(minutes=10), 5)


async def test_five_wrong_tries_cancel_the_payment(env, manual_clock, runtime, sms_file):
    won = await win(env, manual_clock)
    payment = await _start(env, won)
    code = last_code(sms_file)
    for remaining in (4, 3, 2, 1):
        r = await _confirm(env, won, payment["payment_id"], _wrong(code))
        assert (r.status_code, r.json()["error"]["code"]) == (422, "code_invalid")
        assert r.json()["error"]["details"]["remaining_attempts"] == remaining  # each try committed
    r = await _confirm(env, won, payment["payment_id"], _wrong(code))
    assert (r.status_code, r.json()["error"]["code"]) == (422, "code_exhausted")
    # The right code now comes too late: the payment is cancelled and no money moved.
    r = await _confirm(env, won, payment["payment_id"], code)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "payment_cancelled")
    async with runtime.db.session() as s:
        p = await s.get(SalePayment, payment["payment_id"])
        row = (await s.scalars(select(OneTimeCode))).one()
    assert (p.status, p.cancel_reason, p.received_at) == ("cancelled", "code_exhausted", None)
    assert (row.status, row.attempts) == ("exhausted", 5)
    # The code is never stored: only its HMAC, bound to the row, purpose and subject.
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert row.code_hash == otp.service._mac(runtime.settings.resolved_secret_key(), row.id, "sale_payment",
                                             payment["payment_id"], code)


async def test_expired_code_and_resend(env, manual_clock, runtime, sms_file):
    won = await win(env, manual_clock)
    payment = await _start(env, won)
    old = last_code(sms_file)
    manual_clock.advance(minutes=5)  # ttl 5 minutes: at the expiry instant the code no longer works
    r = await _confirm(env, won, payment["payment_id"], old)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "code_expired")
    r = await env.client.post(f"/api/v1/payments/{payment['payment_id']}/resend", headers=won.buyer.headers)
    assert r.status_code == 200 and r.json()["code_sent_to"] == "+90 5•• ••• •• 67"
    new = last_code(sms_file)
    if new != old:
        r = await _confirm(env, won, payment["payment_id"], old)
        assert r.json()["error"]["code"] in ("code_invalid",)
    r = await _confirm(env, won, payment["payment_id"], new)
    assert r.status_code == 200 and r.json()["status"] == "received"


async def test_resends_are_limited(env, manual_clock, runtime, sms_file):
    won = await win(env, manual_clock)
    payment = await _start(env, won)
    for _ in range(2):
        r = await env.client.post(f"/api/v1/payments/{payment['payment_id']}/resend", headers=won.buyer.headers)
        assert r.status_code == 200
    r = await env.client.post(f"/api/v1/payments/{payment['payment_id']}/resend", headers=won.buyer.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "too_many_codes")
    assert len(sms_lines(sms_file)) == 3


async def test_a_code_confirms_only_its_own_payment(env, manual_clock, runtime, sms_file):
    won = await win(env, manual_clock)
    a = await _start(env, won, "1000.00")
    code_a = last_code(sms_file)
    async with runtime.db.session() as s:
        # A second payment of another buyer's sale cannot be reached at all (404), and a code is bound to
        # its subject: checking payment A's code against another subject id fails.
        result = await otp.check(s, secret=runtime.settings.resolved_secret_key(), purpose="sale_payment",
                                 subject_id=a["payment_id"] + 1000, code=code_a, now=manual_clock.now())
    assert result.outcome == otp.CheckOutcome.missing
    r = await env.client.post(f"/api/v1/payments/{a['payment_id']}/confirm", headers=won.other.headers,
                              json={"code": code_a})
    assert (r.status_code, r.json()["error"]["code"]) == (404, "payment_not_found")


@pytest.mark.parametrize("outcome", ["right", "wrong", "expired", "used", "exhausted"])
async def test_every_check_does_the_same_work(env, manual_clock, runtime, sms_file, monkeypatch, outcome):
    """No timing oracle: whatever the outcome, one HMAC of the candidate and one constant-time comparison
    against a 64-hex-digit value (never an early return that skips them)."""
    won = await win(env, manual_clock)
    payment = await _start(env, won)
    code = last_code(sms_file)
    secret = runtime.settings.resolved_secret_key()
    async with runtime.db.session() as s:
        if outcome == "expired":
            manual_clock.advance(minutes=6)
        if outcome == "used":
            await otp.check(s, secret=secret, purpose="sale_payment", subject_id=payment["payment_id"], code=code,
                            now=manual_clock.now())
        if outcome == "exhausted":
            for _ in range(5):
                await otp.check(s, secret=secret, purpose="sale_payment", subject_id=payment["payment_id"],
                                code=_wrong(code), now=manual_clock.now())
    calls: list[tuple[int, int]] = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(otp.service.hmac, "compare_digest", spy)
    async with runtime.db.session() as s:
        result = await otp.check(s, secret=secret, purpose="sale_payment", subject_id=payment["payment_id"],
                                 code=code if outcome != "wrong" else _wrong(code), now=manual_clock.now())
    assert calls == [(64, 64)]
    expected = {"right": "verified", "wrong": "invalid", "expired": "expired", "used": "used",
                "exhausted": "exhausted"}[outcome]
    assert result.outcome.value == expected
