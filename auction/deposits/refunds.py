"""What happens to a teminat after the bidding: refund jobs (A-55, OP-17) - held at a round's close,
released when the tutanak is posted (or at once), executed by the refunds worker through the payment
provider - and the winner's cash teminat credited against the price (A-56, OP-18).

The sale's lifecycle calls these (`auction.sales.rounds`, `.tutanak`, `.cancellation`); this module
reads the sale only through its tables, never through the sales services, so the two never import each
other.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import structlog
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auction.audit import service as audit
from auction.bidding.models import Participant
from auction.calendar import add_working_days, local_date, local_datetime, office_closing_time
from auction.clock import iso_ms
from auction.dbutil import claim
from auction.deposits.models import Deposit, DepositStatus, Exemption, Refund, RefundStatus
from auction.deposits.providers import provider_named
from auction.deposits.schemas import deposit_payload
from auction.events import service as events
from auction.money import ZERO, fmt
from auction.rules.table import rulebook
from auction.sales.models import Round, RoundResult, Sale
from auction.sales.snapshot import Snapshot
from auction.users.models import User

log = structlog.get_logger(__name__)


async def cash_held(session: AsyncSession, sale_id: int, user_id: int | None) -> Decimal:
    """The buyer's confirmed cash teminat (credited against the price under OP-18)."""
    if user_id is None:
        return ZERO
    total: Decimal | None = await session.scalar(select(func.sum(Deposit.amount)).where(
        Deposit.sale_id == sale_id, Deposit.user_id == user_id, Deposit.kind == "cash",
        Deposit.status == DepositStatus.confirmed.value))
    return total if total is not None else ZERO


def carries_to_next_round(snap: Snapshot, rnd: Round, outcome: str) -> bool:
    """A failed round 1 whose sale goes on to round 2 keeps its deposits (OP-49, proposed)."""
    return (rnd.artirma == 1 and outcome != RoundResult.above_threshold
            and bool(snap.pol_or("teminat.carry_to_round2", False)))


# --- Refund jobs (A-55, OP-17) ----------------------------------------------------------------------------


def refund_due_by(now: datetime) -> datetime:
    """TM-22 (A-55): refund instructions within 3 working days (İİK 9/2 by analogy, OP-17)."""
    day = local_date(now)
    days = rulebook().row("auction.refund.instruct_working_days", day).integer()
    last = add_working_days(day, days)
    return local_datetime(last, office_closing_time(last))


async def new_refund(session: AsyncSession, deposit: Deposit, *, reason: str, round_number: int | None,
                      release: bool, now: datetime) -> Refund:
    if deposit.status == DepositStatus.confirmed:
        deposit.status = DepositStatus.refunding.value
        deposit.updated_at = now
    refund = Refund(deposit_id=deposit.id, sale_id=deposit.sale_id, user_id=deposit.user_id, amount=deposit.amount,
                    reason=reason, round_number=round_number,
                    status=RefundStatus.due.value if release else RefundStatus.held.value,
                    released_at=now if release else None, due_by=refund_due_by(now) if release else None,
                    next_attempt_at=now if release else None, attempts=0, created_at=now, updated_at=now)
    session.add(refund)
    await session.flush()
    return refund


async def schedule_refunds(session: AsyncSession, sale: Sale, *, keep_user_id: int | None, reason: str,
                           round_number: int | None, release: bool, now: datetime) -> int:
    """A refund job for every confirmed deposit of the sale except `keep_user_id`'s (the provisional
    winner, A-56). Called by the closer in its transaction; held until the trigger (OP-17) unless
    `release`."""
    stmt = (update(Deposit).where(Deposit.sale_id == sale.id, Deposit.status == DepositStatus.confirmed.value)
            .values(status=DepositStatus.refunding.value, updated_at=now)
            .returning(Deposit.id, Deposit.user_id, Deposit.amount)
            .execution_options(synchronize_session=False))
    if keep_user_id is not None:
        stmt = stmt.where(Deposit.user_id != keep_user_id)
    rows = (await session.execute(stmt)).all()
    for deposit_id, user_id, amount in rows:
        session.add(Refund(deposit_id=deposit_id, sale_id=sale.id, user_id=user_id, amount=amount, reason=reason,
                           round_number=round_number,
                           status=RefundStatus.due.value if release else RefundStatus.held.value,
                           released_at=now if release else None, due_by=refund_due_by(now) if release else None,
                           next_attempt_at=now if release else None, attempts=0, created_at=now, updated_at=now))
    # The closer never writes participant rows (lock order, docs/auction.md): a refunded bidder's
    # teminat stops counting when the tutanak is posted (`release_refunds`); no round is open meanwhile.
    await session.flush()
    return len(rows)


