from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from typing import Any, Literal

Message = dict[str, Any]
RESYNC_MESSAGE: Message = {"type": "_resync"}

OverflowPolicy = Literal["drop", "resync"]


class Subscription:
    """A bounded queue of messages for one local subscriber of one channel.

    When the queue is full the subscriber can never slow the publisher or the other subscribers; what
    happens to it depends on `on_overflow`:

    - `"drop"` (default): it is marked `overflowed` and gets nothing more. It must be thrown away (a
      WebSocket client is dropped and reconnects with `after_seq`).
    - `"resync"`: the queued messages are discarded and replaced by one `_resync` control message, and
      the subscription carries on. For consumers that can rebuild what they missed from the database
      (the live fan-out reads the gap back by `seq`), so a burst never kills them.
    """

    def __init__(self, broker: Broker, channel: str, maxsize: int, on_overflow: OverflowPolicy = "drop") -> None:
        self.broker = broker
        self.channel = channel
        self.queue: asyncio.Queue[Message] = asyncio.Queue(maxsize=maxsize)
        self.on_overflow = on_overflow
        self.overflowed = False
        self.overflows = 0
        self.closed = False

    def offer(self, message: Message) -> None:
        if self.closed or self.overflowed:
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.overflows += 1
            if self.on_overflow == "drop":
                self.overflowed = True
                return
            # Everything queued is now moot: the consumer will re-read the database anyway.
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(RESYNC_MESSAGE)

    async def get(self) -> Message:
        return await self.queue.get()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Message:
        if self.closed:
            raise StopAsyncIteration
        return await self.queue.get()

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            await self.broker._unsubscribe(self)


class Broker(ABC):
    async def start(self) -> None:  # noqa: B027 - optional hook
        pass

    async def stop(self) -> None:  # noqa: B027 - optional hook
        pass

    @abstractmethod
    async def publish(self, channel: str, message: Message) -> None:
        """Fan `message` out to every subscriber of `channel` in every process. Never blocks on the
        network and never raises: delivery is best effort, the database is the source of truth."""

    @abstractmethod
    async def subscribe(self, channel: str, *, maxsize: int = 1000,
                        on_overflow: OverflowPolicy = "drop") -> Subscription:
        """A local subscription. When this returns, every message published from now on reaches it
        (for Redis: the SUBSCRIBE has been confirmed, or the broker is disconnected and will send a
        `_resync` once it is back)."""

    @abstractmethod
    async def _unsubscribe(self, sub: Subscription) -> None: ...

    @abstractmethod
    async def ping(self) -> bool: ...

    @property
    def healthy(self) -> bool:
        """False while messages from other processes may be missed (Redis disconnected): consumers that
        can, read the database more often meanwhile."""
        return True

    @property
    def kind(self) -> str:
        return type(self).__name__
