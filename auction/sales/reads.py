"""Reading a sale's records: the sale (office-scoped for staff), its rounds, the round a lot page shows, the
next minimum bid, its tutanaklar. No writes; every other sales module and the bidding and teminat code
read sales through here.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction.dbutil import get_one
from auction.lots import service as lots
from auction.sales.errors import NoSale, SaleNotFound, TutanakNotFound
from auction.sales.models import Round, RoundStatus, Sale, SaleStatus, Tutanak
from auction.sales.snapshot import Snapshot
from auction.users.principal import Principal
from auction.users.scope import get_of_office, office_statement


async def get_sale(session: AsyncSession, sale_id: int) -> Sale:
    return await get_one(session, Sale, sale_id, SaleNotFound, "sale_id")


async def get_sale_for(session: AsyncSession, actor: Principal, sale_id: int) -> Sale:
    """A sale the actor may act on (office scope, A-34)."""
    return await get_of_office(session, actor, Sale, sale_id, SaleNotFound, "sale_id")


async def list_sales(session: AsyncSession, actor: Principal, *, status: str | None = None, limit: int = 50,
                     offset: int = 0) -> list[Sale]:
    stmt = office_statement(actor, Sale).order_by(Sale.id.desc()).limit(limit).offset(offset)
    if status:
        stmt = stmt.where(Sale.status == status)
    return list((await session.scalars(stmt)).all())


async def rounds_of(session: AsyncSession, sale_id: int) -> list[Round]:
    stmt = select(Round).where(Round.sale_id == sale_id).order_by(Round.number)
    return list((await session.scalars(stmt)).all())


async def latest_sale_of_lot(session: AsyncSession, lot_id: int) -> Sale | None:
    stmt = select(Sale).where(Sale.lot_id == lot_id).order_by(Sale.id.desc()).limit(1)
    return (await session.scalars(stmt)).first()


async def require_sale_of_lot(session: AsyncSession, lot_id: int) -> Sale:
    await lots.get_lot(session, lot_id)
    sale = await latest_sale_of_lot(session, lot_id)
    if sale is None:
        raise NoSale(details={"lot_id": lot_id})
    return sale


def current_round(rounds: list[Round], sale_status: str) -> Round | None:
    """The round a lot page shows: the open one; while the sale waits for a round (announced, awaiting
    round 2) the next scheduled one; otherwise the last one that ran."""
    for r in rounds:
        if r.status == RoundStatus.open:
            return r
    # Rounds in the order they ran: an outage extension (S-08) runs after the round it extends although
    # its number is higher than round 2's.
    done = sorted((r for r in rounds if r.status in (RoundStatus.closed, RoundStatus.cancelled)),
                  key=lambda r: (r.closed_at or r.ends_at, r.id))
    scheduled = [r for r in rounds if r.status == RoundStatus.scheduled]
    if sale_status == SaleStatus.extension_scheduled:
        extension = [r for r in scheduled if r.extension_of is not None]
        if extension:
            return extension[0]
    scheduled = [r for r in scheduled if r.extension_of is None]
    if scheduled and (sale_status in (SaleStatus.announced, SaleStatus.awaiting_round2) or not done):
        return scheduled[0]
    return done[-1] if done else None


def snapshot_of(sale: Sale) -> Snapshot:
    return Snapshot(sale.rules, sale.policy)


def min_next_bid(r: Round) -> Decimal:
    # rule: A-32 (UNCERTAIN OP-08: first bid ≥ opening price), A-33 (each later bid ≥ highest + increment)
    return r.opening_price if r.current_price is None else r.current_price + r.min_increment


async def last_closed_round(session: AsyncSession, sale_id: int) -> Round | None:
    """The round that closed last (an outage extension closes after the round it extends)."""
    stmt = (select(Round).where(Round.sale_id == sale_id, Round.status == RoundStatus.closed.value)
            .order_by(Round.closed_at.desc(), Round.id.desc()).limit(1))
    return (await session.scalars(stmt)).first()


async def tutanaklar_of(session: AsyncSession, sale_id: int) -> list[Tutanak]:
    stmt = select(Tutanak).where(Tutanak.sale_id == sale_id).order_by(Tutanak.id)
    return list((await session.scalars(stmt)).all())


async def get_tutanak_for(session: AsyncSession, actor: Principal, tutanak_id: int) -> Tutanak:
    return await get_of_office(session, actor, Tutanak, tutanak_id, TutanakNotFound, "tutanak_id")


async def public_tutanak(session: AsyncSession, lot_id: int) -> Tutanak:
    """The latest posted tutanak of a lot (public copy, OP-10)."""
    stmt = (select(Tutanak).where(Tutanak.lot_id == lot_id, Tutanak.posted_at.is_not(None))
            .order_by(Tutanak.id.desc()).limit(1))
    t = (await session.scalars(stmt)).first()
    if t is None:
        raise TutanakNotFound(details={"lot_id": lot_id})
    return t
