"""How many SQL statements the bid and lot endpoints send - a guard against N+1 queries and against work
creeping back into the bid's locked section. Counts, never times: the figures are in docs/performance.md.

The counts do not depend on how many bids, bidders or rounds the lot has (that is the N+1 guard): the
same endpoint is measured on a lot with one bid and with many, and must send the same statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import event

from tests.engine import open_lot


class Statements:
    def __init__(self) -> None:
        self.sql: list[str] = []

    def __len__(self) -> int:
        return len(self.sql)

    def after(self, marker: str) -> list[str]:
        """The statements after the first one containing `marker` (e.g. the round's UPDATE)."""
        for i, text in enumerate(self.sql):
            if marker in text:
                return self.sql[i + 1:]
        raise AssertionError(f"no statement contains {marker!r}: {self.sql}")


@contextmanager
def counting(runtime: Any) -> Iterator[Statements]:
    seen = Statements()
    engine = runtime.db.engine.sync_engine

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE (transaction control, not a query)
            seen.sql.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def _bids(env, lot_id: int, bidders: list[Any], n: int, start: Decimal) -> Decimal:
    """`n` accepted bids, the bidders taking turns (each outbids the previous one); the last amount."""
    amount = start
    for i in range(n):
        r = await env.bid(bidders[i % len(bidders)], lot_id, str(amount))
        assert r.status_code == 201, r.text
        amount += STEP
    return amount


STEP = Decimal("25000.00")


async def test_the_bid_sends_the_same_statements_however_many_bids_the_lot_has(env, manual_clock, runtime):
    lot, _ = await open_lot(env, manual_clock)
    bidders = [await env.bidder(lot["id"]) for _ in range(3)]
    amount = await _bids(env, lot["id"], bidders, 3, Decimal("1175000.00"))
    counts = []
    for extra in (0, 9):
        amount = await _bids(env, lot["id"], bidders, extra, amount)  # 9: the same bidder opens and ends
        # An outbid by a bidder who already has his pseudonym, with an Idempotency-Key.
        with counting(runtime) as q:
            r = await env.bid(bidders[1], lot["id"], str(amount), key=f"k-{extra}")
        assert r.status_code == 201, r.text
        amount += STEP
        counts.append(len(q))
        if runtime.db.engine.dialect.name == "postgresql":
            # Token, key, context read, the round's UPDATE; then with the round locked: one read, one write.
            assert len(q) == 6, q.sql
            assert len(q.after("UPDATE rounds SET")) == 2, q.sql
    assert counts[0] == counts[1]


async def test_a_first_bid_and_an_anti_sniping_bid_hold_the_lock_for_two_statements(env, manual_clock, runtime):
    lot, _sale = await open_lot(env, manual_clock)
    a, b = await env.bidder(lot["id"]), await env.bidder(lot["id"])
    with counting(runtime) as first:
        r = await env.bid(a, lot["id"], "1175000.00")
    assert r.status_code == 201, r.text
    manual_clock.set(datetime.fromisoformat(r.json()["ends_at"]) - timedelta(seconds=30))  # inside the window
    with counting(runtime) as late:
        r = await env.bid(b, lot["id"], "1200000.00")
    assert r.status_code == 201, r.text
    assert r.json()["extended"] is True
    if runtime.db.engine.dialect.name == "postgresql":
        for q in (first, late):  # a new pseudonym; two lot events and two outbox events
            assert len(q.after("UPDATE rounds SET")) == 2, q.sql


async def test_lot_and_bid_list_endpoints_send_the_same_statements_with_few_or_many_bids(env, manual_clock,
                                                                                          runtime):
    lot, _ = await open_lot(env, manual_clock)
    bidders = [await env.bidder(lot["id"]) for _ in range(4)]
    amount = await _bids(env, lot["id"], bidders, 2, Decimal("1175000.00"))
    paths = [f"/api/v1/lots/{lot['id']}", f"/api/v1/lots/{lot['id']}/bids", f"/lots/{lot['id']}"]
    viewers: list[dict[str, str]] = [{}, bidders[0].headers, env.staff.headers]

    async def measure() -> list[int]:
        out = []
        for path in paths:
            for headers in viewers:
                with counting(runtime) as q:
                    r = await env.client.get(path, headers=headers)
                assert r.status_code == 200, (path, r.text)
                out.append(len(q))
        return out

    few = await measure()
    await _bids(env, lot["id"], bidders, 12, amount)
    many = await measure()
    assert few == many
    assert few[0] <= 5, (few, many)  # the public lot: lot, photos, seq, sale, rounds
