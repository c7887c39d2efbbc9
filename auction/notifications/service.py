"""Creating, reading and marking notifications.

`notify()` appends notifications inside the caller's transaction: per user it locks the counter row,
skips keys that already exist (idempotent), hands out the next `seq` numbers and, after commit only,
publishes each notification on the broker channel `user:{user_id}` in its WebSocket shape. Users are
locked in ascending id order, so two writers (two relays) can never deadlock on each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.broker import Broker
from auction.clock import iso_ms
from auction.db import after_commit
from auction.dbutil import dialect
from auction.notifications.errors import NotificationNotFound
from auction.notifications.models import Notification, NotificationCounter


@dataclass(frozen=True)
class NewNotification:
    user_id: int
    kind: str
    title: str
    message: str
    key: str
    lot_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


def channel(user_id: int) -> str:
    return f"user:{user_id}"


def message_of(n: Notification) -> dict[str, Any]:
    """The WebSocket / broker message of a stored notification (also the API's item shape)."""
    return {
        "type": "notification", "seq": n.seq, "id": n.id, "kind": n.kind, "title": n.title, "message": n.message,
        "lot_id": n.lot_id, "data": n.data, "created_at": iso_ms(n.created_at),
        "read_at": iso_ms(n.read_at) if n.read_at is not None else None,
    }


async def _lock_counter(session: AsyncSession, user_id: int) -> int:
    """Make sure the user's counter row exists, lock it (PostgreSQL; SQLite has one writer) and return
    its value."""
    ins: Any = (postgresql.insert(NotificationCounter) if dialect(session) == "postgresql"
                else sqlite.insert(NotificationCounter))
    await session.execute(ins.values(user_id=user_id, last_seq=0).on_conflict_do_nothing(index_elements=["user_id"]))
    value = await session.scalar(select(NotificationCounter.last_seq).where(NotificationCounter.user_id == user_id)
                                 .with_for_update())
    return int(value or 0)


async def notify(session: AsyncSession, items: Sequence[NewNotification], broker: Broker | None) -> list[Notification]:
    """Add `items` to the caller's transaction; returns the notifications created (those whose
    `(user_id, key)` already existed are skipped, so calling twice notifies once)."""
    by_user: dict[int, list[NewNotification]] = {}
    for item in items:
        by_user.setdefault(item.user_id, []).append(item)
    created: list[Notification] = []
    now = clock.now()
    for user_id in sorted(by_user):
        last = await _lock_counter(session, user_id)
        wanted = by_user[user_id]
        # Checked after the lock: a concurrent writer of the same key has committed (or rolled back) by now.
        existing = set((await session.scalars(select(Notification.key).where(
            Notification.user_id == user_id, Notification.key.in_([i.key for i in wanted])))).all())
        fresh: list[Notification] = []
        for item in wanted:
            if item.key in existing:
                continue
            existing.add(item.key)
            last += 1
            fresh.append(Notification(user_id=user_id, seq=last, kind=item.kind, title=item.title,
                                      message=item.message, data=item.data, lot_id=item.lot_id, key=item.key,
                                      created_at=now, read_at=None))
        if not fresh:
            continue
        session.add_all(fresh)
        await session.execute(update(NotificationCounter).where(NotificationCounter.user_id == user_id)
                              .values(last_seq=last).execution_options(synchronize_session=False))
        created.extend(fresh)
    if created and broker is not None:
        await session.flush()  # ids for the messages
        messages = [(channel(n.user_id), message_of(n)) for n in created]

        async def publish() -> None:
            for name, message in messages:
                await broker.publish(name, message)

        after_commit(session, publish)
    return created


# --- reading ---------------------------------------------------------------------------------------------


async def last_seq(session: AsyncSession, user_id: int) -> int:
    value = await session.scalar(select(NotificationCounter.last_seq).where(NotificationCounter.user_id == user_id))
    return int(value or 0)


async def heads(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, int]:
    """The last seq of each user (0 for a user without notifications), in one query."""
    if not user_ids:
        return {}
    rows = (await session.execute(select(NotificationCounter.user_id, NotificationCounter.last_seq)
                                  .where(NotificationCounter.user_id.in_(list(user_ids))))).all()
    out = {uid: 0 for uid in user_ids}
    out.update({int(uid): int(seq) for uid, seq in rows})
    return out


async def after(session: AsyncSession, user_id: int, after_seq: int, limit: int = 500) -> list[Notification]:
    stmt = (select(Notification).where(Notification.user_id == user_id, Notification.seq > after_seq)
            .order_by(Notification.seq).limit(limit))
    return list((await session.scalars(stmt)).all())


async def page(session: AsyncSession, user_id: int, *, before_seq: int | None = None, unread_only: bool = False,
               limit: int = 50) -> list[Notification]:
    """Newest first; `before_seq` pages further back."""
    stmt = select(Notification).where(Notification.user_id == user_id)
    if before_seq is not None:
        stmt = stmt.where(Notification.seq < before_seq)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return list((await session.scalars(stmt.order_by(Notification.seq.desc()).limit(limit))).all())


async def unread_count(session: AsyncSession, user_id: int) -> int:
    value = await session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.user_id == user_id, Notification.read_at.is_(None)))
    return int(value or 0)


async def mark_read(session: AsyncSession, user_id: int, notification_id: int) -> Notification:
    n = await session.get(Notification, notification_id)
    if n is None or n.user_id != user_id:  # someone else's is "not found", never "forbidden"
        raise NotificationNotFound(details={"id": notification_id})
    if n.read_at is None:
        n.read_at = clock.now()
        await session.flush()
    return n


async def mark_all_read(session: AsyncSession, user_id: int, *, up_to_seq: int | None = None) -> int:
    """Mark every unread notification (up to `up_to_seq`, so one that arrived meanwhile stays unread)."""
    stmt = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if up_to_seq is not None:
        stmt = stmt.where(Notification.seq <= up_to_seq)
    result = await session.execute(stmt.values(read_at=clock.now()).execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
