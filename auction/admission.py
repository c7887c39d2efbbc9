"""Per-lot admission of bids: at most `limit` bids of one lot in flight at once in this process.

Every bid on a lot queues on the lot's round row lock in the database; a request waiting there holds a
pooled connection doing nothing. Without a gate, a hot lot with more bidders than the pool has
connections takes them all, and bids on every other lot - and every page - wait for a connection. With
it, the bids of one lot beyond `limit` wait here, in memory, before they take a connection (the gate is
entered before the request's first query and left after its commit), so one lot can hold at most
`limit` connections per process while the rest of the pool serves the others. The database still
decides every bid; the gate only orders who waits where (ESATIS_BID_LOT_CONCURRENCY, docs/performance.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass
class _Gate:
    slots: asyncio.Semaphore
    users: int = field(default=0)


class KeyedGate:
    """A semaphore of `limit` slots per key, created on first use and dropped when nobody holds or waits
    for it (so memory follows the lots being bid on now, not every lot ever bid on)."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self._gates: dict[int, _Gate] = {}

    @asynccontextmanager
    async def enter(self, key: int) -> AsyncIterator[None]:
        gate = self._gates.get(key)
        if gate is None:
            gate = self._gates[key] = _Gate(asyncio.Semaphore(self.limit))
        gate.users += 1
        try:
            async with gate.slots:
                yield
        finally:
            gate.users -= 1
            if gate.users == 0:
                self._gates.pop(key, None)

    def in_flight(self, key: int) -> int:
        """Requests of `key` holding a slot now (for tests and metrics)."""
        gate = self._gates.get(key)
        return 0 if gate is None else self.limit - gate.slots._value

    def waiting(self, key: int) -> int:
        gate = self._gates.get(key)
        return 0 if gate is None else gate.users - self.in_flight(key)
