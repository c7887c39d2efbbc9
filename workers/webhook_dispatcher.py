"""The webhook dispatcher: sends the deliveries the outbox relay wrote, after commit.

Each pass claims as many due attempts as it has free slots (`concurrency.total`, at most
`concurrency.per_endpoint` per endpoint across all dispatchers; auction/webhooks/dispatch.py) and starts
each as its own task, then returns at once: a slow endpoint holds only its own slots and its own tasks, so
it never delays another endpoint's deliveries, and the loop keeps claiming for the others. A finished task
records its attempt in its own short transaction. Any number of dispatchers (processes) may run:
claims use `SKIP LOCKED`, and an attempt belongs to the one claim that holds its number.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import socket
import uuid

import structlog

from auction import clock
from auction.runtime import Runtime
from auction.webhooks import dispatch, sender
from auction.webhooks import service as webhooks
from auction.webhooks.consumer import WAKE_CHANNEL
from auction.webhooks.policy import DeliveryPolicy, load_policy
from auction.webhooks.signing import SecretBox
from workers.base import Worker

log = structlog.get_logger(__name__)

EXPIRE_EVERY = 60.0  # seconds between sweeps: deliveries too old to keep trying, old secrets past their overlap


class WebhookDispatcher(Worker):
    name = "webhook_dispatcher"
    interval = 1.0
    wake_channel = WAKE_CHANNEL

    def __init__(self, runtime: Runtime, policy: DeliveryPolicy | None = None) -> None:
        super().__init__(runtime)
        self.policy = policy or load_policy()
        self.identity = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.box = SecretBox(runtime.settings.resolved_secret_key())
        self.rng = random.Random()
        self._tasks: set[asyncio.Task[None]] = set()
        self._next_expiry = 0.0

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def run_once(self) -> int:
        loop = asyncio.get_running_loop()
        if loop.time() >= self._next_expiry:
            self._next_expiry = loop.time() + EXPIRE_EVERY
            async with self.runtime.db.session() as session:
                expired = await dispatch.expire(session, now=clock.now(), policy=self.policy)
                await webhooks.forget_previous_secrets(session, clock.now())
            if expired:
                log.warning("webhook_deliveries_expired", count=expired)
        free = self.policy.concurrency - len(self._tasks)
        if free <= 0:
            # Every slot busy: wait for one to free up (or the poll interval), then look again.
            await asyncio.wait(self._tasks, timeout=self.interval, return_when=asyncio.FIRST_COMPLETED)
            return 1
        async with self.runtime.db.session() as session:
            claims = await dispatch.claim(session, now=clock.now(), slots=free, policy=self.policy, box=self.box)
        for c in claims:
            task = asyncio.create_task(self._attempt(c), name=f"webhook:{c.endpoint_id}:{c.delivery_id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(claims)

    async def _attempt(self, c: dispatch.Claim) -> None:
        settings = self.runtime.settings
        started_at = clock.now()
        result = await sender.send(
            sender.Request(url=c.url, msg_id=c.event_id, body=c.payload.encode(), secrets=c.secrets),
            policy=self.policy, allow_private=settings.webhook_allow_private,
            require_https=settings.env == "production")
        log.info("webhook_attempt", endpoint_id=c.endpoint_id, event_id=c.event_id, attempt=c.number,
                 outcome=result.outcome, status=result.status_code, ms=result.duration_ms)
        try:
            async with self.runtime.db.session() as session:
                await dispatch.finish(session, c, result, started_at=started_at, now=clock.now(), policy=self.policy,
                                      dispatcher=self.identity, rng=self.rng)
        except Exception:
            # The lease runs out and another pass tries again: the receiver may see this attempt twice
            # (it deduplicates on webhook-id), but the event is never lost.
            log.exception("webhook_finish_failed", delivery_id=c.delivery_id, attempt=c.number)

    async def drain(self) -> None:
        """Wait for the attempts in flight (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
