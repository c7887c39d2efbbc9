"""The outbox relay: every user-targeted event becomes exactly one notification, with a gap-free seq
per user, even with two relays at once (PostgreSQL) and a consumer that fails on one event."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import func, select

from auction.db import Database
from auction.events import service as events
from auction.events.models import OutboxEvent
from auction.notifications.models import Notification
from auction.notifications.outbox import NotificationsConsumer
from workers.outbox_relay import MAX_ATTEMPTS, OutboxRelay


async def _emit(runtime: Any, users: list[Any], per_user: int) -> None:
    """Interleaved events for every user, a few per transaction (as the engine writes them)."""
    n = 0
    for round_ in range(per_user):
        async with runtime.db.session() as s:
            for actor in users:
                n += 1
                events.emit(s, "deposit.confirmed", {"user_id": actor.user.id, "lot_id": None, "amount": "1000.00",
                                                     "deposit_id": n}, subject_type="deposit", subject_id=n,
                            office_id=None)
            events.emit(s, "round.opened", {"lot_id": None, "round": round_}, subject_type="sale", subject_id=1,
                        office_id=None)


async def _check(runtime: Any, users: list[Any], per_user: int) -> None:
    async with runtime.db.session() as s:
        pending = select(func.count()).select_from(OutboxEvent).where(OutboxEvent.relayed_at.is_(None))
        assert await s.scalar(pending) == 0
        for actor in users:
            rows = (await s.execute(select(Notification.seq, Notification.key).where(
                Notification.user_id == actor.user.id).order_by(Notification.seq))).all()
            assert [r.seq for r in rows] == list(range(1, per_user + 1))  # gap-free, no duplicates
            assert len({r.key for r in rows}) == per_user


async def test_each_event_is_relayed_once(runtime, make_actor):
    users = [await make_actor("bidder") for _ in range(3)]
    await _emit(runtime, users, 4)
    relay = OutboxRelay(runtime)
    assert await relay.run_once() == 16  # 12 user events + 4 others, all marked relayed
    assert await relay.run_once() == 0
    await _check(runtime, users, 4)


@pytest.mark.postgres
async def test_two_relays_at_once_never_lose_or_duplicate_a_notification(runtime, make_actor, settings):
    users = [await make_actor("bidder") for _ in range(4)]
    per_user = 60
    await _emit(runtime, users, per_user)
    # Two relays with their own connection pools, as in two processes; small batches so they interleave.
    other = dataclasses.replace(runtime, db=Database(settings.database_url, pool_size=4))
    relays = [OutboxRelay(runtime), OutboxRelay(other)]
    for relay in relays:
        relay.batch = 7
    done = [0, 0]

    async def drain(i: int) -> None:
        while (n := await relays[i].run_once()) > 0:
            done[i] += n

    try:
        await asyncio.gather(drain(0), drain(1))
    finally:
        await other.db.dispose()
    assert sum(done) == len(users) * per_user + per_user
    assert all(d > 0 for d in done), done  # both really took part
    await _check(runtime, users, per_user)


class _EveryoneHears:
    """A second consumer that notifies the same users for every event (like a lot's watchers): with the
    first consumer it makes two relays lock counter rows in different orders, i.e. real deadlocks."""

    name = "everyone"

    def __init__(self, runtime: Any, users: list[Any]) -> None:
        self.runtime, self.users = runtime, users

    async def consume(self, session: Any, batch: Sequence[OutboxEvent]) -> None:
        from auction.notifications.service import NewNotification, notify

        await notify(session, [NewNotification(user_id=u.user.id, kind="test", title="t", message="m",
                                               key=f"all:{e.event_id}") for e in batch for u in self.users],
                     self.runtime.broker)


@pytest.mark.postgres
async def test_relays_retry_a_deadlock_instead_of_failing_the_events(runtime, make_actor, settings):
    users = [await make_actor("bidder") for _ in range(4)]
    # Each deadlock costs PostgreSQL's deadlock_timeout (1 s) to detect: 10 events per user still give a few
    # dozen interleaved batches (with 25 the test took 45-63 s of CI).
    per_user = 10
    await _emit(runtime, users, per_user)
    other = dataclasses.replace(runtime, db=Database(settings.database_url, pool_size=4))
    relays = [OutboxRelay(rt, consumers=[NotificationsConsumer(rt.broker), _EveryoneHears(rt, users)])
              for rt in (runtime, other)]
    for relay in relays:
        relay.batch = 3

    async def drain(relay: OutboxRelay) -> None:
        while await relay.run_once() > 0:
            pass

    try:
        await asyncio.gather(*(drain(r) for r in relays))
        await drain(relays[0])  # whatever a relay set aside for a retry
    finally:
        await other.db.dispose()
    async with runtime.db.session() as s:
        pending = select(func.count()).select_from(OutboxEvent).where(OutboxEvent.relayed_at.is_(None))
        assert await s.scalar(pending) == 0
        assert await s.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.attempts > 0)) == 0
        total_events = len(users) * per_user + per_user
        for actor in users:
            seqs = (await s.scalars(select(Notification.seq).where(Notification.user_id == actor.user.id)
                                    .order_by(Notification.seq))).all()
            assert list(seqs) == list(range(1, per_user + total_events + 1))


class _FailsOn:
    name = "flaky"

    def __init__(self, deposit_id: int) -> None:
        self.deposit_id = deposit_id

    async def consume(self, session: Any, batch: Sequence[OutboxEvent]) -> None:
        if any(e.data.get("deposit_id") == self.deposit_id for e in batch):
            raise RuntimeError("this consumer cannot handle that event")


async def test_an_event_a_consumer_fails_on_does_not_hold_back_the_others(runtime, make_actor, manual_clock):
    # The clock stands still: on a loaded machine the pass can outlast the failed event's 2 s backoff, and
    # its own retry step would then try it a second time before the assertion below (attempts 2, not 1).
    users = [await make_actor("bidder") for _ in range(2)]
    await _emit(runtime, users, 3)  # deposit ids 1..6
    relay = OutboxRelay(runtime, consumers=[NotificationsConsumer(runtime.broker), _FailsOn(deposit_id=4)])
    assert await relay.run_once() == 8  # everything but the one bad event
    async with runtime.db.session() as s:
        bad = (await s.scalars(select(OutboxEvent).where(OutboxEvent.relayed_at.is_(None)))).all()
        assert [(e.data["deposit_id"], e.attempts) for e in bad] == [(4, 1)]
        # Its notification was rolled back with it: nothing half-done, no seq taken.
        assert await s.scalar(select(func.count()).select_from(Notification)) == 5
    # Fixed (e.g. a new release): the retry relays it, once.
    fixed = OutboxRelay(runtime)
    async with runtime.db.session() as s:
        event = (await s.scalars(select(OutboxEvent).where(OutboxEvent.relayed_at.is_(None)))).one()
        event.occurred_at = event.occurred_at.replace(year=event.occurred_at.year - 1)  # its backoff has passed
    await fixed.run_once()
    await _check(runtime, users, 3)
    assert MAX_ATTEMPTS > 1
