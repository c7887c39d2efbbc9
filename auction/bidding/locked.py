"""The bid's locked section: what runs while the bid holds the round row's lock, in as few round trips
as the database allows, because every bid on the lot waits for it (docs/performance.md).

The conditional UPDATE of the round (`service.BID_STATEMENT`) takes the lock; it is held until COMMIT.
Between the two, on PostgreSQL, exactly two statements run:

1. `reads` - one statement that re-checks the bidder's eligibility as a conditional write on his
   participant row (eligibility.py: a withdrawal racing the bid serialises on that row), reads his
   pseudonym (or the next free number), the hash of the lot's previous bid, and draws the new bid's id.
   It must run *after* the UPDATE, in a statement of its own: under READ COMMITTED each statement sees
   what was committed before it began, and only a statement that begins once this bid holds the lock
   is sure to see the previous bidder's committed bid, pseudonym and hash.
2. `write` - every row the bid writes (the bid, a new pseudonym, its lot events, outbox events, the
   audit row, the Idempotency-Key's answer) as one statement of data-modifying CTEs.

So the lock is held for four round trips (UPDATE, reads, write, COMMIT) whatever the bid writes. SQLite
has a single writer (BEGIN IMMEDIATE), so nobody waits on a row there; the same steps run one statement
each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Table, bindparam, func, insert, literal, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from auction.bidding import eligibility
from auction.bidding.models import Bid, IdempotencyKey, LotAlias
from auction.db import UTCDateTime
from auction.dbutil import dialect, table_of

GENESIS = "0" * 64

_PG_READS = text("""
WITH p AS (
    UPDATE sale_participants SET last_bid_at = :t
     WHERE sale_id = :sale_id AND user_id = :user_id AND teminat_ok IS true AND excluded IS false
       AND withdrawn_at IS NULL AND sartname_accepted_at IS NOT NULL
    RETURNING id
)
SELECT (SELECT count(*) FROM p) AS eligible,
       (SELECT number FROM lot_aliases WHERE lot_id = :lot_id AND user_id = :user_id) AS alias,
       (SELECT coalesce(max(number), 0) + 1 FROM lot_aliases WHERE lot_id = :lot_id) AS next_alias,
       (SELECT hash FROM bids WHERE lot_id = :lot_id ORDER BY seq DESC LIMIT 1) AS prev_hash,
       nextval(pg_get_serial_sequence('bids', 'id')) AS bid_id
""").bindparams(bindparam("t", type_=UTCDateTime()), bindparam("sale_id", type_=BigInteger()),
                bindparam("user_id", type_=BigInteger()), bindparam("lot_id", type_=BigInteger()))


@dataclass(frozen=True)
class Facts:
    """What the bid learns once it holds the lock."""

    eligible: bool
    alias_number: int
    new_alias: bool
    prev_hash: str
    bid_id: int | None  # drawn in advance on PostgreSQL; on SQLite the insert returns it


async def reads(session: AsyncSession, *, sale_id: int, lot_id: int, user_id: int, t: datetime) -> Facts:
    if dialect(session) == "postgresql":
        row = (await session.execute(_PG_READS, {"t": t, "sale_id": sale_id, "user_id": user_id,
                                                 "lot_id": lot_id})).one()
        eligible, alias, next_alias, prev_hash, bid_id = row
        return Facts(bool(eligible), int(alias if alias is not None else next_alias), alias is None,
                     prev_hash or GENESIS, int(bid_id))
    eligible = await eligibility.recheck_and_touch(session, sale_id, user_id, t)
    alias = await session.scalar(select(LotAlias.number).where(LotAlias.lot_id == lot_id,
                                                               LotAlias.user_id == user_id))
    if alias is None:
        next_alias = int(await session.scalar(select(func.coalesce(func.max(LotAlias.number), 0))
                                              .where(LotAlias.lot_id == lot_id)) or 0) + 1
    prev_hash = await session.scalar(select(Bid.hash).where(Bid.lot_id == lot_id).order_by(Bid.seq.desc()).limit(1))
    return Facts(eligible, int(alias if alias is not None else next_alias), alias is None, prev_hash or GENESIS, None)


_Shape = tuple[tuple[Table, tuple[tuple[str, ...], ...]], ...]
# The bid's writes come in a handful of shapes (which tables, how many rows, which columns): each shape's
# statement(s) are built once, with named parameters, so that every later bid of that shape reuses one
# compiled form instead of building and cache-keying a multi-row INSERT each time.
_STATEMENTS: dict[tuple[str, _Shape, bool], list[Any]] = {}


def _param(prefix: str, table: Table, column: str) -> Any:
    return bindparam(f"{prefix}_{column}", type_=table.c[column].type)


def _statements(dialect_name: str, shape: _Shape, answered: bool) -> list[Any]:
    key = (dialect_name, shape, answered)
    cached = _STATEMENTS.get(key)
    if cached is not None:
        return cached
    statements: list[Any] = []
    for i, (table, rows) in enumerate(shape):
        values = [{c: _param(f"w{i}r{j}", table, c) for c in columns} for j, columns in enumerate(rows)]
        statements.append(insert(table).values(values[0] if len(values) == 1 else values))
    if answered:
        keys = table_of(IdempotencyKey)
        statements.append(update(keys).where(keys.c.id == bindparam("answer_id", type_=BigInteger()))
                          .values(status_code=_param("answer", keys, "status_code"),
                                  response=_param("answer", keys, "response")))
    if dialect_name == "postgresql":
        statements = [select(literal(1)).add_cte(*(stmt.cte(f"w{i}") for i, stmt in enumerate(statements)))]
    _STATEMENTS[key] = statements
    return statements


_INSERT_BID: dict[tuple[str, ...], Any] = {}


async def insert_bid(session: AsyncSession, values: dict[str, Any]) -> int:
    """SQLite only: the bid's row on its own, for its id (PostgreSQL drew it in `reads`)."""
    columns = tuple(values)
    stmt = _INSERT_BID.get(columns)
    if stmt is None:
        bids = table_of(Bid)
        stmt = _INSERT_BID[columns] = (insert(bids).values({c: _param("bid", bids, c) for c in columns})
                                       .returning(bids.c.id))
    result = await session.execute(stmt, {f"bid_{c}": v for c, v in values.items()})
    return int(result.scalar_one())


async def write(session: AsyncSession, rows: list[tuple[Any, list[dict[str, Any]]]],
                answer: tuple[int, dict[str, Any]] | None) -> None:
    """Insert `rows` (model, its rows) and record the Idempotency-Key's `answer` (key id, body): one
    statement on PostgreSQL, one per table on SQLite."""
    shape: list[tuple[Table, tuple[tuple[str, ...], ...]]] = []
    params: dict[str, Any] = {}
    for model, values in rows:
        if not values:
            continue
        i = len(shape)
        shape.append((table_of(model), tuple(tuple(v) for v in values)))
        for j, value in enumerate(values):
            params.update({f"w{i}r{j}_{c}": v for c, v in value.items()})
    if answer is not None:
        params.update({"answer_id": answer[0], "answer_status_code": 201, "answer_response": answer[1]})
    for stmt in _statements(dialect(session), tuple(shape), answer is not None):
        await session.execute(stmt, params)
