"""The buyer's teminat after the award: credited against the price (A-56, OP-18), applied once the price
is complete (S-12), forfeited on default (A-70), given back on annulment (S-16, S-20, S-22), and a teminat
mektubu returned once the price is paid in cash (OP-18)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auction.audit import service as audit
from auction.deposits.models import Deposit, DepositStatus, Refund, RefundStatus
from auction.deposits.refunds import refund_due_by
from auction.money import ZERO, fmt

_CREDITED = (DepositStatus.confirmed.value, DepositStatus.applied.value)


async def credit(session: AsyncSession, sale_id: int, user_id: int | None) -> Decimal:
    """The buyer's cash teminat counted towards the price: held (confirmed) or already applied."""
    if user_id is None:
        return ZERO
    total: Decimal | None = await session.scalar(select(func.sum(Deposit.amount)).where(
        Deposit.sale_id == sale_id, Deposit.user_id == user_id, Deposit.kind == "cash",
        Deposit.status.in_(_CREDITED)))
    return total if total is not None else ZERO


async def held(session: AsyncSession, sale_id: int, user_id: int) -> list[Deposit]:
    stmt = (select(Deposit).where(Deposit.sale_id == sale_id, Deposit.user_id == user_id,
                                  Deposit.status.in_(_CREDITED)).order_by(Deposit.id))
    return list((await session.scalars(stmt.execution_options(populate_existing=True))).all())


async def apply_to_price(session: AsyncSession, sale_id: int, user_id: int, now: datetime) -> list[int]:
    """S-12: the cash teminat is now part of the price (A-56); a teminat mektubu goes back (OP-18)."""
    applied = (await session.execute(
        update(Deposit).where(Deposit.sale_id == sale_id, Deposit.user_id == user_id, Deposit.kind == "cash",
                              Deposit.status == DepositStatus.confirmed.value)
        .values(status=DepositStatus.applied.value, updated_at=now).returning(Deposit.id)
        .execution_options(synchronize_session=False))).scalars().all()
    for deposit in [d for d in await held(session, sale_id, user_id) if d.kind == "mektup"]:
        await _refund(session, deposit, reason="mektup_returned", now=now)
    return list(applied)


async def forfeit(session: AsyncSession, sale_id: int, user_id: int, now: datetime) -> list[Deposit]:
    """S-13 (A-70): every teminat the defaulting buyer holds in the sale is forfeited (conditional: a
    deposit is forfeited once)."""
    ids = (await session.execute(
        update(Deposit).where(Deposit.sale_id == sale_id, Deposit.user_id == user_id,
                              Deposit.status.in_(_CREDITED))
        .values(status=DepositStatus.forfeited.value, updated_at=now).returning(Deposit.id)
        .execution_options(synchronize_session=False))).scalars().all()
    if not ids:
        return []
    stmt = select(Deposit).where(Deposit.id.in_(list(ids))).order_by(Deposit.id)
    return list((await session.scalars(stmt.execution_options(populate_existing=True))).all())


async def give_back(session: AsyncSession, sale_id: int, user_id: int, *, reason: str, now: datetime) -> int:
    """Annulment (S-16, S-20, S-22; OP-26: the teminat is not forfeited): every teminat the buyer holds,
    held or applied, goes back to him through the refund worker (`deposit.refunded`)."""
    count = 0
    for deposit in await held(session, sale_id, user_id):
        await _refund(session, deposit, reason=reason, now=now)
        count += 1
    return count


async def _refund(session: AsyncSession, deposit: Deposit, *, reason: str, now: datetime) -> None:
    taken = (await session.execute(
        update(Deposit).where(Deposit.id == deposit.id, Deposit.status.in_(_CREDITED))
        .values(status=DepositStatus.refunding.value, updated_at=now).returning(Deposit.id)
        .execution_options(synchronize_session=False))).first()
    if taken is None:
        return
    session.add(Refund(deposit_id=deposit.id, sale_id=deposit.sale_id, user_id=deposit.user_id, amount=deposit.amount,
                       reason=reason[:24], round_number=None, status=RefundStatus.due.value, released_at=now,
                       due_by=refund_due_by(now), next_attempt_at=now, attempts=0, created_at=now, updated_at=now))
    audit.record(session, "deposit.refund_ordered", "deposit", deposit.id, data={
        "sale_id": deposit.sale_id, "amount": fmt(deposit.amount), "reason": reason, "kind": deposit.kind})
    await session.flush()
