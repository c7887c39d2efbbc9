"""A bidder's teminat for one lot (`/lots/{id}/teminat`): the round it would be for, what he may do now
(pay, send a mektup scan, withdraw) and when a refund would come.

Every "may he" here is the engine's own rule read ahead of time: the deadlines are the round's (A-52),
the sale must be taking teminat (`deposits.ACCEPTING`, S-04), a withdrawal needs OP-16 and a bidder who
is not the highest (A-35); the engine refuses the same things when he tries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction.bidder.lot import LotState, lot_state
from auction.bidding import service as bidding
from auction.bidding.errors import SartnameNotAccepted
from auction.calendar import add_working_days, format_local, local_datetime, office_closing_time, tutanak_due
from auction.deposits import service as deposits
from auction.deposits.errors import WithdrawNotConfirmed
from auction.deposits.models import Deposit, DepositStatus
from auction.mektup import service as mektup
from auction.mektup.models import MektupSubmission
from auction.rules.policy import Policy
from auction.rules.table import rulebook
from auction.runtime import Runtime
from auction.sales.errors import NoSale
from auction.sales.models import Round, RoundStatus
from auction.sales.reads import snapshot_of
from auction.storage import Storage
from auction.users.models import User
from auction.users.principal import Principal


@dataclass
class TeminatView:
    """The teminat page of one lot for one bidder."""

    state: LotState
    target: Round | None
    submissions: list[MektupSubmission] = field(default_factory=list)
    can_pay: bool = False
    can_mektup: bool = False
    can_withdraw: bool = False
    refund_estimate: dict[str, str] | None = None
    carry_to_round2: bool = False
    user_iban: str | None = None


def target_round(state: LotState) -> Round | None:
    """The round a new teminat would be for: the open one, else the next scheduled one (as the engine's
    `deposits.target_round`, without refusing)."""
    for r in state.rounds:
        if r.status == RoundStatus.open:
            return r
    for r in state.rounds:
        if r.status == RoundStatus.scheduled:
            return r
    return None


def refund_estimate(state: LotState, policy: Policy | None) -> dict[str, str] | None:
    """A-55 / OP-17 in dates: the tutanak is due on the first working day after the round's close; the
    refund instruction within 3 working days of its posting (İİK 9/2 by analogy)."""
    cur = state.current
    if state.sale is None or cur is None or cur.status not in (RoundStatus.open, RoundStatus.scheduled):
        return None
    if state.sale.ruleset == "demo":
        return None  # the demo ruleset posts the tutanak seconds after the close: no calendar dates to give
    due = tutanak_due(cur.ends_at, on=state.sale.ilan_date, policy=policy)
    days = rulebook().row("auction.refund.instruct_working_days", due.day).integer()
    last = add_working_days(due.day, days, policy=policy)
    refund_at: datetime = local_datetime(last, office_closing_time(last))
    return {"tutanak": due.day.strftime("%d.%m.%Y"), "refund": format_local(refund_at)}


async def teminat_view(session: AsyncSession, runtime: Runtime, lot_id: int, viewer: Principal) -> TeminatView:
    state = await lot_state(session, runtime, lot_id, viewer)
    sale = state.sale
    if sale is None:
        raise NoSale(details={"lot_id": lot_id})
    target = target_round(state)
    now = state.now
    subs = await mektup.mine(session, viewer.user_id, sale.id)
    pending_sub = any(m.status == "submitted" for m in subs)
    has_current = state.deposit is not None
    open_ok = state.accepting_deposits and target is not None and not (state.part and state.part.withdrawn_at)
    return TeminatView(
        state=state, target=target, submissions=subs,
        can_pay=open_ok and not has_current and not pending_sub and target is not None
        and now <= target.cash_deadline,
        can_mektup=open_ok and not has_current and not pending_sub and target is not None
        and now <= target.mektup_deadline,
        # UNCERTAIN(OP-16): withdrawal by a bidder who is not the highest (`teminat.allow_withdraw_…`).
        can_withdraw=(state.deposit is not None and state.deposit.status == DepositStatus.confirmed
                      and state.accepting_deposits and not state.is_leader
                      and bool(snapshot_of(sale).pol("teminat.allow_withdraw_when_not_highest"))),
        refund_estimate=refund_estimate(state, runtime.policy),
        # Proposed OP-49 (engine): a failed round 1's teminat stays for round 2 unless taken back.
        carry_to_round2=bool(sale.policy.get("teminat.carry_to_round2", {}).get("value"))
        and any(r.number == 2 and r.status == RoundStatus.scheduled for r in state.rounds),
        user_iban=await session.scalar(select(User.iban).where(User.id == viewer.user_id)),
    )


# --- What the bidder does on the page ------------------------------------------------------------------


async def pay(session: AsyncSession, runtime: Runtime, viewer: Principal, lot_id: int, *,
              sartname_accepted: bool) -> Deposit:
    """Start the cash teminat. Paying records the şartname acceptance (A-23), so the bidder ticks it."""
    if not sartname_accepted:
        raise SartnameNotAccepted()
    deposit, _created = await deposits.create_deposit(session, runtime, viewer, lot_id)
    return deposit


async def send_mektup(session: AsyncSession, storage: Storage, viewer: Principal, lot_id: int, *,
                      sartname_accepted: bool, bank: str, mektup_no: str, amount: Decimal | None, data: bytes,
                      content_type: str) -> MektupSubmission:
    """Send the scan of a teminat mektubu for the office to check (A-51); accepts the şartname (A-23)."""
    if not sartname_accepted:
        raise SartnameNotAccepted()
    await bidding.accept_sartname(session, viewer, lot_id)
    return await mektup.submit(session, storage, viewer, lot_id, bank=bank, mektup_no=mektup_no, amount=amount,
                               data=data, content_type=content_type)


async def withdraw(session: AsyncSession, runtime: Runtime, viewer: Principal, lot_id: int, *,
                   confirmed: bool) -> None:
    """Take the teminat back (OP-16): he loses the right to bid in this round, so he confirms it first."""
    if not confirmed:
        raise WithdrawNotConfirmed()
    await deposits.withdraw(session, runtime, viewer, lot_id)
