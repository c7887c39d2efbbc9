"""Teminat: deposits (A-50 … A-52), teminat mektupları, exemptions (A-53), withdrawals (A-54, OP-16) and
refunds (A-55, OP-17). A deposit belongs to the sale: while it is held it covers every round of it."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.audit import service as audit
from auction.bankcallback import BankReport
from auction.bankcallback.errors import CallbackInvalid
from auction.bidding import eligibility
from auction.bidding.models import Participant
from auction.cases.models import Creditor
from auction.clock import iso_ms
from auction.deposits import refunds
from auction.deposits.errors import (
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
from auction.deposits.models import Deposit, DepositStatus, Exemption, Refund
from auction.deposits.providers import provider_for
from auction.deposits.schemas import ExemptionCreate, MektupCreate, deposit_payload
from auction.events import service as events
from auction.money import ZERO, fmt, round_half_up
from auction.runtime import Runtime
from auction.sales import reads as sales
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
        await refunds.new_refund(session, deposit, reason="rejected", round_number=None, release=True, now=clock.now())
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
        refund = await refunds.new_refund(session, deposit, reason="withdrawn", round_number=None, release=True,
                                          now=now)
    audit.record(session, "deposit.withdrawn", "deposit", deposit.id, actor=actor, office_id=sale.office_id,
                 data={"sale_id": sale.id, "amount": fmt(deposit.amount), "op": "OP-16"})
    return refund
