"""Small portable SQL helpers used by the auction engine (PostgreSQL and SQLite alike)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from auction.errors import NotFound

S = TypeVar("S", bound="Select[*tuple[Any, ...]]")
M = TypeVar("M")


def dialect(session: AsyncSession) -> str:
    bind = session.get_bind()
    return bind.dialect.name


async def get_one(session: AsyncSession, model: type[M], ident: int, not_found: type[NotFound], key: str) -> M:
    """Row `ident` of `model`, or the domain's not-found error (`not_found(details={key: ident})`)."""
    row = await session.get(model, ident)
    if row is None:
        raise not_found(details={key: ident})
    return row


def claim(session: AsyncSession, stmt: S, *, of: Any = None, key_share: bool = False) -> S:
    """The one way a worker claims due rows (closer, refunds, outbox relay, webhook dispatcher …) without
    waiting for another worker's: `FOR UPDATE SKIP LOCKED` on PostgreSQL - the rows stay locked until
    this transaction ends and a second worker running the same select skips them (`of` limits the lock
    to one table of a join; `key_share` takes `FOR NO KEY UPDATE`, which lets other transactions insert
    rows referencing the claimed ones by foreign key without waiting). SQLite has a single writer: the
    transaction's BEGIN IMMEDIATE already made this one the only writer, so the plain select is
    exclusive."""
    if dialect(session) == "postgresql":
        return stmt.with_for_update(skip_locked=True, of=of, key_share=key_share)
    return stmt


def table_of(model: type[DeclarativeBase] | Any) -> Table:
    """A mapped class's table, for Core statements on hot paths (no ORM bookkeeping)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def insert_ignore_statements(model: type[DeclarativeBase] | Any, columns: Sequence[str],
                             conflict: Sequence[str]) -> dict[str, Any]:
    """`insert_ignore` as constant statements, one per dialect, each column bound by its name at execution:
    for hot paths, which then reuse one compiled form."""
    table = table_of(model)
    values = {c: bindparam(c, type_=table.c[c].type) for c in columns}
    return {name: dml.insert(table).values(values).on_conflict_do_nothing(index_elements=list(conflict))
            .returning(table.c.id) for name, dml in (("postgresql", postgresql), ("sqlite", sqlite))}


async def insert_ignore(session: AsyncSession, model: type[DeclarativeBase], values: dict[str, Any],
                        conflict: Sequence[str]) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: the new row's id, or None if a row with the same
    `conflict` columns exists. On PostgreSQL a concurrent insert of the same key waits for the other
    transaction and then does nothing if it committed, so two requests never both win."""
    table = table_of(model)
    if dialect(session) == "postgresql":
        stmt: Any = postgresql.insert(table).values(**values).on_conflict_do_nothing(index_elements=list(conflict))
    else:
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing(index_elements=list(conflict))
    result = await session.execute(stmt.returning(table.c.id))
    row = result.first()
    return None if row is None else int(row[0])
