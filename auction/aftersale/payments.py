"""Paying the price (S-12) and the taxes (S-19) after the award, confirmed with a one-time SMS code.

    POST /sales/{id}/payments {"amount"} + Idempotency-Key → a payment `awaiting_code`; a code goes by SMS
         to the buyer's registered phone (auction.otp, purpose `sale_payment`), naming the amount and sale.
    POST /payments/{id}/confirm {"code"} → the code is checked (5 tries, then the payment is cancelled);
         the provider collects the money: `simulated` at once (`received`), `bank_callback` when the bank's
         signed report arrives (`pending` → `received`).

A payment is received under the sale row's lock (`state.lock_if`: awarded, payment due, before the
deadline — or final for the taxes), and what is still due is recomputed after taking it, so two payments,
two confirmations of one payment, and the default timer (S-13) never overlap: the price is paid once,
and a payment that would exceed what is due is cancelled before any money moves. When the price is
complete the sale is `paid` (S-12: `payment.received`); when the taxes are complete it moves to
`handover` (S-19). While an ihalenin feshi complaint is pending the price goes to a nema account (A-83).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock, otp
from auction.aftersale import documents, handover
from auction.aftersale import refunds as payment_refunds
from auction.audit import service as audit
from auction.bankcallback import BankReport
from auction.bankcallback.errors import CallbackInvalid
from auction.cases.models import Case
from auction.clock import iso_ms
from auction.deposits import buyer as buyer_teminat
from auction.errors import DomainError
from auction.events import service as events
from auction.lots.models import Lot
from auction.money import ZERO, amount_in_words_tr, fmt, fmt_tr
from auction.otp.errors import CodeExhausted, CodeExpired, CodeInvalid, CodeUsed
from auction.runtime import Runtime
from auction.sales import reads as sales
from auction.sales import state
from auction.sales.models import FesihStatus, Sale
from auction.settlement.errors import (
    AmountExceedsDue,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
    NothingDue,
    NotTheBuyer,
    PaymentAlreadyConfirmed,
    PaymentCancelled,
    PaymentDeadlinePassed,
    PaymentNotFound,
)
from auction.settlement.models import PaymentState, SalePayment
from auction.settlement.providers import provider_for
from auction.settlement.statement import Statement, statement_for
from auction.users.models import Office, User
from auction.users.principal import Principal

OTP_PURPOSE = "sale_payment"
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
PURPOSE_TEXT = {"price": "ihale bedeli", "taxes": "KDV ve damga vergisi"}
PURPOSE_TITLE = {"price": "İhale bedeli", "taxes": "KDV ve damga vergisi"}  # str.capitalize() is not Turkish
# The guard each purpose is received under (the sale row's lock, auction/sales/state.py).
_GUARD = {"price": "payment_received", "taxes": "taxes_paid"}


def _reference() -> str:
    return f"pay_{uuid.uuid4().hex[:24]}"


async def buyer_sale(session: AsyncSession, actor: Principal, sale_id: int) -> Sale:
    sale = await sales.get_sale(session, sale_id)
    if sale.winner_user_id is None or sale.winner_user_id != actor.user_id:
        raise NotTheBuyer(details={"sale_id": sale_id})
    return sale


def _due_of(st: Statement, purpose: str) -> Decimal:
    return max(ZERO, (st.price_due if purpose == "price" else st.taxes_due) - st.in_flight)


async def _sale_words(session: AsyncSession, sale: Sale) -> str:
    """How a person knows the sale: its dosya and lot (never an internal id, issue 17)."""
    row = (await session.execute(select(Case.file_no, Lot.title).join(Lot, Lot.case_id == Case.id)
                                 .where(Lot.id == sale.lot_id))).first()
    if row is None:
        return f"satış {sale.id}"
    file_no, title = row
    title = title if len(title) <= 32 else title[:31].rstrip() + "…"  # an SMS is short
    return f"{file_no} dosyası, «{title}»"


def _sms_text(sale_words: str, purpose: str, amount: Decimal) -> Any:
    def text(code: str, policy: otp.OtpPolicy) -> str:
        minutes = int(policy.ttl.total_seconds() // 60)
        return (f"e-Satış: {code} kodu, {sale_words} için {fmt_tr(amount)} {PURPOSE_TEXT[purpose]} ödemenizi "
                f"onaylar. {minutes} dakika geçerlidir. Bu kodu kimseyle paylaşmayın; daire sizi arayıp kod "
                "istemez.")
    return text


async def start(session: AsyncSession, runtime: Runtime, actor: Principal, sale_id: int, amount: Decimal,
                idempotency_key: str | None) -> tuple[SalePayment, bool]:
    """A payment of `amount` towards what is due now (partial payments add up). Returns (payment, created);
    the same Idempotency-Key with the same body returns the first payment and sends no second code."""
    if idempotency_key is not None and not _KEY.match(idempotency_key):
        raise IdempotencyKeyInvalid()
    if idempotency_key is not None:
        existing = (await session.scalars(select(SalePayment).where(
            SalePayment.user_id == actor.user_id, SalePayment.idempotency_key == idempotency_key))).first()
        if existing is not None:
            if existing.sale_id != sale_id or existing.amount != amount:
                raise IdempotencyKeyReused(details={"key": idempotency_key})
            return existing, False
    await runtime.limiter.hit("payment", actor.user_id)
    sale = await buyer_sale(session, actor, sale_id)
    now = clock.now()
    st = await statement_for(session, sale, runtime.policy)
    if st is None or st.phase == "none":
        raise NothingDue(details={"status": sale.status, "payment_status": sale.payment_status})
    purpose: Literal["price", "taxes"] = st.phase
    if purpose == "price" and st.deadline is not None and now >= st.deadline:
        raise PaymentDeadlinePassed(details={"deadline": iso_ms(st.deadline)})
    due = _due_of(st, purpose)
    if due <= ZERO:
        raise NothingDue(details={"in_flight": fmt(st.in_flight)})
    if amount > due:
        raise AmountExceedsDue(details={"due_now": fmt(due), "amount": fmt(amount)})
    user = await session.get(User, actor.user_id)
    assert user is not None
    # A new payment replaces the buyer's unconfirmed ones (their codes stop working with them).
    await session.execute(
        update(SalePayment).where(SalePayment.sale_id == sale.id, SalePayment.user_id == actor.user_id,
                                  SalePayment.status == PaymentState.awaiting_code.value)
        .values(status=PaymentState.cancelled.value, cancelled_at=now, cancel_reason="superseded", updated_at=now)
        .execution_options(synchronize_session=False))
    provider = provider_for(runtime.settings)
    payment = SalePayment(sale_id=sale.id, office_id=sale.office_id, user_id=actor.user_id, purpose=purpose,
                          amount=amount, status=PaymentState.awaiting_code.value, provider=provider.name,
                          reference=_reference(), idempotency_key=idempotency_key, payment={}, nema=False,
                          created_at=now, updated_at=now)
    session.add(payment)
    await session.flush()
    code = await otp.issue(session, secret=runtime.settings.resolved_secret_key(), sms_setting=runtime.settings.sms,
                           purpose=OTP_PURPOSE, subject_id=payment.id, user_id=actor.user_id, phone=user.phone,
                           text=_sms_text(await _sale_words(session, sale), purpose, amount), now=now)
    payment.payment = {"code_sent_to": code.phone_hint, "code_expires_at": iso_ms(code.expires_at)}
    audit.record(session, "payment.started", "sale", sale.id, actor=actor, office_id=sale.office_id, data={
        "payment_id": payment.id, "purpose": purpose, "amount": fmt(amount), "due_now": fmt(due),
        "reference": payment.reference, "provider": provider.name, "code_id": code.id})
    return payment, True


async def resend(session: AsyncSession, runtime: Runtime, actor: Principal, payment_id: int) -> SalePayment:
    """A new code for a payment still awaiting one (the earlier code stops working; max_sends per payment)."""
    await runtime.limiter.hit("payment", actor.user_id)
    payment = await _own_payment(session, actor, payment_id)
    _ensure_awaiting(payment)
    sale = await sales.get_sale(session, payment.sale_id)
    user = await session.get(User, actor.user_id)
    assert user is not None
    now = clock.now()
    code = await otp.issue(session, secret=runtime.settings.resolved_secret_key(), sms_setting=runtime.settings.sms,
                           purpose=OTP_PURPOSE, subject_id=payment.id, user_id=actor.user_id, phone=user.phone,
                           text=_sms_text(await _sale_words(session, sale), payment.purpose,
                                          payment.amount), now=now)
    payment.payment = {**payment.payment, "code_sent_to": code.phone_hint, "code_expires_at": iso_ms(code.expires_at)}
    payment.updated_at = now
    audit.record(session, "payment.code_resent", "sale", sale.id, actor=actor, office_id=sale.office_id,
                 data={"payment_id": payment.id, "code_id": code.id})
    return payment


async def _own_payment(session: AsyncSession, actor: Principal, payment_id: int) -> SalePayment:
    payment = await session.get(SalePayment, payment_id, populate_existing=True)
    if payment is None or payment.user_id != actor.user_id:
        raise PaymentNotFound(details={"payment_id": payment_id})
    return payment


async def sale_of_payment(session: AsyncSession, actor: Principal, payment_id: int) -> int | None:
    """The sale a payment of the actor belongs to (None when it is not his: the page then says nothing)."""
    payment = await session.get(SalePayment, payment_id)
    return payment.sale_id if payment is not None and payment.user_id == actor.user_id else None


def _ensure_awaiting(payment: SalePayment) -> None:
    if payment.status == PaymentState.cancelled:
        raise PaymentCancelled(details={"reason": payment.cancel_reason})
    if payment.status != PaymentState.awaiting_code:
        raise PaymentAlreadyConfirmed(details={"status": payment.status})


@dataclass(frozen=True)
class ConfirmResult:
    payment: SalePayment
    # A refusal the caller must answer AFTER committing (a counted wrong try, a cancelled payment): it is
    # returned, never raised, because raising would roll the count back and make brute force free.
    error: DomainError | None = None


async def _cancel(session: AsyncSession, payment: SalePayment, reason: str, now: datetime) -> None:
    await session.execute(
        update(SalePayment).where(SalePayment.id == payment.id,
                                  SalePayment.status == PaymentState.awaiting_code.value)
        .values(status=PaymentState.cancelled.value, cancelled_at=now, cancel_reason=reason, updated_at=now)
        .execution_options(synchronize_session=False))
    await session.refresh(payment)
    audit.record(session, "payment.cancelled", "sale", payment.sale_id, office_id=payment.office_id,
                 data={"payment_id": payment.id, "reason": reason})


async def confirm(session: AsyncSession, runtime: Runtime, actor: Principal, payment_id: int,
                  code: str) -> ConfirmResult:
    """`POST /payments/{id}/confirm`: check the code, then collect the payment (see the module docstring)."""
    payment = await _own_payment(session, actor, payment_id)
    _ensure_awaiting(payment)
    await runtime.limiter.hit("otp", actor.user_id)
    now = clock.now()
    result = await otp.check(session, secret=runtime.settings.resolved_secret_key(), purpose=OTP_PURPOSE,
                             subject_id=payment.id, code=code, now=now)
    audit.record(session, "payment.code_checked", "sale", payment.sale_id, actor=actor, office_id=payment.office_id,
                 data={"payment_id": payment.id, "outcome": result.outcome.value, "code_id": result.code_id})
    if result.outcome == otp.CheckOutcome.invalid:
        return ConfirmResult(payment, CodeInvalid(details={"remaining_attempts": result.remaining}))
    if result.outcome == otp.CheckOutcome.exhausted:
        await _cancel(session, payment, "code_exhausted", now)
        return ConfirmResult(payment, CodeExhausted())
    if result.outcome == otp.CheckOutcome.used:
        return ConfirmResult(payment, CodeUsed())
    if result.outcome != otp.CheckOutcome.verified:
        return ConfirmResult(payment, CodeExpired())
    payment.code_confirmed_at = now
    sale = await sales.get_sale(session, payment.sale_id)
    # The sale row's lock first, then what is due: see the module docstring.
    if not await state.lock_if(session, sale.id, _GUARD[payment.purpose], now=now):
        await session.refresh(sale)
        await _cancel(session, payment, "not_due", now)
        if payment.purpose == "price" and sale.payment_due_at is not None and now >= sale.payment_due_at:
            return ConfirmResult(payment, PaymentDeadlinePassed(details={"deadline": iso_ms(sale.payment_due_at)}))
        return ConfirmResult(payment, NothingDue(details={"status": sale.status}))
    await session.refresh(sale)
    st = await statement_for(session, sale, runtime.policy)
    due = _due_of(st, payment.purpose) if st is not None else ZERO
    if payment.amount > due:
        await _cancel(session, payment, "exceeds_due", now)
        return ConfirmResult(payment, AmountExceedsDue(details={"due_now": fmt(due), "amount": fmt(payment.amount)}))
    office = await session.get(Office, sale.office_id)
    assert office is not None
    charge = await provider_for(runtime.settings).charge(payment, office)
    payment.payment = {**payment.payment, **charge.data}
    if charge.received:
        await receive(session, runtime, sale, payment, now)
    else:
        await session.execute(
            update(SalePayment).where(SalePayment.id == payment.id,
                                      SalePayment.status == PaymentState.awaiting_code.value)
            .values(status=PaymentState.pending.value, code_confirmed_at=now, payment=payment.payment,
                    updated_at=now).execution_options(synchronize_session=False))
        audit.record(session, "payment.pending", "sale", sale.id, actor=actor, office_id=sale.office_id,
                     data={"payment_id": payment.id, "reference": payment.reference})
    await session.refresh(payment)
    return ConfirmResult(payment)


async def receive(session: AsyncSession, runtime: Runtime, sale: Sale, payment: SalePayment, now: datetime) -> bool:
    """The money is in the office's account (the caller holds the sale row's lock): record it, issue the
    receipt, and complete the price (S-12) or the taxes (S-19) when nothing more is due."""
    nema = payment.purpose == "price" and sale.fesih_status == FesihStatus.pending
    done = (await session.execute(
        update(SalePayment).where(SalePayment.id == payment.id,
                                  SalePayment.status.in_([PaymentState.awaiting_code.value,
                                                          PaymentState.pending.value]))
        .values(status=PaymentState.received.value, received_at=now, nema=nema, payment=payment.payment,
                code_confirmed_at=payment.code_confirmed_at or now, updated_at=now)
        .returning(SalePayment.id).execution_options(synchronize_session=False))).first()
    if done is None:
        return False
    await session.refresh(payment)
    audit.record(session, "payment.received", "sale", sale.id, office_id=sale.office_id, data={
        "payment_id": payment.id, "purpose": payment.purpose, "amount": fmt(payment.amount),
        "reference": payment.reference, "nema": nema, "rule": "S-12" if payment.purpose == "price" else "S-19"})
    st = await statement_for(session, sale, runtime.policy)
    assert st is not None
    await _receipt(session, sale, payment, st, now)
    if payment.purpose == "price" and st.price_due <= ZERO:
        await state.apply(session, sale.id, "payment_received", now=now, values={"paid_at": now})  # S-12
        await buyer_teminat.apply_to_price(session, sale.id, payment.user_id, now)
        await session.refresh(sale)
        audit.record(session, "sale.paid", "sale", sale.id, office_id=sale.office_id, data={
            "price": fmt(st.price), "teminat_credited": fmt(st.teminat_credited), "paid": fmt(st.price_paid),
            "mahsup": fmt(st.mahsup.net_payout) if st.mahsup else None, "nema": sale.fesih_status == "pending"})
        events.emit(session, "payment.received", {
            "sale_id": sale.id, "lot_id": sale.lot_id, "buyer_user_id": sale.winner_user_id, "purpose": "price",
            "price": fmt(st.price), "teminat_credited": fmt(st.teminat_credited), "paid": fmt(st.price_paid),
            "mahsup": fmt(st.mahsup.net_payout) if st.mahsup else None, "received_at": iso_ms(now),
            "held_with_nema": sale.fesih_status == FesihStatus.pending}, subject_type="sale", subject_id=sale.id,
            office_id=sale.office_id)
    elif payment.purpose == "taxes" and st.taxes_due <= ZERO:
        await state.apply(session, sale.id, "taxes_paid", now=now, values={"taxes_paid_at": now})  # S-19
        await session.refresh(sale)
        events.emit(session, "payment.received", {
            "sale_id": sale.id, "lot_id": sale.lot_id, "buyer_user_id": sale.winner_user_id, "purpose": "taxes",
            "kdv": fmt(st.settlement.kdv), "damga_vergisi": fmt(st.settlement.damga_vergisi),
            "paid": fmt(st.taxes_paid), "received_at": iso_ms(now)}, subject_type="sale", subject_id=sale.id,
            office_id=sale.office_id)
        await handover.start(session, runtime, sale, now)
    return True


async def _receipt(session: AsyncSession, sale: Sale, payment: SalePayment, st: Statement, now: datetime) -> None:
    code = await otp.service.current(session, OTP_PURPOSE, payment.id)
    data = await documents.base_data(session, sale, "payment_receipt", now)
    remaining = st.price_due if payment.purpose == "price" else st.taxes_due
    data.update({
        "payment": {"reference": payment.reference, "purpose_text": PURPOSE_TITLE[payment.purpose],
                    "amount": fmt_tr(payment.amount), "amount_words": amount_in_words_tr(payment.amount),
                    "received_at": documents.local(now), "confirmed_at": documents.local(payment.code_confirmed_at),
                    "phone_hint": code.phone_hint if code else "—", "nema": payment.nema},
        "lines": [{"label": ln.label, "amount": fmt_tr(ln.amount)} for ln in st.lines],
        "summary": (f"Bu ödemeyle {PURPOSE_TEXT[payment.purpose]} için kalan tutar: {fmt_tr(remaining)}."
                    if remaining > ZERO else f"{PURPOSE_TITLE[payment.purpose]} tamamen ödenmiştir."),
    })
    data["trail"]["rules"] = ["S-12" if payment.purpose == "price" else "S-19", "A-62", "A-56", "T-01", "T-10"]
    data["trail"]["rows"] = sorted({ln.rule for ln in st.lines})
    data["trail"]["records"].update({"payment_id": payment.id, "reference": payment.reference,
                                     "provider": payment.provider, "code_id": code.id if code else None})
    await documents.issue(session, sale, "payment_receipt", f"payment:{payment.id}", data,
                          user_id=payment.user_id, now=now)


async def apply_report(session: AsyncSession, runtime: Runtime, report: BankReport) -> dict[str, Any]:
    """A bank's signed report for a price or tax payment (`pay_…`). Idempotent. Money that arrives after
    the sale stopped taking it (the deadline passed, the sale ended) is received and refunded at once."""
    payment = (await session.scalars(select(SalePayment).where(SalePayment.reference == report.reference))).first()
    if payment is None:
        raise PaymentNotFound(details={"reference": report.reference})
    if payment.status != PaymentState.pending:
        return {"status": payment.status, "duplicate": True}
    sale = await sales.get_sale(session, payment.sale_id)
    now = clock.now()
    if report.kind == "payment.failed":
        await session.execute(update(SalePayment).where(SalePayment.id == payment.id,
                                                        SalePayment.status == PaymentState.pending.value)
                              .values(status=PaymentState.cancelled.value, cancelled_at=now,
                                      cancel_reason="bank_failed", updated_at=now)
                              .execution_options(synchronize_session=False))
        audit.record(session, "payment.failed", "sale", sale.id, office_id=sale.office_id, data=report.data)
        return {"status": PaymentState.cancelled.value}
    if report.kind != "payment.succeeded":
        raise CallbackInvalid(details={"reason": f"unknown type {report.kind!r}"})
    if report.amount != payment.amount:
        raise CallbackInvalid(details={"reason": "amount differs", "expected": fmt(payment.amount)})
    if await state.lock_if(session, sale.id, _GUARD[payment.purpose], now=min(now, report.paid_at)):
        await session.refresh(sale)
        await session.refresh(payment)
        if payment.status != PaymentState.pending:  # the same report, delivered again, won while we waited
            return {"status": payment.status, "duplicate": True}
        await receive(session, runtime, sale, payment, now)
        return {"status": PaymentState.received.value}
    # Too late: the money is here, but the sale no longer takes it (A-62: no extension).
    done = await session.execute(update(SalePayment).where(SalePayment.id == payment.id,
                                                           SalePayment.status == PaymentState.pending.value)
                                 .values(status=PaymentState.received.value, received_at=now, updated_at=now)
                                 .execution_options(synchronize_session=False))
    await session.refresh(payment)
    if not getattr(done, "rowcount", 0):
        # Not too late: a simultaneous delivery of the same report received it (and closed the guard).
        return {"status": payment.status, "duplicate": True}
    await payment_refunds.refund_payment(session, sale, payment, reason="late", now=now)
    return {"status": PaymentState.refunding.value}


async def payments_of(session: AsyncSession, sale_id: int, user_id: int | None = None) -> list[SalePayment]:
    stmt = select(SalePayment).where(SalePayment.sale_id == sale_id).order_by(SalePayment.id)
    if user_id is not None:
        stmt = stmt.where(SalePayment.user_id == user_id)
    return list((await session.scalars(stmt)).all())

