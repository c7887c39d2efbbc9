"""Two dispatchers (two connection pools, as two processes) start together from a barrier and deliver
every event to every endpoint exactly once on PostgreSQL (`SKIP LOCKED` claims); both really took part.

Both taking part is made certain, not left to timing: the receiver holds its first answers until each
dispatcher has claimed some attempts. There are more endpoints than one dispatcher has slots
(`concurrency.total` 16 against 12 endpoints × `per_endpoint` 2), so the first to claim cannot take them all
while nothing finishes; then the gate opens and the two race for the rest. (Without the gate, on a fast
machine the first dispatcher re-claimed every freed slot before the other's next poll: [120, 0].)"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections import Counter

import pytest
from sqlalchemy import func, select

from auction.db import Database
from auction.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from auction.webhooks.policy import load_policy
from tests.webhooks.receiver import Answer
from workers.webhook_dispatcher import WebhookDispatcher

pytestmark = pytest.mark.postgres


async def test_two_dispatchers_deliver_each_event_once(hooks, receiver, settings):
    gate = asyncio.Event()
    endpoints = [await hooks.endpoint(receiver.url(f"/e{i}")) for i in range(12)]
    for i in range(12):
        receiver.default[f"/e{i}"] = Answer(hold=gate)
    events = [await hooks.emit("sale.won", {"sale_id": n}) for n in range(12)]
    await hooks.relay()
    policy = load_policy()
    assert len(endpoints) * policy.per_endpoint > policy.concurrency  # one dispatcher cannot hold them all
    other = dataclasses.replace(hooks.runtime, db=Database(settings.database_url, pool_size=4))
    dispatchers = [WebhookDispatcher(hooks.runtime), WebhookDispatcher(other)]
    barrier = asyncio.Barrier(2)
    claimed = [0, 0]

    async def open_work() -> int:
        async with hooks.runtime.db.session() as s:
            return int(await s.scalar(select(func.count()).select_from(WebhookDelivery).where(
                WebhookDelivery.status.in_([DeliveryStatus.pending.value, DeliveryStatus.sending.value]))) or 0)

    async def run(i: int) -> None:
        d = dispatchers[i]
        await barrier.wait()
        while True:
            n = await d.run_once()
            claimed[i] += n
            if n == 0:
                if d.in_flight:
                    await asyncio.wait(list(d._tasks), return_when=asyncio.FIRST_COMPLETED)
                elif await open_work() == 0:
                    return
                else:
                    await asyncio.sleep(0.05)  # the other dispatcher holds the rest: look again soon

    async def open_gate_once_both_claimed() -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(60):  # a bound on a hang; the assertion below says what went wrong
                while not all(claimed):  # noqa: ASYNC110 - polls a plain list the dispatchers update
                    await asyncio.sleep(0.01)
        gate.set()

    try:
        await asyncio.wait_for(asyncio.gather(run(0), run(1), open_gate_once_both_claimed()), 120)
        for d in dispatchers:
            await d.drain()
    finally:
        await other.db.dispose()
    assert all(c > 0 for c in claimed), claimed  # both dispatchers claimed (and sent) some
    sent = Counter((r.path, r.headers["webhook-id"]) for r in receiver.requests)
    assert len(sent) == len(endpoints) * len(events)
    assert set(sent.values()) == {1}  # no (endpoint, event) twice
    async with hooks.runtime.db.session() as s:
        by = Counter((await s.scalars(select(WebhookAttempt.dispatcher))).all())
        assert set(by) == {d.identity for d in dispatchers} and sum(by.values()) == len(sent)
        assert await s.scalar(select(func.count()).select_from(WebhookDelivery).where(
            WebhookDelivery.status != DeliveryStatus.succeeded.value)) == 0
