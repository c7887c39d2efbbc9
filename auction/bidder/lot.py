"""A lot as one viewer sees it (`/lots/{id}`): the lot, its sale and the round on show, the bids of that
round under pseudonyms, the KDV the price carries, and - for a bidder - his standing: participant row,
teminat, refunds, pseudonym, and why he cannot bid now if he cannot (`bidding.eligibility.bid_block`).

The sale and its round are read as the API's lot view reads them (`sales.views.sale_of_lot`); the bids
as `GET /lots/{id}/bids` (`bidding.service.list_bids`); the deposits as `GET /lots/{id}/deposits/mine`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.bidding import eligibility
from auction.bidding import service as bidding
from auction.bidding.aliases import alias_of
from auction.bidding.errors import (
    BidAmountInvalid,
    BidderBarred,
    BidderExcluded,
    BidTooLow,
    RoundClosed,
    RoundNotOpen,
    SartnameNotAccepted,
    TeminatRequired,
)
from auction.bidding.models import Participant
from auction.calendar import local_date
from auction.cases.models import Case
from auction.deposits import refunds
from auction.deposits import service as deposits
from auction.deposits.errors import Withdrawn
from auction.deposits.models import Deposit, Refund
from auction.errors import DomainError
from auction.lots import service as lots
from auction.lots.models import Lot, LotFile, LotFileKind
from auction.runtime import Runtime
from auction.sales import live, reads
from auction.sales.errors import TutanakNotFound
from auction.sales.models import Round, RoundStatus, Sale, SaleStatus
from auction.sales.views import sale_of_lot
from auction.settlement import kdv_rate_for_bidders
from auction.users.models import Office
from auction.users.principal import Principal
from auction.watch import service as watch

# The confirmation step warns (it never refuses) when an amount is far above the minimum: the typo guard
# against an extra zero, the most common mistaken bid.
TYPO_RATIO = Decimal("1.2")
TYPO_STEPS = 10

# The refusal a bid gets for each reason the page gives (the page prints the sentence for its code).
BLOCK_ERRORS: dict[str, type[DomainError]] = {
    "closed": RoundClosed, "not_open": RoundNotOpen, "teminat": TeminatRequired, "sartname": SartnameNotAccepted,
    "barred": BidderBarred, "excluded": BidderExcluded, "withdrawn": Withdrawn, "no_sale": RoundNotOpen,
}


@dataclass
class LotState:
    """Everything the lot page shows, for one viewer."""

    lot: Lot
    office: Office
    file_no: str
    now: datetime
    seq: int
    sale: Sale | None = None
    rounds: list[Round] = field(default_factory=list)
    current: Round | None = None
    photos: list[LotFile] = field(default_factory=list)
    documents: list[LotFile] = field(default_factory=list)
    bids: list[dict[str, Any]] = field(default_factory=list)
    earlier_bids: int = 0
    viewer: Principal | None = None
    part: Participant | None = None
    deposit: Deposit | None = None
    deposits: list[Deposit] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    teminat_due: Decimal | None = None
    my_alias: str | None = None
    leader_alias: str | None = None
    is_leader: bool = False
    block: str | None = None  # why the viewer cannot bid now (None = he can)
    tutanak_posted: bool = False
    watching: bool = False
    threshold: Decimal | None = None
    # the parts of `max(0.50 × M, R) + C` the texts show with the figure.
    threshold_half: Decimal | None = None
    threshold_r: Decimal | None = None
    threshold_c: Decimal | None = None
    kdv_rate: Decimal | None = None
    kdv_rate_source: str = "sartname"
    accepting_deposits: bool = False
    self_outbid: bool = False

    @property
    def is_bidder(self) -> bool:
        return self.viewer is not None and not self.viewer.is_staff

    @property
    def can_bid(self) -> bool:
        return self.block is None

    @property
    def min_next_bid(self) -> Decimal | None:
        if self.current is None or self.current.status not in (RoundStatus.open, RoundStatus.scheduled):
            return None
        return reads.min_next_bid(self.current)

    @property
    def price_now(self) -> Decimal | None:
        if self.current is None:
            return None
        return self.current.current_price

    @property
    def countdown_target(self) -> datetime | None:
        """What the timer counts to: the close of an open round, the start of a coming one."""
        if self.current is None:
            return None
        if self.current.status == RoundStatus.open:
            return self.current.ends_at
        if self.current.status == RoundStatus.scheduled:
            return self.current.starts_at
        return None

    @property
    def phase(self) -> str:
        """none | upcoming | open | closed (the round the page shows)."""
        if self.current is None:
            return "none"
        if self.current.status == RoundStatus.open:
            return "open"
        if self.current.status == RoundStatus.scheduled:
            return "upcoming"
        return "closed"

    @property
    def won(self) -> bool:
        return (self.sale is not None and self.viewer is not None and self.sale.winner_user_id == self.viewer.user_id
                and self.sale.price is not None)


async def lot_state(session: AsyncSession, runtime: Runtime, lot_id: int, viewer: Principal | None) -> LotState:
    """The lot page's one question: the lot as `viewer` (None: anonymous) sees it now."""
    lot = await lots.get_lot(session, lot_id)
    office = await session.get(Office, lot.office_id)
    case_ = await session.get(Case, lot.case_id)
    assert office is not None and case_ is not None
    now = clock.now()
    state = LotState(lot=lot, office=office, file_no=case_.file_no, now=now,
                     seq=await live.last_seq(session, lot.id), viewer=viewer)
    files = await lots.list_files(session, lot.id, None)  # the public face only, also for staff
    state.photos = [f for f in files if f.kind == LotFileKind.photo]
    state.documents = [f for f in files if f.kind != LotFileKind.photo]
    if viewer is not None and not viewer.is_staff:
        state.watching = await watch.is_watching(session, viewer.user_id, lot.id)
    of_lot = await sale_of_lot(session, lot.id)
    if of_lot is None or of_lot.sale.status == SaleStatus.draft:
        state.block = eligibility.bid_block(viewer, None, None, now)
        return state
    sale = state.sale = of_lot.sale
    state.rounds = of_lot.rounds
    cur = state.current = of_lot.current
    state.accepting_deposits = SaleStatus(sale.status) in deposits.ACCEPTING
    if cur is not None:
        state.self_outbid = cur.allow_self_outbid
        # UNCERTAIN(OP-09): the threshold is shown once R and C are locked at the round's start.
        if of_lot.show_threshold and cur.threshold is not None:
            state.threshold = cur.threshold
            state.threshold_r = cur.r_amount
            state.threshold_c = cur.c_amount
    # rule: A-31 - the texts say what the engine checks: highest > max(ratio × M, R) + C (İİK 115/1).
    state.threshold_half = reads.snapshot_of(sale).decimal("auction.threshold.appraisal_ratio") * sale.appraised_value
    # Staff never get identities here: the public page is the same for everyone; the bürosu has
    # its own, audited view. A bidder's own bids come back marked.
    bid_viewer = viewer if viewer is not None and not viewer.is_staff else None
    all_bids = await bidding.list_bids(session, lot.id, bid_viewer)
    if cur is not None:
        state.bids = [b for b in all_bids if b["round"] == cur.number]
        state.earlier_bids = len(all_bids) - len(state.bids)
        state.leader_alias = state.bids[-1]["bidder"] if state.bids else None
    state.bids.reverse()  # newest first
    state.kdv_rate, state.kdv_rate_source = kdv_rate_for_bidders(sale, lot, on=local_date(now),
                                                                 policy=runtime.policy)
    try:
        await reads.public_tutanak(session, lot.id)
        state.tutanak_posted = True
    except TutanakNotFound:
        state.tutanak_posted = False
    if viewer is not None and not viewer.is_staff:
        uid = viewer.user_id
        state.part = await eligibility.find(session, sale.id, uid)
        state.deposits = await deposits.deposits_of(session, sale.id, uid)
        state.deposit = await deposits.current_deposit(session, sale.id, uid)
        state.refunds = await refunds.refunds_of(session, sale.id, uid)
        state.teminat_due = await deposits.teminat_due(session, sale, uid)
        state.my_alias = await alias_of(session, lot.id, uid)
        state.is_leader = cur is not None and cur.leader_user_id == uid
    state.block = eligibility.bid_block(viewer, cur, state.part, now)
    return state


