"""The outbox relay: hands every committed outbox event to its consumers, exactly once.

A pass claims a batch of events with `relayed_at IS NULL` (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so
any number of relays share the work without taking the same event; the single writer on SQLite), gives
the whole batch to every consumer in the SAME transaction, then sets `relayed_at`. Either all of that
commits or none of it does: a relay killed half-way leaves the events unrelayed and the next pass does
them again from scratch, so nothing is lost and nothing is done twice. What a consumer wants to push
live (the `user:{id}` channel) it publishes after commit (`auction.db.after_commit`).

Consumers today: notifications (`auction.notifications.outbox`). The webhook dispatcher plugs in the
same way: an object with `name` and `async consume(session, events)` that writes its delivery rows in
the relay's transaction (add it to `default_consumers`).

A batch whose consumer raises is retried event by event, so one bad event never holds back the others;
an event that fails on its own gets `attempts + 1` and is retried on later passes (fresh events first),
until `MAX_ATTEMPTS`, after which it stays unrelayed and is logged as an error for an operator.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Protocol

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.dbutil import claim
from auction.events.models import OutboxEvent
from auction.events.service import OUTBOX_WAKEUP_CHANNEL
from auction.notifications.outbox import NotificationsConsumer
from auction.runtime import Runtime
from auction.watch.alerts import WatchAlertsConsumer
from workers.base import Worker

log = structlog.get_logger(__name__)

MAX_ATTEMPTS = 20
TRANSIENT_RETRIES = 3


def transient(exc: BaseException) -> bool:
    """A deadlock or serialization failure (PostgreSQL 40P01 / 40001): retry, it is nobody's fault."""
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "pgcode", None) or getattr(orig, "sqlstate", None)
    return code in ("40P01", "40001")


class OutboxConsumer(Protocol):
    name: str

    async def consume(self, session: AsyncSession, events: Sequence[OutboxEvent]) -> None:
        """Do this consumer's part for `events` inside `session`'s transaction (no commit, no I/O that
        cannot be undone: anything external happens after commit or from rows written here)."""


def default_consumers(runtime: Runtime) -> list[OutboxConsumer]:
    # The bidder web's watch and saved-search alerts (auction/watch/alerts.py) ride the same relay.
    return [NotificationsConsumer(runtime.broker), WatchAlertsConsumer(runtime.broker)]


class OutboxRelay(Worker):
    name = "outbox_relay"
    interval = 1.0
    wake_channel = OUTBOX_WAKEUP_CHANNEL
    batch = 200

    def __init__(self, runtime: Runtime, consumers: list[OutboxConsumer] | None = None) -> None:
        super().__init__(runtime)
        self.consumers = consumers if consumers is not None else default_consumers(runtime)

    async def run_once(self) -> int:
        done, failed = await self._relay_batch()
        if failed:
            done += await self._relay_singly(failed)
        retried = await self._retry_failed()
        return done + retried

    async def _consume(self, session: AsyncSession, events: Sequence[OutboxEvent]) -> None:
        for consumer in self.consumers:
            await consumer.consume(session, events)
        await session.execute(update(OutboxEvent).where(OutboxEvent.id.in_([e.id for e in events]),
                                                        OutboxEvent.relayed_at.is_(None))
                              .values(relayed_at=clock.now()).execution_options(synchronize_session=False))

    async def _relay_batch(self) -> tuple[int, list[int]]:
        """One batch of fresh events in one transaction. Returns (relayed, ids to retry one by one)."""
        ids: list[int] = []
        for attempt in range(1, TRANSIENT_RETRIES + 1):
            try:
                async with self.runtime.db.session() as session:
                    stmt = (select(OutboxEvent).where(OutboxEvent.relayed_at.is_(None), OutboxEvent.attempts == 0)
                            .order_by(OutboxEvent.id).limit(self.batch))
                    events = list((await session.scalars(claim(session, stmt))).all())
                    ids = [e.id for e in events]
                    if events:
                        await self._consume(session, events)
                return len(ids), []
            except Exception as exc:
                if transient(exc) and attempt < TRANSIENT_RETRIES:
                    # Two relays whose consumers lock rows (notification counters) in different orders
                    # can deadlock; the database aborts one of them: simply do the batch again.
                    log.info("outbox_batch_retry", events=len(ids), error=type(exc).__name__)
                    continue
                log.exception("outbox_batch_failed", events=len(ids))
        return 0, ids

    async def _relay_one(self, event_id: int) -> bool | None:
        """Relay one event in its own transaction: True done, None already done/taken, False failed."""
        for attempt in range(1, TRANSIENT_RETRIES + 1):
            try:
                async with self.runtime.db.session() as session:
                    stmt = select(OutboxEvent).where(OutboxEvent.id == event_id, OutboxEvent.relayed_at.is_(None))
                    event = (await session.scalars(claim(session, stmt))).first()
                    if event is None:
                        return None
                    await self._consume(session, [event])
                return True
            except Exception as exc:
                if transient(exc) and attempt < TRANSIENT_RETRIES:
                    continue  # a deadlock or serialization failure is not the event's fault
                log.exception("outbox_event_failed", outbox_id=event_id)
                break
        async with self.runtime.db.session() as session:
            attempts = await session.scalar(
                update(OutboxEvent).where(OutboxEvent.id == event_id, OutboxEvent.relayed_at.is_(None))
                .values(attempts=OutboxEvent.attempts + 1).returning(OutboxEvent.attempts)
                .execution_options(synchronize_session=False))
        if attempts is not None and attempts >= MAX_ATTEMPTS:
            log.error("outbox_event_gave_up", outbox_id=event_id, attempts=attempts)
        return False

    async def _relay_singly(self, ids: list[int]) -> int:
        done = 0
        for event_id in ids:
            if await self._relay_one(event_id):
                done += 1
        return done

    async def _retry_failed(self) -> int:
        """Events that failed before, one at a time, once their backoff (2^attempts s after the event,
        at most an hour apart) has passed; a handful per pass."""
        now = clock.now()
        async with self.runtime.db.session() as session:
            rows = (await session.execute(
                select(OutboxEvent.id, OutboxEvent.occurred_at, OutboxEvent.attempts)
                .where(OutboxEvent.relayed_at.is_(None), OutboxEvent.attempts > 0, OutboxEvent.attempts < MAX_ATTEMPTS)
                .order_by(OutboxEvent.attempts, OutboxEvent.id).limit(50))).all()
        due = [i for i, at, n in rows if at + timedelta(seconds=min(3600, 2 ** int(n))) <= now][:5]
        await self._relay_singly(due)
        # 0 even on success: a poisoned event must never make the loop spin without sleeping.
        return 0
