"""The bidder pages' view of the user notifications (`auction/notifications`, issue 6): the list in
/hesabim, marking them read. Live delivery is `WS /ws/me`, read by web/static/js/notify.js."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from auction.notifications import service as notifications
from auction.notifications.models import Notification
from web.params import Id


@dataclass(frozen=True)
class Item:
    id: int
    seq: int
    kind: str
    title: str
    body: str
    at: datetime
    read: bool
    url: str | None


def link_of(n: Notification) -> str | None:
    """Where a notification takes the bidder: the payment view for a win, else the lot."""
    sale_id = n.data.get("sale_id") if isinstance(n.data, dict) else None
    if n.kind in ("sale_won", "payment_due", "payment_defaulted", "sale_finalised") and sale_id is not None:
        return f"/hesabim/kazandiklarim/{int(sale_id)}"
    if n.kind in ("deposit_confirmed", "deposit_refunded") and n.lot_id is not None:
        return f"/lots/{n.lot_id}/teminat"
    return f"/lots/{n.lot_id}" if n.lot_id is not None else None


def available() -> bool:
    return True


async def recent(db: AsyncSession, user_id: Id, *, limit: int = 20) -> list[Item]:
    rows = await notifications.page(db, user_id, limit=limit)
    return [Item(n.id, n.seq, n.kind, n.title, n.message, n.created_at, n.read_at is not None, link_of(n))
            for n in rows]


async def unread(db: AsyncSession, user_id: Id) -> int:
    return await notifications.unread_count(db, user_id)


async def mark_all_read(db: AsyncSession, user_id: Id, up_to_seq: int | None) -> int:
    return await notifications.mark_all_read(db, user_id, up_to_seq=up_to_seq)
