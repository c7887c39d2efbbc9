"""Which office's records a member of staff may read and change (A-34), in one place.

Staff and the müdür act only on their own office's files; an admin on every office. Every staff read of
an office's records starts here: `get_of_office` for one record by id, `office_statement` (or
`in_office` for a join) for a list.
A query that starts from `office_statement` cannot return another office's rows, so a new list never
needs its own copy of the check.

What a caller sees: a record that does not exist answers its domain's 404 (`sale_not_found`, …); a record
of another office answers 403 `office_scope` (the record's existence is not a secret between offices;
what is in it is).
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, TypeVar

from sqlalchemy import ColumnElement, FromClause, Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from auction.dbutil import get_one
from auction.errors import NotFound
from auction.users.principal import Principal, ensure_office


class OfficeRecord(Protocol):
    """A mapped table whose rows belong to one office (cases, lots, sales, tutanaklar …)."""

    __table__: ClassVar[FromClause]

    @property
    def office_id(self) -> int: ...


R = TypeVar("R", bound=OfficeRecord)
S = TypeVar("S", bound="Select[*tuple[Any, ...]]")


async def get_of_office(session: AsyncSession, actor: Principal, model: type[R], record_id: int,
                        not_found: type[NotFound], key: str) -> R:
    """`model` row `record_id` if the actor may act on it: `not_found(details={key: record_id})` when
    there is no such row, `OfficeScope` when it belongs to another office."""
    record = await get_one(session, model, record_id, not_found, key)
    ensure_office(actor, record.office_id)
    return record


def office_statement(actor: Principal, model: type[R]) -> Select[R]:
    """`SELECT model` limited to the actor's office (every office for an admin)."""
    return in_office(select(model), actor, model.__table__.c.office_id)


def in_office(stmt: S, actor: Principal, office_id: ColumnElement[Any] | QueryableAttribute[int]) -> S:
    """Limit `stmt` to the actor's office through `office_id` (a column of the statement or of a table
    it joins: a mektup submission belongs to its sale's office)."""
    return stmt if actor.is_admin else stmt.where(office_id == actor.office_id)
