"""Teminat: deposits (A-50 … A-52), teminat mektupları, exemptions (A-53), withdrawals (A-54, OP-16) and
refunds (A-55, OP-17). A deposit belongs to the sale: while it is held it covers every round of it."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.audit import service as audit
from auction.bankcallback import BankReport
from auction.bidding import eligibility
from auction.bidding.models import Participant
from auction.calendar import add_working_days, local_date, local_datetime, office_closing_time
from auction.cases.models import Creditor
from auction.clock import iso_ms
from auction.dbutil import dialect
from auction.deposits.errors import (
    CallbackInvalid,
    DepositNotFound,
    DepositsClosed,
    ExemptionInvalid,
    HighestCannotWithdraw,
    NothingToWithdraw,
    TeminatDeadlinePassed,
    TeminatExempt,
    Withdrawn,
    WithdrawNotAllowed,
)
from auction.deposits.models import Deposit, DepositStatus, Exemption, Refund, RefundStatus
from auction.deposits.providers import provider_for, provider_named
from auction.deposits.schemas import ExemptionCreate, MektupCreate
from auction.events import service as events
from auction.money import ZERO, fmt, round_half_up
from auction.runtime import Runtime
from auction.sales import service as sales
from auction.sales.models import Round, RoundStatus, Sale, SaleStatus
from auction.users.models import Office, User
from auction.users.principal import Principal

log = structlog.get_logger(__name__)

# A sale takes teminat while a round is ahead or running (S-04); not between a close and the tutanak.
ACCEPTING = frozenset({SaleStatus.announced, SaleStatus.round_open, SaleStatus.awaiting_round2})


def _reference() -> str:
    return f"dep_{uuid.uuid4().hex[:24]}"


async def target_round(session: AsyncSession, sale: Sale) -> Round:
    """The round a new deposit is for: the open one, else the next one to open."""
    if SaleStatus(sale.status) not in ACCEPTING:
        raise DepositsClosed(details={"status": sale.status})
    rounds = await sales.rounds_of(session, sale.id)
    for r in rounds:
        if r.status == RoundStatus.open:
            return r
    for r in rounds:
        if r.status == RoundStatus.scheduled:
            return r
    raise DepositsClosed(details={"status": sale.status})


async def teminat_due(session: AsyncSession, sale: Sale, user_id: int) -> Decimal:
    exemption = (await session.scalars(select(Exemption).where(Exemption.sale_id == sale.id,
                                                               Exemption.user_id == user_id))).first()
    return exemption.teminat_due if exemption is not None else sale.teminat_amount


async def current_deposit(session: AsyncSession, sale_id: int, user_id: int) -> Deposit | None:
    stmt = (select(Deposit).where(Deposit.sale_id == sale_id, Deposit.user_id == user_id,
                                  Deposit.status.in_([DepositStatus.pending.value, DepositStatus.confirmed.value]))
            .order_by(Deposit.id.desc()).limit(1))
    return (await session.scalars(stmt.execution_options(populate_existing=True))).first()


async def deposits_of(session: AsyncSession, sale_id: int, user_id: int | None = None) -> list[Deposit]:
    stmt = select(Deposit).where(Deposit.sale_id == sale_id).order_by(Deposit.id)
    if user_id is not None:
        stmt = stmt.where(Deposit.user_id == user_id)
    return list((await session.scalars(stmt)).all())


async def cash_held(session: AsyncSession, sale_id: int, user_id: int | None) -> Decimal:
    """The buyer's confirmed cash teminat (credited against the price under OP-18)."""
    if user_id is None:
        return ZERO
    total: Decimal | None = await session.scalar(select(func.sum(Deposit.amount)).where(
        Deposit.sale_id == sale_id, Deposit.user_id == user_id, Deposit.kind == "cash",
        Deposit.status == DepositStatus.confirmed.value))
    return total if total is not None else ZERO


