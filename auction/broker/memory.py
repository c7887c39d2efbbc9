from __future__ import annotations

from auction.broker.base import Broker, Message, OverflowPolicy, Subscription


class InProcessBroker(Broker):
    """Fan-out inside one process. Publishing is synchronous per subscriber and never blocks."""

    def __init__(self) -> None:
        self._subs: dict[str, set[Subscription]] = {}

    async def publish(self, channel: str, message: Message) -> None:
        for sub in list(self._subs.get(channel, ())):
            sub.offer(message)

    async def subscribe(self, channel: str, *, maxsize: int = 1000,
                        on_overflow: OverflowPolicy = "drop") -> Subscription:
        sub = Subscription(self, channel, maxsize, on_overflow)
        self._subs.setdefault(channel, set()).add(sub)
        return sub

    async def _unsubscribe(self, sub: Subscription) -> None:
        subs = self._subs.get(sub.channel)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subs[sub.channel]

    async def ping(self) -> bool:
        return True

    def subscriber_count(self, channel: str) -> int:
        return len(self._subs.get(channel, ()))
