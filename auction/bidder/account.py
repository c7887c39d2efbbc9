"""A bidder's own account (`/hesabim`): his bids with receipts, his teminat and refunds, the lots he won with
what he pays, the posted tutanaklar of his lots, his watchlist. Every query is filtered by the caller's
own user id (A-34: nobody sees another bidder's rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.bidding import service as bidding
from auction.bidding.models import Bid
from auction.cases.models import Case
from auction.deposits.models import Deposit, DepositStatus, Refund
from auction.lots.models import Lot
from auction.money import ZERO
from auction.rules.policy import Policy
from auction.sales.errors import SaleNotFound, TutanakNotFound
from auction.sales.models import PaymentStatus, Round, RoundStatus, Sale, SaleStatus, Tutanak
from auction.settlement import Settlement, settlement_for_sale
from auction.users.models import Office, User
from auction.users.principal import Principal
from auction.watch import service as watch
from auction.watch.models import SavedSearch
from auction.watch.search import LotCard, SearchParams, cards_for_lots

# --- His bids -------------------------------------------------------------------------------------------


@dataclass
class LotBids:
    lot_id: int
    title: str
    sale_status: str
    round_number: int | None
    round_status: str | None
    ends_at: Any
    leader: bool
    current_price: Decimal | None
    bids: list[Bid] = field(default_factory=list)

    @property
    def state(self) -> str:
        """leading | outbid | ended (for the bidder, in the round he bid last)."""
        if self.round_status == RoundStatus.open:
            return "leading" if self.leader else "outbid"
        return "ended"


async def my_bids(session: AsyncSession, uid: int) -> list[LotBids]:
    rows = (await session.execute(
        select(Bid, Lot.title, Round.number, Round.status, Round.ends_at, Round.leader_user_id, Round.current_price,
               Sale.status)
        .join(Lot, Lot.id == Bid.lot_id).join(Round, Round.id == Bid.round_id).join(Sale, Sale.id == Bid.sale_id)
        .where(Bid.user_id == uid).order_by(Bid.id.desc()))).all()
    out: dict[int, LotBids] = {}
    for bid, title, number, rstatus, ends_at, leader, price, sstatus in rows:
        item = out.get(bid.lot_id)
        if item is None:
            item = out[bid.lot_id] = LotBids(bid.lot_id, title, sstatus, number, rstatus, ends_at, leader == uid,
                                              price)
        item.bids.append(bid)
    return list(out.values())


async def my_receipt(session: AsyncSession, viewer: Principal, bid_id: int) -> tuple[dict[str, Any], Lot | None]:
    """One of his bids' receipt (`bidding.receipt`: his own, else 404) with its lot."""
    receipt = await bidding.receipt(session, viewer, bid_id)
    return receipt, await session.get(Lot, receipt["lot_id"])


# --- His teminat ----------------------------------------------------------------------------------------


@dataclass
class DepositRow:
    deposit: Deposit
    lot_title: str
    sale_status: str
    refunds: list[Refund]


@dataclass(frozen=True)
class MyDeposits:
    rows: list[DepositRow]
    held: Decimal  # the teminat the offices hold for him now (confirmed, or being refunded)
    user_iban: str | None  # where refunds go


async def my_deposits(session: AsyncSession, uid: int) -> list[DepositRow]:
    rows = (await session.execute(select(Deposit, Lot.title, Sale.status).join(Lot, Lot.id == Deposit.lot_id)
                                  .join(Sale, Sale.id == Deposit.sale_id).where(Deposit.user_id == uid)
                                  .order_by(Deposit.id.desc()))).all()
    refunds = (await session.scalars(select(Refund).where(Refund.user_id == uid).order_by(Refund.id))).all()
    by_deposit: dict[int, list[Refund]] = {}
    for r in refunds:
        by_deposit.setdefault(r.deposit_id, []).append(r)
    return [DepositRow(d, title, status, by_deposit.get(d.id, [])) for d, title, status in rows]


async def my_teminat(session: AsyncSession, uid: int) -> MyDeposits:
    rows = await my_deposits(session, uid)
    held = sum((r.deposit.amount for r in rows
                if r.deposit.status in (DepositStatus.confirmed, DepositStatus.refunding)), ZERO)
    return MyDeposits(rows, held, await session.scalar(select(User.iban).where(User.id == uid)))


# --- What he won ----------------------------------------------------------------------------------------


