"""A bidder's pseudonym on a lot, "Teklif n" (A-34): the one place that hands out and spells it.

Other bidders, the live feed, the bid list, the close and the public tutanak only ever name a bidder by
it; the number is his order of first bidding on the lot and stays his for every round of it.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from auction.bidding.models import LotAlias


def pseudonym(number: int) -> str:
    return f"Teklif {number}"


async def alias_of(session: AsyncSession, lot_id: int, user_id: int | None) -> str | None:
    """The bidder's pseudonym on the lot, or None if he has not bid on it (or there is no bidder)."""
    if user_id is None:
        return None
    number = await session.scalar(select(LotAlias.number).where(LotAlias.lot_id == lot_id,
                                                                 LotAlias.user_id == user_id))
    return pseudonym(number) if number is not None else None


async def assign_alias(session: AsyncSession, lot_id: int, user_id: int) -> str:
    """The bidder's pseudonym, handed out at his first bid on the lot. Called while the bid's transaction
    holds the round row's lock, so two first bids on one lot cannot take the same number (the unique
    index is the net)."""
    number = await session.scalar(select(LotAlias.number).where(LotAlias.lot_id == lot_id,
                                                                LotAlias.user_id == user_id))
    if number is None:
        number = int(await session.scalar(select(func.coalesce(func.max(LotAlias.number), 0))
                                          .where(LotAlias.lot_id == lot_id)) or 0) + 1
        session.add(LotAlias(lot_id=lot_id, user_id=user_id, number=number))
    return pseudonym(number)