# --- Paying in (S-04) -----------------------------------------------------------------------------------


async def create_deposit(session: AsyncSession, runtime: Runtime, actor: Principal, lot_id: int) -> tuple[
        Deposit, bool]:
    """`POST /lots/{id}/deposits`: start a cash teminat for the lot's sale. Returns (deposit, created);
    a bidder who already has a pending or confirmed deposit gets that one back."""
    await runtime.limiter.hit("deposit", actor.user_id)
    sale = await sales.require_sale_of_lot(session, lot_id)
    target = await target_round(session, sale)
    now = clock.now()
    # rule: A-52 (TM-11) - cash teminat until 23:30 on the day before the round's scheduled end.
    # UNCERTAIN(OP-13): no card payments (`teminat.allow_card` = false): the providers take none.
    if now > target.cash_deadline:
        raise TeminatDeadlinePassed(details={"deadline": iso_ms(target.cash_deadline), "round": target.number})
    part = await eligibility.ensure_participant(session, sale, actor.user_id)
    if part.excluded:
        raise eligibility.exclusion_error(part)
    if part.withdrawn_at is not None:
        raise Withdrawn()
    existing = await current_deposit(session, sale.id, actor.user_id)
    if existing is not None:
        return existing, False
    due = await teminat_due(session, sale, actor.user_id)
    if due <= ZERO:
        raise TeminatExempt()
    provider = provider_for(runtime.settings)
    office = await session.get(Office, sale.office_id)
    assert office is not None
    deposit = Deposit(sale_id=sale.id, lot_id=sale.lot_id, user_id=actor.user_id, kind="cash", amount=due,
                      status=DepositStatus.pending.value, provider=provider.name, reference=_reference(), payment={},
                      created_at=now, updated_at=now)
    session.add(deposit)
    await session.flush()
    # A-23 PRODUCT: the deposit form shows the şartname and depositing records its acceptance (İİK
    # 114/6-12 deems every bidder to have accepted it); an exempt bidder accepts it explicitly.
    await eligibility.accept_sartname(session, actor, sale)
    start = await provider.start(deposit, office)
    deposit.payment = start.payment
    audit.record(session, "deposit.created", "deposit", deposit.id, actor=actor, office_id=sale.office_id,
                 data={"sale_id": sale.id, "amount": fmt(due), "provider": provider.name, "round": target.number})
    if start.confirmed:
        await _confirm(session, sale, deposit, paid_at=now, actor=actor)
    return deposit, True


async def _confirm(session: AsyncSession, sale: Sale, deposit: Deposit, *, paid_at: datetime,
                   actor: Principal | None) -> bool:
    """pending → confirmed (conditional: a repeated bank callback confirms once), then the bidder may bid."""
    await session.flush()  # no autoflush: the refresh below must not drop the caller's pending changes
    now = clock.now()
    result = await session.execute(
        update(Deposit).where(Deposit.id == deposit.id, Deposit.status == DepositStatus.pending.value)
        .values(status=DepositStatus.confirmed.value, confirmed_at=now, paid_at=paid_at, updated_at=now)
        .returning(Deposit.id).execution_options(synchronize_session=False))
    if result.first() is None:
        return False
    await session.refresh(deposit)
    await eligibility.set_teminat_ok(session, sale.id, deposit.user_id, True)
    audit.record(session, "deposit.confirmed", "deposit", deposit.id, actor=actor, office_id=sale.office_id,
                 data={"sale_id": sale.id, "amount": fmt(deposit.amount), "kind": deposit.kind})
    events.emit(session, "deposit.confirmed", deposit_payload(deposit), subject_type="deposit",
                subject_id=deposit.id, office_id=sale.office_id)
    return True


def deposit_payload(deposit: Deposit) -> dict[str, Any]:
    return {"deposit_id": deposit.id, "sale_id": deposit.sale_id, "lot_id": deposit.lot_id,
            "user_id": deposit.user_id, "kind": deposit.kind, "amount": fmt(deposit.amount),
            "reference": deposit.reference,
            "confirmed_at": iso_ms(deposit.confirmed_at) if deposit.confirmed_at else None}


