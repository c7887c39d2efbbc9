"""Refunds of the buyer's payments (not the teminat, which goes through auction.deposits): part payments
of a defaulter (OP-22), the price (and taxes) on annulment, the nema with the price (A-83), a payment the
bank reports after the deadline. Each instruction is created once (`key`), due within 3 working days
(TM-22), and executed by the aftersale worker through the payment provider, retried with backoff."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auction.audit import service as audit
from auction.clock import iso_ms
from auction.dbutil import claim, insert_ignore
from auction.deposits.refunds import refund_due_by
from auction.events import service as events
from auction.money import ZERO, fmt
from auction.sales.models import Sale
from auction.settlement.models import PaymentRefund, PaymentState, RefundKind, SalePayment
from auction.settlement.providers import provider_named
from auction.users.models import User

log = structlog.get_logger(__name__)


async def refund_payment(session: AsyncSession, sale: Sale, payment: SalePayment, *, reason: str,
                         now: datetime) -> bool:
    """Order the refund of a received payment (conditional: received → refunding, once)."""
    taken = (await session.execute(
        update(SalePayment).where(SalePayment.id == payment.id, SalePayment.status == PaymentState.received.value)
        .values(status=PaymentState.refunding.value, updated_at=now).returning(SalePayment.id)
        .execution_options(synchronize_session=False))).first()
    if taken is None:
        return False
    await _order(session, sale, key=f"{reason}:payment:{payment.id}", user_id=payment.user_id, payment_id=payment.id,
                 kind=RefundKind.payment, reason=reason, amount=payment.amount, now=now)
    return True


async def refund_nema(session: AsyncSession, sale: Sale, user_id: int, amount: Decimal, *, reason: str,
                      now: datetime) -> bool:
    if amount <= ZERO:
        return False
    await _order(session, sale, key=f"{reason}:nema:{sale.id}", user_id=user_id, payment_id=None,
                 kind=RefundKind.nema, reason=reason, amount=amount, now=now)
    return True


async def _order(session: AsyncSession, sale: Sale, *, key: str, user_id: int, payment_id: int | None,
                 kind: RefundKind, reason: str, amount: Decimal, now: datetime) -> None:
    new_id = await insert_ignore(session, PaymentRefund, {
        "key": key, "sale_id": sale.id, "user_id": user_id, "payment_id": payment_id, "kind": kind.value,
        "reason": reason[:24], "amount": amount, "status": "due", "due_by": refund_due_by(now), "next_attempt_at": now,
        "attempts": 0, "created_at": now, "updated_at": now}, ["key"])
    if new_id is not None:
        audit.record(session, "payment.refund_ordered", "sale", sale.id, office_id=sale.office_id, data={
            "refund_id": new_id, "payment_id": payment_id, "kind": kind.value, "reason": reason, "amount": fmt(amount)})


async def refunds_of(session: AsyncSession, sale_id: int) -> list[PaymentRefund]:
    stmt = select(PaymentRefund).where(PaymentRefund.sale_id == sale_id).order_by(PaymentRefund.id)
    return list((await session.scalars(stmt)).all())


async def claim_due(session: AsyncSession, now: datetime) -> int | None:
    stmt = (select(PaymentRefund.id).where(PaymentRefund.status.in_(["due", "failed"]),
                                           PaymentRefund.next_attempt_at <= now)
            .order_by(PaymentRefund.next_attempt_at).limit(1))
    return (await session.execute(claim(session, stmt))).scalar()


async def execute(session: AsyncSession, refund_id: int, now: datetime) -> bool:
    """Send one due refund through the provider of the payment (the configured one for nema) and mark
    it done; a provider error is recorded and retried with backoff."""
    refund = await session.get(PaymentRefund, refund_id)
    if refund is None or refund.status not in ("due", "failed"):
        return False
    payment = await session.get(SalePayment, refund.payment_id) if refund.payment_id is not None else None
    user = await session.get(User, refund.user_id)
    provider = provider_named(payment.provider if payment is not None else "simulated")
    try:
        ref = await provider.refund(refund, user.iban if user else None)
    except Exception as exc:  # a provider outage must not stop the worker: retry later
        refund.attempts += 1
        refund.status = "failed"
        refund.last_error = str(exc)[:300]
        refund.next_attempt_at = now + timedelta(seconds=min(3600, 2 ** min(refund.attempts, 12)))
        log.warning("payment_refund_failed", refund_id=refund.id, error=str(exc))
        return False
    done = (await session.execute(
        update(PaymentRefund).where(PaymentRefund.id == refund.id, PaymentRefund.status.in_(["due", "failed"]))
        .values(status="done", executed_at=now, provider_ref=ref, attempts=PaymentRefund.attempts + 1,
                iban=user.iban if user else None, updated_at=now)
        .returning(PaymentRefund.id).execution_options(synchronize_session=False))).first()
    if done is None:
        return False
    if payment is not None:
        await session.execute(update(SalePayment).where(SalePayment.id == payment.id,
                                                        SalePayment.status == PaymentState.refunding.value)
                              .values(status=PaymentState.refunded.value, updated_at=now)
                              .execution_options(synchronize_session=False))
    sale = await session.get(Sale, refund.sale_id)
    assert sale is not None
    audit.record(session, "payment.refunded", "sale", sale.id, office_id=sale.office_id, data={
        "refund_id": refund.id, "payment_id": refund.payment_id, "amount": fmt(refund.amount), "kind": refund.kind,
        "reason": refund.reason, "provider_ref": ref})
    events.emit(session, "payment.refunded", {
        "sale_id": sale.id, "lot_id": sale.lot_id, "user_id": refund.user_id, "refund_id": refund.id,
        "payment_id": refund.payment_id, "kind": refund.kind, "reason": refund.reason, "amount": fmt(refund.amount),
        "refunded_at": iso_ms(now), "provider_ref": ref}, subject_type="sale", subject_id=sale.id,
        office_id=sale.office_id)
    return True