async def release_refunds(session: AsyncSession, sale_id: int, now: datetime, *, keep_user_id: int | None,
                          reset_withdrawals: bool, carry_over: bool = False) -> int:
    """The tutanak was posted (OP-17 default trigger): held refund jobs become due; the refunded bidders'
    teminat no longer counts (a failed round 1's bidders deposit again for round 2; a withdrawal of
    round 1 does not bar round 2)."""
    rows = (await session.execute(
        update(Refund).where(Refund.sale_id == sale_id, Refund.status == RefundStatus.held.value)
        .values(status=RefundStatus.due.value, released_at=now, due_by=refund_due_by(now), next_attempt_at=now,
                updated_at=now)
        .returning(Refund.id).execution_options(synchronize_session=False))).all()
    if not carry_over:
        # Every bidder but the buyer must deposit again for a later round; a full exemption covers
        # every round of the sale and stays. With carry-over (OP-49) the held deposits keep counting.
        exempt = select(Exemption.user_id).where(Exemption.sale_id == sale_id, Exemption.teminat_due == ZERO)
        keep = update(Participant).where(Participant.sale_id == sale_id, Participant.user_id.not_in(exempt))
        if keep_user_id is not None:
            keep = keep.where(Participant.user_id != keep_user_id)
        await session.execute(keep.values(teminat_ok=False, updated_at=now)
                              .execution_options(synchronize_session=False))
    if reset_withdrawals:
        await session.execute(
            update(Participant)
            .where(Participant.sale_id == sale_id, Participant.withdrawn_at.is_not(None))
            .values(withdrawn_at=None, updated_at=now).execution_options(synchronize_session=False))
    return len(rows)


async def claim_due_refund(session: AsyncSession, now: datetime) -> int | None:
    stmt = (select(Refund.id).where(Refund.status.in_([RefundStatus.due.value, RefundStatus.failed.value]),
                                    Refund.next_attempt_at <= now)
            .order_by(Refund.next_attempt_at).limit(1))
    return (await session.execute(claim(session, stmt))).scalar()


async def execute_refund(session: AsyncSession, refund_id: int, now: datetime) -> bool:
    """Send one due refund through its provider and mark it done (deposit.refunded). A provider error is
    recorded and retried with backoff; the provider call is idempotent per refund id."""
    refund = await session.get(Refund, refund_id)
    if refund is None or refund.status not in (RefundStatus.due, RefundStatus.failed):
        return False
    deposit = await session.get(Deposit, refund.deposit_id)
    user = await session.get(User, refund.user_id)
    assert deposit is not None
    provider = provider_named(deposit.provider)
    try:
        ref = await provider.refund(refund, deposit, user.iban if user else None)
    except Exception as exc:  # a provider outage must not stop the worker: retry later
        refund.attempts += 1
        refund.status = RefundStatus.failed.value
        refund.last_error = str(exc)[:300]
        refund.next_attempt_at = now + timedelta(seconds=min(3600, 2 ** min(refund.attempts, 12)))
        log.warning("refund_failed", refund_id=refund.id, error=str(exc))
        return False
    result = await session.execute(
        update(Refund).where(Refund.id == refund.id, Refund.status.in_([RefundStatus.due.value,
                                                                        RefundStatus.failed.value]))
        .values(status=RefundStatus.done.value, executed_at=now, provider_ref=ref, attempts=Refund.attempts + 1,
                updated_at=now)
        .returning(Refund.id).execution_options(synchronize_session=False))
    if result.first() is None:
        return False
    if deposit.status in (DepositStatus.refunding, DepositStatus.confirmed):
        deposit.status = DepositStatus.refunded.value
    deposit.updated_at = now
    sale = await session.get(Sale, refund.sale_id)
    assert sale is not None
    audit.record(session, "deposit.refunded", "deposit", deposit.id, office_id=sale.office_id,
                 data={"refund_id": refund.id, "amount": fmt(refund.amount), "reason": refund.reason,
                       "provider_ref": ref})
    events.emit(session, "deposit.refunded", {
        **deposit_payload(deposit), "refund_id": refund.id, "reason": refund.reason, "round": refund.round_number,
        "refunded_at": iso_ms(now), "provider_ref": ref}, subject_type="deposit", subject_id=deposit.id,
        office_id=sale.office_id)
    return True


async def refunds_of(session: AsyncSession, sale_id: int, user_id: int | None = None) -> list[Refund]:
    stmt = select(Refund).where(Refund.sale_id == sale_id).order_by(Refund.id)
    if user_id is not None:
        stmt = stmt.where(Refund.user_id == user_id)
    return list((await session.scalars(stmt)).all())
