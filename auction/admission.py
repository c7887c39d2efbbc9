"""Per-lot admission of bids: at most `limit` bids of one lot in flight at once in this process
(`KeyedGate`), and the committed price floor of each round (`PriceFloors`).

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
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal


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


@dataclass(frozen=True)
class Floor:
    min_next_bid: Decimal
    current_price: Decimal | None
    leader_user_id: int | None


class PriceFloors:
    """The least a round accepts next, as this process last saw it committed: a bid below it is refused
    before the round's conditional UPDATE and the diagnosis SELECT (two statements and the row's lock).

    Sound because a round's price only rises (A-33: every accepted bid is at least the highest plus the
    increment), so a committed `min_next_bid` of a round stays a lower bound for that round's whole life;
    keyed by round, a new round (round 2, an outage extension) starts with nothing. It is learned from the
    bids this process commits and from the rows its diagnoses read; a bid at or above it still goes to
    the database, which alone accepts. At most `size` rounds are remembered (the least recently noted go).
    """

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._floors: OrderedDict[int, Floor] = OrderedDict()

    def note(self, round_id: int, floor: Floor) -> None:
        known = self._floors.get(round_id)
        if known is not None and known.min_next_bid >= floor.min_next_bid:
            return
        self._floors[round_id] = floor
        self._floors.move_to_end(round_id)
        while len(self._floors) > self.size:
            self._floors.popitem(last=False)

    def below(self, round_id: int, amount: Decimal, user_id: int) -> Floor | None:
        """The floor when `amount` is certainly too low for the round, else None. Not for the bidder the
        floor saw leading: his refusal may be `already_highest` (OP-11), which only the row can say."""
        known = self._floors.get(round_id)
        if known is None or amount >= known.min_next_bid or known.leader_user_id == user_id:
            return None
        return known