async def apply_report(session: AsyncSession, report: BankReport) -> dict[str, Any]:
    """Apply a verified bank report (auction.bankcallback.BankReport) to the teminat it names."""
    kind, data, reference, amount, paid_at = report.kind, report.data, report.reference, report.amount, report.paid_at
    deposit = (await session.scalars(select(Deposit).where(Deposit.reference == reference))).first()
    if deposit is None:
        raise DepositNotFound(details={"reference": reference})
    sale = await sales.get_sale(session, deposit.sale_id)
    # Lock order participant → deposit, as every other teminat change (no deadlock with a withdrawal).
    await eligibility.lock(session, sale.id, deposit.user_id)
    await session.refresh(deposit)
    if deposit.status != DepositStatus.pending:
        return {"status": deposit.status, "duplicate": True}
    if kind == "payment.failed":
        deposit.status = DepositStatus.rejected.value
        audit.record(session, "deposit.failed", "deposit", deposit.id, office_id=sale.office_id, data=data)
        return {"status": deposit.status}
    if kind != "payment.succeeded":
        raise CallbackInvalid(details={"reason": f"unknown type {kind!r}"})
    if amount != deposit.amount:
        raise CallbackInvalid(details={"reason": "amount differs", "expected": fmt(deposit.amount)})
    late = SaleStatus(sale.status) not in ACCEPTING
    if not late:
        target = await target_round(session, sale)
        late = paid_at > target.cash_deadline  # rule: A-52 (TM-11)
    if late:
        # The money came after the deadline (or the round closed): it does not count and goes back.
        deposit.status = DepositStatus.rejected.value
        deposit.paid_at = paid_at
        await _new_refund(session, deposit, reason="rejected", round_number=None, release=True, now=clock.now())
        audit.record(session, "deposit.rejected_late", "deposit", deposit.id, office_id=sale.office_id,
                     data={"paid_at": iso_ms(paid_at)})
        return {"status": deposit.status}
    await _confirm(session, sale, deposit, paid_at=paid_at, actor=None)
    return {"status": DepositStatus.confirmed.value}


# --- Teminat mektubu and exemptions (staff) --------------------------------------------------------------


async def record_mektup(session: AsyncSession, actor: Principal, sale_id: int, body: MektupCreate) -> Deposit:
    sale = await sales.get_sale_for(session, actor, sale_id)
    target = await target_round(session, sale)
    now = clock.now()
    # rule: A-52 (TM-12) - teminat mektubu by close of office hours on the last working day before E.
    if now > target.mektup_deadline:
        raise TeminatDeadlinePassed(details={"deadline": iso_ms(target.mektup_deadline), "round": target.number})
    await _require_user(session, body.user_id)
    part = await eligibility.ensure_participant(session, sale, body.user_id)
    if part.excluded:
        raise eligibility.exclusion_error(part)
    if await current_deposit(session, sale.id, body.user_id) is not None:
        raise ExemptionInvalid("Bu alıcının geçerli bir teminatı zaten var.", code="deposit_exists")
    due = await teminat_due(session, sale, body.user_id)
    amount = body.amount if body.amount is not None else due
    if amount < due or due <= ZERO:
        raise ExemptionInvalid("Mektup tutarı teminatı karşılamıyor.", code="mektup_amount",
                               details={"teminat_due": fmt(due)})
    deposit = Deposit(sale_id=sale.id, lot_id=sale.lot_id, user_id=body.user_id, kind="mektup", amount=amount,
                      status=DepositStatus.pending.value, provider="office", reference=_reference(),
                      payment={"provider": "office"}, mektup_bank=body.bank, mektup_no=body.mektup_no,
                      recorded_by=actor.user_id, created_at=now, updated_at=now)
    session.add(deposit)
    await session.flush()
    audit.record(session, "deposit.mektup_recorded", "deposit", deposit.id, actor=actor, office_id=sale.office_id,
                 data={"user_id": body.user_id, "bank": body.bank, "mektup_no": body.mektup_no, "amount": fmt(amount)})
    await _confirm(session, sale, deposit, paid_at=now, actor=actor)
    return deposit


