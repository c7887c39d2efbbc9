"""The ihale is cancelled after the award (S-16 fesih granted, S-20 taxes unpaid, S-22 handover
impossible): everything the buyer paid goes back — the price with its nema (A-83), the taxes (T-08: no
sale, no KDV), and the teminat (OP-26: not forfeited on these paths)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auction.aftersale import refunds as payment_refunds
from auction.audit import service as audit
from auction.deposits import buyer as buyer_teminat
from auction.events import service as events
from auction.lots.models import Lot, LotStatus
from auction.money import ZERO, fmt
from auction.sales import state
from auction.sales.models import Round, RoundStatus, Sale
from auction.settlement.models import PaymentState, SalePayment
from auction.users.principal import Principal


async def cancel_open_rounds(session: AsyncSession, sale_id: int, now: datetime) -> None:
    """A round still scheduled (round 2 of a sale awarded in round 1) will never run."""
    await session.execute(update(Round).where(Round.sale_id == sale_id, Round.status == RoundStatus.scheduled.value)
                          .values(status=RoundStatus.cancelled.value, updated_at=now)
                          .execution_options(synchronize_session=False))


async def cancel_unconfirmed(session: AsyncSession, sale_id: int, reason: str, now: datetime) -> None:
    await session.execute(
        update(SalePayment).where(SalePayment.sale_id == sale_id,
                                  SalePayment.status == PaymentState.awaiting_code.value)
        .values(status=PaymentState.cancelled.value, cancelled_at=now, cancel_reason=reason, updated_at=now)
        .execution_options(synchronize_session=False))


async def annul(session: AsyncSession, sale: Sale, *, event: str, reason: str, actor: Principal | None,
                now: datetime, nema: Decimal = ZERO, note: str | None = None) -> None:
    """Apply the annulling transition and order every refund to the buyer (one transaction)."""
    await state.apply(session, sale.id, event, now=now, values={"closed_at": now, "end_reason": reason})
    await session.refresh(sale)
    buyer = sale.winner_user_id
    assert buyer is not None
    received = list((await session.scalars(select(SalePayment).where(
        SalePayment.sale_id == sale.id, SalePayment.user_id == buyer,
        SalePayment.status == PaymentState.received.value).order_by(SalePayment.id))).all())
    refunded = ZERO
    for p in received:
        if await payment_refunds.refund_payment(session, sale, p, reason="annulled", now=now):
            refunded += p.amount
    await payment_refunds.refund_nema(session, sale, buyer, nema, reason="annulled", now=now)
    teminat = await buyer_teminat.give_back(session, sale.id, buyer, reason="annulled", now=now)
    await cancel_unconfirmed(session, sale.id, "annulled", now)
    await cancel_open_rounds(session, sale.id, now)
    lot = await session.get(Lot, sale.lot_id)
    assert lot is not None
    lot.status = LotStatus.appraised.value  # the lot may be put up for sale again
    lot.updated_at = now
    audit.record(session, "sale.annulled", "sale", sale.id, actor=actor, office_id=sale.office_id, data={
        "rule": state.TRANSITIONS[event].rule, "reason": reason, "note": note, "payments_refunded": fmt(refunded),
        "nema_refunded": fmt(nema), "teminat_refunds": teminat})
    events.emit(session, "sale.failed", {
        "sale_id": sale.id, "lot_id": sale.lot_id, "reason": reason, "rule": state.TRANSITIONS[event].rule,
        "buyer_user_id": buyer, "refunded": fmt(refunded), "nema": fmt(nema)}, subject_type="sale",
        subject_id=sale.id, office_id=sale.office_id)