def block_error(block: str | None) -> DomainError:
    """The refusal a bid would get for the reason the page gives (`LotState.block`)."""
    return BLOCK_ERRORS.get(block or "", RoundNotOpen)()


@dataclass(frozen=True)
class BidConfirmation:
    """The confirmation step of a bid from the page: the amount, and the typo warning's figures."""

    amount: Decimal
    typo: bool
    steps: int
    over_min: Decimal | None


def confirm_bid(state: LotState, amount: Decimal | None, typed: str) -> BidConfirmation:
    """Check a typed amount before the bid is placed (nothing is written): refused as the bid itself would
    refuse it; warned, never refused, when it is far above the minimum (`TYPO_RATIO`, `TYPO_STEPS`)."""
    if amount is None or amount <= 0:
        raise BidAmountInvalid(details={"amount": typed})
    if state.block is not None:
        raise block_error(state.block)
    minimum = state.min_next_bid
    if minimum is not None and amount < minimum:
        raise BidTooLow(details={"min_next_bid": str(minimum)})
    base = state.price_now if state.price_now is not None else (minimum or amount)
    assert state.current is not None
    steps = (amount - base) / state.current.min_increment if state.current.min_increment else Decimal(0)
    typo = minimum is not None and (amount >= minimum * TYPO_RATIO or steps > TYPO_STEPS)
    return BidConfirmation(amount, typo, int(steps), (amount - minimum) if minimum is not None else None)