async def _require_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None or user.role != "bidder":
        raise ExemptionInvalid("Alıcı (bidder) hesabı bulunamadı.", code="bidder_not_found",
                               details={"user_id": user_id})
    return user


async def record_exemption(session: AsyncSession, actor: Principal, sale_id: int, body: ExemptionCreate) -> Exemption:
    """A-53: `teminat_due = max(0, teminat − covered)`. UNCERTAIN(OP-15) `teminat.exemption_basis`:
    creditor → its claim total in the file; co-owner → share × M; only the sale-requesting creditor and
    co-owners; staff confirm (or override) the covered figure."""
    sale = await sales.get_sale_for(session, actor, sale_id)
    target = await target_round(session, sale)
    now = clock.now()
    # rule: A-52 - exemption applications share the teminat mektubu deadline (TM-12).
    if now > target.mektup_deadline:
        raise TeminatDeadlinePassed(details={"deadline": iso_ms(target.mektup_deadline), "round": target.number})
    await _require_user(session, body.user_id)
    creditor_id: int | None = None
    if body.basis == "creditor":
        if body.creditor_id is None:
            raise ExemptionInvalid("Alacaklı seçilmelidir.", code="creditor_required")
        creditor = await session.get(Creditor, body.creditor_id)
        if creditor is None or creditor.case_id != sale.case_id:
            raise ExemptionInvalid("Alacaklı bu dosyaya ait değil.", code="creditor_not_in_case")
        if not creditor.sale_requester:
            raise ExemptionInvalid("Yalnızca satış isteyen alacaklı teminattan muaf tutulabilir (İİK 114/6-6, OP-15).",
                                   code="not_sale_requester")
        creditor_id = creditor.id
        default_covered = creditor.claim_total
    else:
        if body.share is None:
            raise ExemptionInvalid("Paydaşın payı (0–1) girilmelidir.", code="share_required")
        default_covered = round_half_up(body.share * sale.appraised_value)
    covered = body.covered if body.covered is not None else default_covered
    due = max(ZERO, sale.teminat_amount - covered)
    existing = (await session.scalars(select(Exemption).where(Exemption.sale_id == sale.id,
                                                              Exemption.user_id == body.user_id))).first()
    await eligibility.ensure_participant(session, sale, body.user_id)
    if existing is None:
        existing = Exemption(sale_id=sale.id, user_id=body.user_id, created_at=now)
        session.add(existing)
    existing.basis = body.basis
    existing.creditor_id = creditor_id
    existing.share = body.share
    existing.covered = covered
    existing.teminat_due = due
    existing.mahsuben = body.mahsuben
    existing.recorded_by = actor.user_id
    existing.note = body.note
    existing.updated_at = now
    await session.flush()
    if due <= ZERO:
        await eligibility.set_teminat_ok(session, sale.id, body.user_id, True)
    audit.record(session, "teminat.exemption_recorded", "sale", sale.id, actor=actor, office_id=sale.office_id,
                 data={"user_id": body.user_id, "basis": body.basis, "creditor_id": creditor_id,
                       "covered": fmt(covered), "teminat_due": fmt(due), "mahsuben": body.mahsuben,
                       "op": "OP-15"})
    return existing


# --- Withdrawal during the round (A-54, OP-16) ---------------------------------------------------------


