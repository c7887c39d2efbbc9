"""Real races on PostgreSQL (READ COMMITTED, separate connections, both sides released from a barrier):

- two confirmations of one payment with the right code: the money is taken once;
- two payments whose sum exceeds what is due, confirmed at once: one is received, the other cancelled
  before any money moves (the due amount is recomputed under the sale row's lock);
- one signed bank report delivered several times at once: received once, no refund, every delivery 200.
Each test shows that both sides reached the decisive write (the barrier was passed by both)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from auction import otp
from auction.errors import DomainError
from auction.events.models import OutboxEvent
from auction.runtime import Runtime
from auction.settlement.models import SalePayment
from auction.users import service as users
from tests.aftersale.conftest import last_code, settlement, win

pytestmark = [pytest.mark.postgres]


async def _race_runtime(settings: Any, runtime: Any) -> Runtime:
    race = Runtime.from_settings(settings.model_copy(update={"rate_limits": "off", "db_pool_size": 6,
                                                             "sms": runtime.settings.sms}))
    await race.start()
    return race


def _barrier_before_check(monkeypatch: pytest.MonkeyPatch, parties: int, reached: list[int]) -> None:
    barrier = asyncio.Barrier(parties)
    real = otp.check

    async def gated(*args: Any, **kwargs: Any) -> Any:
        reached.append(kwargs["subject_id"])
        await barrier.wait()  # both confirmations have passed their own checks; now they race
        return await real(*args, **kwargs)

    monkeypatch.setattr(otp, "check", gated)


async def test_two_confirmations_of_one_payment_take_the_money_once(env, manual_clock, runtime, settings, sms_file,
                                                                    monkeypatch):
    won = await win(env, manual_clock)
    r = await env.client.post(f"/api/v1/sales/{won.sale_id}/payments", headers=won.buyer.headers,
                              json={"amount": "963500.00"})
    pid = r.json()["payment_id"]
    code = last_code(sms_file)
    race = await _race_runtime(settings, runtime)
    reached: list[int] = []
    _barrier_before_check(monkeypatch, 2, reached)
    principal = users.principal_for(won.buyer.user, via="token")
    from auction.aftersale import payments

    async def confirm() -> str:
        try:
            async with race.db.session() as s:
                result = await payments.confirm(s, race, principal, pid, code)
            return result.error.code if result.error else result.payment.status
        except DomainError as exc:
            return exc.code

    try:
        outcomes = await asyncio.gather(confirm(), confirm())
    finally:
        await race.stop()
    print(f"\ntwo confirmations of one payment: {outcomes}")
    assert reached == [pid, pid]  # both sides ran up to the race
    assert sorted(outcomes) == ["code_used", "received"]
    async with runtime.db.session() as s:
        received = (await s.scalars(select(SalePayment).where(SalePayment.status == "received"))).all()
        events = (await s.scalars(select(OutboxEvent).where(OutboxEvent.type == "payment.received"))).all()
    assert [str(p.amount) for p in received] == ["963500.00"]
    assert len(events) == 1
    st = await settlement(env, won.buyer, won.sale_id)
    assert (st["price_paid"], st["payment_status"]) == ("963500.00", "paid")


async def test_two_payments_exceeding_the_due_amount_cannot_both_be_taken(env, manual_clock, runtime, settings,
                                                                          sms_file, monkeypatch):
    won = await win(env, manual_clock)
    url = f"/api/v1/sales/{won.sale_id}/payments"
    # Two payments awaiting their codes whose sum (1,200,000.00) exceeds what is due (963,500.00). Starting a
    # payment cancels the buyer's unconfirmed ones, so A is parked as `pending` while B is started, then put
    # back, and B raised to 600,000.00 (each alone is within what is due).
    a = (await env.client.post(url, headers={**won.buyer.headers, "Idempotency-Key": "a"},
                               json={"amount": "600000.00"})).json()
    code_a = last_code(sms_file)
    from sqlalchemy import update

    async with runtime.db.session() as s:  # keep A awaiting its code while B is started
        await s.execute(update(SalePayment).where(SalePayment.id == a["payment_id"]).values(status="pending"))
    b = (await env.client.post(url, headers={**won.buyer.headers, "Idempotency-Key": "b"},
                               json={"amount": "363500.00"})).json()
    code_b = last_code(sms_file)
    async with runtime.db.session() as s:
        await s.execute(update(SalePayment).where(SalePayment.id == a["payment_id"]).values(status="awaiting_code"))
        await s.execute(update(SalePayment).where(SalePayment.id == b["payment_id"])
                        .values(amount=Decimal("600000.00")))
    race = await _race_runtime(settings, runtime)
    reached: list[int] = []
    _barrier_before_check(monkeypatch, 2, reached)
    principal = users.principal_for(won.buyer.user, via="token")
    from auction.aftersale import payments

    async def confirm(pid: int, code: str) -> str:
        async with race.db.session() as s:
            result = await payments.confirm(s, race, principal, pid, code)
        return result.error.code if result.error else result.payment.status

    try:
        outcomes = await asyncio.gather(confirm(a["payment_id"], code_a), confirm(b["payment_id"], code_b))
    finally:
        await race.stop()
    print(f"\ntwo payments of 600,000.00 against 963,500.00 due: {outcomes}")
    assert sorted(reached) == sorted([a["payment_id"], b["payment_id"]])
    assert sorted(outcomes) == ["amount_exceeds_due", "received"]
    async with runtime.db.session() as s:
        rows = {p.status: p for p in (await s.scalars(select(SalePayment))).all()}
    assert set(rows) == {"received", "cancelled"} and rows["cancelled"].cancel_reason == "exceeds_due"
    st = await settlement(env, won.buyer, won.sale_id)
    assert st["due_now"] == "363500.00"


async def test_one_bank_callback_delivered_many_times_at_once_confirms_once(env, manual_clock, runtime, sms_file):
    """The same signed bank report delivered several times at the same moment (separate requests, separate
    connections): the payment is received once, with one `payment.received` event and one audit entry, and
    every delivery is answered 200 (the bank's retries are idempotent)."""
    import json

    from standardwebhooks.webhooks import Webhook

    import auction.clock as c
    from auction.audit.models import AuditEntry
    from tests.aftersale.test_payments import SECRET, _bank_payment

    manual_clock.set(c.SystemClock().now() - timedelta(days=18))  # the award lands around today
    won = await win(env, manual_clock)
    pid, confirmed = await _bank_payment(env, runtime, won, sms_file)
    manual_clock.set(c.SystemClock().now())
    body = json.dumps({"type": "payment.succeeded",
                       "data": {"reference": confirmed["reference"], "amount": "963500.00"}}).encode()
    ts = c.SystemClock().now()
    headers = {"webhook-id": "msg_race_1", "webhook-timestamp": str(int(ts.timestamp())),
               "content-type": "application/json"}
    headers["webhook-signature"] = Webhook(SECRET).sign(headers["webhook-id"], ts, body.decode())
    async with runtime.db.session() as s:
        audits_before = len((await s.scalars(select(AuditEntry).order_by(AuditEntry.id))).all())

    async def deliver() -> tuple[int, dict[str, Any]]:
        r = await env.client.post("/api/v1/payments/callback", content=body, headers=headers)
        return r.status_code, r.json()

    answers = await asyncio.gather(*(deliver() for _ in range(DELIVERIES)))
    print(f"\n{DELIVERIES} deliveries of one bank report: {answers}")
    assert [code for code, _ in answers] == [200] * DELIVERIES
    assert [a["status"] for _, a in answers] == ["received"] * DELIVERIES
    assert sum(1 for _, a in answers if not a.get("duplicate")) == 1
    async with runtime.db.session() as s:
        received = (await s.scalars(select(SalePayment).where(SalePayment.status == "received"))).all()
        events = (await s.scalars(select(OutboxEvent).where(OutboxEvent.type == "payment.received"))).all()
        audits = (await s.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()[audits_before:]
    assert [p.id for p in received] == [pid]
    assert not [a for a in audits if a.action.startswith("refund")]  # a late duplicate must not refund it
    assert len(events) == 1
    print(f"audit entries written by the deliveries: {[a.action for a in audits]}")
    assert sum(1 for a in audits if a.action == "payment.received") == 1
    st = await settlement(env, won.buyer, won.sale_id)
    assert (st["price_paid"], st["payment_status"]) == ("963500.00", "paid")


DELIVERIES = 6
