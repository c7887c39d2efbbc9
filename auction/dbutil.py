"""Small portable SQL helpers used by the auction engine (PostgreSQL and SQLite alike)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


def dialect(session: AsyncSession) -> str:
    bind = session.get_bind()
    return bind.dialect.name


async def insert_ignore(session: AsyncSession, model: type[DeclarativeBase], values: dict[str, Any],
                        conflict: Sequence[str]) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: the new row's id, or None if a row with the same
    `conflict` columns exists. On PostgreSQL a concurrent insert of the same key waits for the other
    transaction and then does nothing if it committed, so two requests never both win."""
    table = model.__table__
    assert isinstance(table, Table)
    if dialect(session) == "postgresql":
        stmt: Any = postgresql.insert(table).values(**values).on_conflict_do_nothing(index_elements=list(conflict))
    else:
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing(index_elements=list(conflict))
    result = await session.execute(stmt.returning(table.c.id))
    row = result.first()
    return None if row is None else int(row[0])
