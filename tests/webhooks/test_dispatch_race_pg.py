"""Two dispatchers (two connection pools, as two processes) start together from a barrier and deliver
every event to every endpoint exactly once on PostgreSQL (`SKIP LOCKED` claims); both really took part."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter

import pytest
from sqlalchemy import func, select

from auction.db import Database
from auction.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from workers.webhook_dispatcher import WebhookDispatcher

pytestmark = pytest.mark.postgres


async def test_two_dispatchers_deliver_each_event_once(hooks, receiver, settings):
    endpoints = [await hooks.endpoint(receiver.url(f"/e{i}")) for i in range(4)]
    events = [await hooks.emit("sale.won", {"sale_id": n}) for n in range(30)]
    await hooks.relay()
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

    try:
        await asyncio.wait_for(asyncio.gather(run(0), run(1)), 120)
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
