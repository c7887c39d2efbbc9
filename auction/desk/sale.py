"""One sale as the desk shows it (`/staff/sales/{id}`): its record before and after the award, and which
decisions are open on it now, each with the rule it applies and the role the service demands.

The list of open decisions only chooses which forms the page offers; the services behind them still
check every condition (a form shown a moment too long meets the service's refusal, never a second
decision)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction.aftersale import views as aftersale_views
from auction.availability import service as availability
from auction.bidding import service as bidding
from auction.deposits import service as deposits
from auction.deposits.models import Deposit
from auction.lots.models import Lot
from auction.runtime import Runtime
from auction.sales import outage, reads
from auction.sales.errors import TutanakNotFound
from auction.sales.models import Round, Sale, SaleStatus, Tutanak
from auction.users.errors import EmailNotFound
from auction.users.models import Role, User
from auction.users.principal import Principal
from auction.users.scope import in_office


@dataclass(frozen=True)
class Decision:
    """A decision the page offers: its key (the form and the route), its rule, who takes it."""

    key: str
    rule: str
    role: Role


BEFORE_CLOSE = (SaleStatus.announced, SaleStatus.awaiting_round2)
BIDDING = (SaleStatus.announced, SaleStatus.round_open, SaleStatus.awaiting_round2)


@dataclass(frozen=True)
class DeskSale:
    after: aftersale_views.StaffSale
    rounds: list[Round]
    tutanaklar: list[Tutanak]
    outage: dict[str, Any] | None
    deposits: list[tuple[Deposit, str]]
    decisions: list[Decision]


def _decisions(sale: Sale, pending: Tutanak | None, report: dict[str, Any] | None) -> list[Decision]:
    status = SaleStatus(sale.status)
    out: list[Decision] = []
    if pending is not None:
        if pending.outage_report is not None and pending.outage_reviewed_at is None:
            out.append(Decision("outage_review", "A-43", Role.manager))
        else:
            out.append(Decision("tutanak_post", "A-60", Role.manager))
    if report is not None and report["extension"]["possible"]:
        out.append(Decision("outage_extension", "S-08", Role.manager))
    if status in BEFORE_CLOSE:
        out.append(Decision("threshold", "A-31", Role.staff))
    if status in BIDDING:
        out += [Decision("mektup", "A-51", Role.staff), Decision("exemption", "A-53", Role.staff),
                Decision("exclusion", "A-10", Role.staff),
                Decision("cancel", "S-02" if status != SaleStatus.round_open else "S-06", Role.manager)]
    if status == SaleStatus.awaiting_finality_check:
        out.append(Decision("finality", "S-18", Role.staff))
    if status == SaleStatus.handover:
        out.append(Decision("handover", "S-21", Role.staff))
    return out


async def desk_sale(session: AsyncSession, runtime: Runtime, actor: Principal, sale_id: int) -> DeskSale:
    """Everything the desk's sale page shows (staff of the sale's office)."""
    after = await aftersale_views.staff_sale(session, runtime.policy, actor, sale_id)
    sale = after.sale
    tutanaklar = await reads.tutanaklar_of(session, sale.id)
    pending = next((t for t in tutanaklar if t.posted_at is None and t.superseded_at is None), None)
    try:
        report: dict[str, Any] | None = await outage.report_view(session, runtime, actor, sale.id)
    except TutanakNotFound:
        report = None
    rows = await deposits.deposits_of(session, sale.id)
    names = {u.id: u.full_name for u in (await session.scalars(
        select(User).where(User.id.in_({d.user_id for d in rows})))).all()} if rows else {}
    return DeskSale(after, await reads.rounds_of(session, sale.id), tutanaklar, report,
                    [(d, names.get(d.user_id, "")) for d in rows], _decisions(sale, pending, report))


async def office_sales(session: AsyncSession, actor: Principal, limit: int = 300) -> list[tuple[Sale, str]]:
    """The office's sales with their lot's title, newest first (every office for an admin)."""
    stmt = in_office(select(Sale, Lot.title).join(Lot, Lot.id == Sale.lot_id), actor, Sale.office_id)
    return [(s, title) for s, title in (await session.execute(stmt.order_by(Sale.id.desc()).limit(limit))).all()]


async def person_id(session: AsyncSession, email: str) -> int:
    """The person a staff form names by e-mail (a bidder for a mektup, an exemption, an exclusion)."""
    user_id = await session.scalar(select(User.id).where(User.email == email.strip().lower()))
    if user_id is None:
        raise EmailNotFound(details={"email": email.strip().lower()})
    return user_id


@dataclass(frozen=True)
class LiveRound:
    """A running (or the last) round as staff watch it: its state, every bid with who made it, and the
    portal's failed requests minute by minute since it opened (the outage record, A-43)."""

    sale: Sale
    lot: Lot
    round: Round | None
    bids: list[dict[str, Any]]
    failures: list[tuple[datetime, str, int]]


async def live_round(session: AsyncSession, actor: Principal, sale_id: int, now: datetime) -> LiveRound:
    """The staff live view (office scope). Reading the bidders' identities is an A-34 view: `list_bids`
    writes its audit row, so every view of the page is on the record."""
    sale = await reads.get_sale_for(session, actor, sale_id)
    lot = await session.get(Lot, sale.lot_id)
    assert lot is not None
    rnd = reads.current_round(await reads.rounds_of(session, sale.id), sale.status)
    bids = [{**b, "at": datetime.fromisoformat(b["at"].replace("Z", "+00:00")), "amount": Decimal(b["amount"])}
            for b in await bidding.list_bids(session, lot.id, actor) if rnd is None or b["round"] == rnd.number]
    failures: list[tuple[datetime, str, int]] = []
    if rnd is not None and rnd.opened_at is not None:
        end = min(now, rnd.closed_at or now)
        failures = [(m.minute, m.source, m.failures)
                    for m in await availability.failures_between(session, rnd.opened_at, end)]
    return LiveRound(sale, lot, rnd, bids, failures)
