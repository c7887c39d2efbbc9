"""What a live channel is made of: its broker channel, and how to read its events back from the
database (the source of truth) by `seq`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.bidding.aliases import alias_of
from auction.clock import iso_ms
from auction.notifications import service as notifications
from auction.sales import live
from auction.sales.views import lot_view
from auction.users.principal import Principal

Message = dict[str, Any]


class Stream(ABC):
    """A family of channels (one per lot, one per user) with gap-free per-key `seq` numbers."""

    kind: str

    @abstractmethod
    def channel(self, key: int) -> str: ...

    @abstractmethod
    async def heads(self, session: AsyncSession, keys: Sequence[int]) -> dict[int, int]:
        """The last committed seq of each key, in one query."""

    @abstractmethod
    async def after(self, session: AsyncSession, key: int, after_seq: int, limit: int) -> list[Message]:
        """The stored messages with seq > after_seq, in seq order (at most `limit`)."""

    @abstractmethod
    async def snapshot(self, session: AsyncSession, key: int, viewer: Principal | None) -> Message:
        """The first message of a connection: the current state and its `seq`."""

    async def head(self, session: AsyncSession, key: int) -> int:
        return (await self.heads(session, [key])).get(key, 0)


class LotStream(Stream):
    """`lot_events`, written by the auction engine in the transaction of each change (auction.sales.live)."""

    kind = "lot"

    def channel(self, key: int) -> str:
        return live.channel(key)

    async def heads(self, session: AsyncSession, keys: Sequence[int]) -> dict[int, int]:
        return await live.heads(session, keys)

    async def after(self, session: AsyncSession, key: int, after_seq: int, limit: int) -> list[Message]:
        return [live.message_of(e.type, e.seq, e.payload) for e in await live.events_after(session, key, after_seq,
                                                                                           limit)]

    async def snapshot(self, session: AsyncSession, key: int, viewer: Principal | None) -> Message:
        view = await lot_view(session, key, viewer)  # raises LotNotFound
        out: Message = {"type": "snapshot", "seq": view["seq"], "lot": view, "server_time": iso_ms(clock.now())}
        if viewer is not None:
            # The viewer's own pseudonym on this lot, so a page can mark "your bid" in the live list.
            out["you"] = {"bidder": await alias_of(session, key, viewer.user_id)}
        return out


class UserStream(Stream):
    """`notifications`, written by the outbox relay (auction.notifications)."""

    kind = "user"

    def channel(self, key: int) -> str:
        return notifications.channel(key)

    async def heads(self, session: AsyncSession, keys: Sequence[int]) -> dict[int, int]:
        return await notifications.heads(session, keys)

    async def after(self, session: AsyncSession, key: int, after_seq: int, limit: int) -> list[Message]:
        return [notifications.message_of(n) for n in await notifications.after(session, key, after_seq, limit)]

    async def snapshot(self, session: AsyncSession, key: int, viewer: Principal | None) -> Message:
        return {"type": "snapshot", "seq": await notifications.last_seq(session, key),
                "unread": await notifications.unread_count(session, key), "server_time": iso_ms(clock.now())}
