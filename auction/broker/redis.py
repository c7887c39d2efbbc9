from __future__ import annotations

import asyncio
import contextlib
import json
import random
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from auction.broker.base import RESYNC_MESSAGE, Broker, Message, OverflowPolicy, Subscription

log = structlog.get_logger(__name__)

KEEPALIVE_CHANNEL = "esatis:_keepalive"
# How long `subscribe()` waits for Redis to confirm a SUBSCRIBE before giving up (the caller then relies
# on its database poll until the `_resync` that follows the next successful (re)connection).
SUBSCRIBE_CONFIRM_TIMEOUT = 2.0
# Messages waiting for the publisher task. Beyond this they are dropped (the database has them all).
PUBLISH_QUEUE_MAX = 10_000
PUBLISH_BATCH_MAX = 500


class RedisBroker(Broker):
    """Redis pub/sub with ONE subscriber connection per process.

    - A reader task receives every message of the channels this process has local subscribers for and
      offers it to their queues (decoded once, shared by every local subscriber).
    - `subscribe()` returns only once Redis has confirmed the SUBSCRIBE, so a caller that subscribes and
      then reads the database cannot miss a message published in between.
    - If the connection drops, the reader reconnects with capped exponential backoff and jitter,
      re-subscribes every channel, waits for the confirmations and then sends every local subscriber a
      `_resync` control message (anything published meanwhile is lost by Redis and must be read back
      from the database). While it is down `healthy` is False and messages published by this process
      are delivered to its own local subscribers directly, so a process never loses its own events.
    - `publish()` never waits on the network: messages go to a bounded queue that one publisher task
      sends in pipelined batches. A request that commits a bid is therefore never delayed by Redis
      being slow or down (a failed batch is dropped and logged: the database has every event).
    - Channels are prefixed with `namespace` (derived from the database by `make_broker`), so two
      deployments or test runs sharing one Redis never see each other's `lot:1`.
    """

    def __init__(self, url: str, *, namespace: str = "") -> None:
        self.url = url
        self.prefix = f"{namespace}:" if namespace else ""
        self._pub = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2, health_check_interval=15)
        self._subs: dict[str, set[Subscription]] = {}
        self._sub_client: Redis | None = None
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._publisher: asyncio.Task[None] | None = None
        self._outbox: asyncio.Queue[tuple[str, str]] = asyncio.Queue(maxsize=PUBLISH_QUEUE_MAX)
        self._connected = asyncio.Event()
        self._confirm: dict[str, list[asyncio.Future[bool]]] = {}
        self._stopping = False
        self._lock = asyncio.Lock()
        self.reconnects = 0
        self.publish_dropped = 0

    # --- lifecycle -----------------------------------------------------------------------------------

    async def start(self) -> None:
        self._stopping = False
        self._reader = asyncio.create_task(self._run(), name="redis-broker-reader")
        self._publisher = asyncio.create_task(self._publish_loop(), name="redis-broker-publisher")

    async def stop(self) -> None:
        self._stopping = True
        for task in (self._reader, self._publisher):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):  # shutting down
                    await task
        await self._close_sub()
        await self._pub.aclose()

    async def _close_sub(self) -> None:
        # The connection may already be broken; closing it must not raise.
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
        if self._sub_client is not None:
            with contextlib.suppress(Exception):
                await self._sub_client.aclose()
        self._pubsub = None
        self._sub_client = None
        self._connected.clear()
        # Nobody will confirm these any more; the waiters fall back to the database.
        for waiters in self._confirm.values():
            for fut in waiters:
                if not fut.done():
                    fut.set_result(False)
        self._confirm.clear()

    def _waiter(self, channel: str) -> asyncio.Future[bool]:
        fut: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._confirm.setdefault(channel, []).append(fut)
        return fut

    async def _connect(self) -> list[asyncio.Future[bool]]:
        self._sub_client = Redis.from_url(self.url, socket_connect_timeout=2, health_check_interval=15)
        self._pubsub = self._sub_client.pubsub(ignore_subscribe_messages=False)
        channels = list(self._subs)
        waiters = [self._waiter(c) for c in channels]
        # A dummy channel keeps the connection in subscribe mode even with no local subscribers.
        await self._pubsub.subscribe(KEEPALIVE_CHANNEL, *(self.prefix + c for c in channels))
        return waiters

    async def _run(self) -> None:
        delay = 0.1
        first = True
        while not self._stopping:
            try:
                async with self._lock:
                    waiters = await self._connect()
                reconnected = not first
                first = False
                assert self._pubsub is not None
                pubsub = self._pubsub
                while not self._stopping:
                    if not self._connected.is_set() and all(w.done() for w in waiters):
                        # Every channel is subscribed (again): from here on nothing is missed, so now is
                        # the moment for subscribers to read back what they missed while we were away.
                        self._connected.set()
                        delay = 0.1
                        if reconnected:
                            self.reconnects += 1
                            log.info("redis_broker_reconnected", reconnects=self.reconnects)
                            self._broadcast_resync()
                    msg = await pubsub.get_message(timeout=5.0)
                    if msg is not None:
                        self._handle(msg)
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError, ConnectionError) as exc:
                log.warning("redis_broker_disconnected", error=str(exc), retry_in=round(delay, 2))
                await self._close_sub()
                # Whatever was published while we were away is gone from Redis: tell subscribers now,
                # so they fall back to the database instead of waiting on a dead connection.
                self._broadcast_resync()
                await asyncio.sleep(delay + random.uniform(0, delay / 2))
                delay = min(delay * 2, 5.0)

    def _handle(self, msg: dict[str, Any]) -> None:
        kind = msg.get("type")
        raw_channel = msg.get("channel")
        channel = raw_channel.decode() if isinstance(raw_channel, bytes) else str(raw_channel)
        if self.prefix:
            if not channel.startswith(self.prefix):
                return
            channel = channel[len(self.prefix):]
        if kind == "subscribe":
            for fut in self._confirm.pop(channel, []):
                if not fut.done():
                    fut.set_result(True)
            return
        if kind != "message":
            return
        subs = self._subs.get(channel)
        if not subs:
            return
        try:
            payload = json.loads(msg["data"])
        except (ValueError, TypeError):
            log.warning("redis_broker_bad_message", channel=channel)
            return
        for sub in list(subs):
            sub.offer(payload)

    def _broadcast_resync(self) -> None:
        for subs in self._subs.values():
            for sub in list(subs):
                sub.offer(RESYNC_MESSAGE)

    # --- publishing ----------------------------------------------------------------------------------

    async def publish(self, channel: str, message: Message) -> None:
        if not self._connected.is_set():
            # Our subscriber connection is down, so Redis would not bring this back to us: deliver it to
            # this process's own subscribers directly (others catch up from the database).
            for sub in list(self._subs.get(channel, ())):
                sub.offer(message)
        try:
            self._outbox.put_nowait((self.prefix + channel, json.dumps(message, ensure_ascii=False)))
        except asyncio.QueueFull:
            self.publish_dropped += 1

    async def _publish_loop(self) -> None:
        failing_since_drops: int | None = None  # drops counted when the current failure streak began
        while not self._stopping:
            batch = [await self._outbox.get()]
            while len(batch) < PUBLISH_BATCH_MAX and not self._outbox.empty():
                batch.append(self._outbox.get_nowait())
            try:
                async with self._pub.pipeline(transaction=False) as pipe:
                    for channel, data in batch:
                        pipe.publish(channel, data)
                    await pipe.execute()
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                # Fan-out is best effort; the database has the events and subscribers resync from it.
                if failing_since_drops is None:
                    failing_since_drops = self.publish_dropped
                    log.warning("redis_publish_failing", error=str(exc))
                self.publish_dropped += len(batch)
            else:
                if failing_since_drops is not None:
                    log.info("redis_publish_recovered", dropped=self.publish_dropped - failing_since_drops)
                    failing_since_drops = None

    # --- subscribing ---------------------------------------------------------------------------------

    async def subscribe(self, channel: str, *, maxsize: int = 1000,
                        on_overflow: OverflowPolicy = "drop") -> Subscription:
        sub = Subscription(self, channel, maxsize, on_overflow)
        first = channel not in self._subs
        self._subs.setdefault(channel, set()).add(sub)
        if not first:
            return sub
        waiter: asyncio.Future[bool] | None = None
        try:
            # Under the lock so that a (re)connection in progress either lists this channel itself or
            # has its connection in place for us to subscribe on.
            async with self._lock:
                if self._pubsub is not None:
                    waiter = self._waiter(channel)
                    await self._pubsub.subscribe(self.prefix + channel)
            if waiter is not None:
                await asyncio.wait_for(asyncio.shield(waiter), SUBSCRIBE_CONFIRM_TIMEOUT)
        except (RedisError, OSError, TimeoutError) as exc:
            # The reader will reconnect, re-subscribe and send `_resync`; the caller's database poll
            # covers the meantime.
            log.warning("redis_subscribe_unconfirmed", channel=channel, error=str(exc) or type(exc).__name__)
        return sub

    async def _unsubscribe(self, sub: Subscription) -> None:
        subs = self._subs.get(sub.channel)
        if subs is None:
            return
        subs.discard(sub)
        if not subs:
            del self._subs[sub.channel]
            if self._pubsub is not None:
                try:
                    async with self._lock:
                        if self._pubsub is not None and sub.channel not in self._subs:
                            await self._pubsub.unsubscribe(self.prefix + sub.channel)
                except (RedisError, OSError):
                    pass

    async def ping(self) -> bool:
        try:
            return bool(await self._pub.ping())
        except (RedisError, OSError):
            return False

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    @property
    def healthy(self) -> bool:
        return self._connected.is_set()

    def channel_count(self) -> int:
        """Channels this process is subscribed to in Redis (one per channel, however many local
        subscribers it has)."""
        return len(self._subs)