@dataclass
class Won:
    sale: Sale
    lot: Lot
    office: Office
    settlement: Settlement | None
    file_no: str = ""  # the icra dosyası: what the bank transfer's description names, with the lot

    @property
    def overdue(self) -> bool:
        due = self.settlement.payment_due_at if self.settlement else None
        return due is not None and clock.now() > due and self.sale.status == SaleStatus.awarded


async def my_won(session: AsyncSession, policy: Policy | None, uid: int, sale_id: int | None = None) -> list[Won]:
    stmt = (select(Sale, Lot, Office, Case.file_no).join(Lot, Lot.id == Sale.lot_id)
            .join(Office, Office.id == Sale.office_id).join(Case, Case.id == Sale.case_id)
            .where(Sale.winner_user_id == uid, Sale.price.is_not(None))
            .order_by(Sale.ihale_date.desc(), Sale.id.desc()))
    if sale_id is not None:
        stmt = stmt.where(Sale.id == sale_id)
    out = []
    for sale, lot, office, file_no in (await session.execute(stmt)).all():
        out.append(Won(sale, lot, office, await settlement_for_sale(session, sale, policy=policy), file_no))
    return out


async def my_won_sale(session: AsyncSession, policy: Policy | None, uid: int, sale_id: int) -> Won:
    """One lot he won, with its payment view; another buyer's sale is simply not found."""
    rows = await my_won(session, policy, uid, sale_id)
    if not rows:
        raise SaleNotFound(details={"sale_id": sale_id})
    return rows[0]


# --- His documents --------------------------------------------------------------------------------------


async def my_tutanaklar(session: AsyncSession, uid: int) -> list[tuple[Tutanak, str]]:
    """The posted tutanaklar (public copies) of the lots I bid on or deposited for."""
    lot_ids = set((await session.scalars(select(Bid.lot_id).where(Bid.user_id == uid).distinct())).all())
    lot_ids |= set((await session.scalars(select(Deposit.lot_id).where(Deposit.user_id == uid).distinct())).all())
    if not lot_ids:
        return []
    rows = (await session.execute(select(Tutanak, Lot.title).join(Lot, Lot.id == Tutanak.lot_id)
                                  .where(Tutanak.lot_id.in_(lot_ids), Tutanak.posted_at.is_not(None))
                                  .order_by(Tutanak.posted_at.desc()))).all()
    return [(t, title) for t, title in rows]


async def my_tutanak(session: AsyncSession, uid: int, tutanak_id: int) -> Tutanak:
    """A posted tutanak of one of his lots (public copy, OP-10); any other is not found."""
    mine = {t.id: t for t, _ in await my_tutanaklar(session, uid)}
    tutanak = mine.get(tutanak_id)
    if tutanak is None:
        raise TutanakNotFound(details={"tutanak_id": tutanak_id})
    return tutanak


@dataclass(frozen=True)
class MyDocuments:
    lots: list[LotBids]
    tutanaklar: list[tuple[Tutanak, str]]
    won: list[Won]


async def my_documents(session: AsyncSession, policy: Policy | None, uid: int) -> MyDocuments:
    return MyDocuments(await my_bids(session, uid), await my_tutanaklar(session, uid),
                       await my_won(session, policy, uid))


# --- The overview and the watchlist ----------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    active: list[LotBids]  # lots where his last round is open
    won: list[Won]  # awarded with the price still due (the overview's "payment awaited")
    watched_count: int
    user: User | None
    bid_lots: int


async def overview(session: AsyncSession, policy: Policy | None, uid: int) -> Overview:
    bids = await my_bids(session, uid)
    return Overview(
        active=[b for b in bids if b.round_status == RoundStatus.open],
        won=[w for w in await my_won(session, policy, uid)
             if w.sale.status == SaleStatus.awarded and w.sale.payment_status == PaymentStatus.due],
        watched_count=len(await watch.watched_lot_ids(session, uid)), user=await session.get(User, uid),
        bid_lots=len(bids))


@dataclass(frozen=True)
class Watchlist:
    cards: list[LotCard]  # in watchlist order
    watched: set[int]
    searches: list[SavedSearch]
    search_params: dict[int, SearchParams]


async def watchlist(session: AsyncSession, uid: int, now: datetime) -> Watchlist:
    ids = await watch.watched_lot_ids(session, uid)
    cards = await cards_for_lots(session, ids, now)
    searches = await watch.saved_searches(session, uid)
    return Watchlist([cards[i] for i in ids if i in cards], set(ids), searches,
                     {s.id: watch.search_params(s) for s in searches})
