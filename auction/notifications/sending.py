"""The database side of the message worker: claim due e-mails and SMS, record how each ended.

Claims are `FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite has one writer) with a lease and an attempt
number, exactly like webhook deliveries: several workers never send one attempt twice, and a worker that
dies mid-send leaves its messages to be claimed again once the lease runs out.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from auction import dbutil
from auction.notifications.catalogue import DeliveryLimits
from auction.notifications.models import OutboundMessage


@dataclass(frozen=True)
class Result:
    message_id: int
    attempt: int
    error: str | None = None
    permanent: bool = False


async def claim(session: AsyncSession, *, now: datetime, limits: DeliveryLimits) -> list[OutboundMessage]:
    stmt = (select(OutboundMessage).where(or_(
        and_(OutboundMessage.status == "pending", OutboundMessage.next_attempt_at <= now),
        and_(OutboundMessage.status == "sending", OutboundMessage.lease_until < now)))
        .order_by(OutboundMessage.next_attempt_at, OutboundMessage.id).limit(limits.batch))
    rows = list((await session.scalars(dbutil.claim(session, stmt))).all())
    for m in rows:
        m.status = "sending"
        m.lease_until = now + timedelta(seconds=limits.lease_seconds)
        m.attempts += 1
    await session.flush()
    return rows


async def finish(session: AsyncSession, results: list[Result], *, now: datetime, limits: DeliveryLimits,
                 rng: random.Random | None = None) -> None:
    for r in results:
        m = (await session.scalars(select(OutboundMessage).where(
            OutboundMessage.id == r.message_id, OutboundMessage.status == "sending",
            OutboundMessage.attempts == r.attempt).with_for_update())).first()
        if m is None:
            continue  # the lease ran out and another worker owns it now
        m.lease_until = None
        if r.error is None:
            m.status = "sent"
            m.sent_at = now
            m.next_attempt_at = None
            m.last_error = None
            continue
        m.last_error = r.error[:300]
        if r.permanent or m.attempts > len(limits.retry_delays):
            m.status = "failed"
            m.next_attempt_at = None
            m.reason = "refused" if r.permanent else "gave_up"
        else:
            delay = limits.retry_delays[m.attempts - 1] * (1 + (rng or random).uniform(0, limits.jitter))
            m.status = "pending"
            m.next_attempt_at = now + timedelta(seconds=delay)