async def withdraw(session: AsyncSession, runtime: Runtime, actor: Principal, lot_id: int) -> Refund | None:
    """A bidder who is not the highest takes his teminat back and loses the right to bid in this round.

    Race-safe against his own bid: (1) a conditional write on his participant row (the row the bid
    re-checks), then (2) the leader check on committed state. A bid that touched the row first has
    committed by the time (1) returns, so (2) sees him as leader and refuses; a bid that comes after (1)
    finds `teminat_ok` false and rolls back (docs/auction.md)."""
    sale = await sales.require_sale_of_lot(session, lot_id)
    snap = sales.snapshot_of(sale)
    # UNCERTAIN(OP-16): allowed for a bidder who is not the highest (`teminat.allow_withdraw_when_not_highest`).
    if not snap.pol("teminat.allow_withdraw_when_not_highest"):
        raise WithdrawNotAllowed()
    if SaleStatus(sale.status) not in ACCEPTING:
        raise WithdrawNotAllowed("Teminat bu aşamada geri alınamaz; iade tutanağın ilanıyla yapılır.",
                                 details={"status": sale.status})
    now = clock.now()
    locked = await session.execute(
        update(Participant)
        .where(Participant.sale_id == sale.id, Participant.user_id == actor.user_id,
               Participant.withdrawn_at.is_(None))
        .values(teminat_ok=False, withdrawn_at=now, updated_at=now)
        .returning(Participant.id)
        .execution_options(synchronize_session=False))
    if locked.first() is None:
        raise NothingToWithdraw()
    # rule: A-35, A-54 - the highest bidder's teminat stays until someone outbids him.
    leader = await session.scalar(select(Round.leader_user_id).where(
        Round.sale_id == sale.id, Round.status == RoundStatus.open.value))
    if leader == actor.user_id:
        raise HighestCannotWithdraw()
    deposit = await current_deposit(session, sale.id, actor.user_id)
    if deposit is None:
        raise NothingToWithdraw()
    refund: Refund | None = None
    if deposit.status == DepositStatus.pending:
        deposit.status = DepositStatus.rejected.value
        deposit.updated_at = now
    else:
        refund = await _new_refund(session, deposit, reason="withdrawn", round_number=None, release=True, now=now)
    audit.record(session, "deposit.withdrawn", "deposit", deposit.id, actor=actor, office_id=sale.office_id,
                 data={"sale_id": sale.id, "amount": fmt(deposit.amount), "op": "OP-16"})
    return refund


# --- Refund jobs (A-55, OP-17) ----------------------------------------------------------------------------


def _due_by(now: datetime) -> datetime:
    """TM-22 (A-55): refund instructions within 3 working days (İİK 9/2 by analogy, OP-17)."""
    from auction.rules.table import rulebook

    day = local_date(now)
    days = rulebook().row("auction.refund.instruct_working_days", day).integer()
    last = add_working_days(day, days)
    return local_datetime(last, office_closing_time(last))


async def _new_refund(session: AsyncSession, deposit: Deposit, *, reason: str, round_number: int | None,
                      release: bool, now: datetime) -> Refund:
    if deposit.status == DepositStatus.confirmed:
        deposit.status = DepositStatus.refunding.value
        deposit.updated_at = now
    refund = Refund(deposit_id=deposit.id, sale_id=deposit.sale_id, user_id=deposit.user_id, amount=deposit.amount,
                    reason=reason, round_number=round_number,
                    status=RefundStatus.due.value if release else RefundStatus.held.value,
                    released_at=now if release else None, due_by=_due_by(now) if release else None,
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
                           released_at=now if release else None, due_by=_due_by(now) if release else None,
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
        .values(status=RefundStatus.due.value, released_at=now, due_by=_due_by(now), next_attempt_at=now,
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
    if dialect(session) == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return (await session.execute(stmt)).scalar()


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
        from datetime import timedelta

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


async def refunds_of(session: AsyncSession, sale_id: int) -> list[Refund]:
    stmt = select(Refund).where(Refund.sale_id == sale_id).order_by(Refund.id)
    return list((await session.scalars(stmt)).all())
