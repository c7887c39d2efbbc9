"""The server clock (G-04): the only time that counts for bids and deadlines.

Every service reads time through `now()`: UTC, timezone-aware, truncated to the millisecond (the
precision we store and show). Tests replace the clock with `ManualClock` to walk through a round's last
minutes deterministically; production uses the system clock, which must be NTP-disciplined on every host
(docs/adr/0002).

The decisions of a close - is this bid before the close (A-40), is this round due to close or open (S-07,
S-03) - read `decisive_now(session)` instead: on PostgreSQL the database's own clock, one clock for every
app and worker process whatever their hosts' clocks say; on SQLite (one host by construction) `now()`.
A test that installs a `ManualClock` drives those decisions too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


def truncate_ms(dt: datetime) -> datetime:
    return dt.replace(microsecond=(dt.microsecond // 1000) * 1000)


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    # The decisions of a close take the database's clock over this one (`decisive_now`).
    decides = False

    def now(self) -> datetime:
        return truncate_ms(datetime.now(UTC))


class SkewedClock(SystemClock):
    """This host's clock, off by `offset` (tests of a skewed process: the database's clock still decides)."""

    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return truncate_ms(datetime.now(UTC) + self.offset)


class ManualClock:
    """A clock that only moves when told to (tests); it decides closes too, so a test walks through a
    round's last minutes without sleeping."""

    decides = True

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = truncate_ms(start.astimezone(UTC))

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = truncate_ms(when.astimezone(UTC))

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self._now = truncate_ms(self._now + (delta or timedelta(**kwargs)))
        return self._now


_clock: Clock = SystemClock()


def now() -> datetime:
    return _clock.now()


async def decisive_now(session: AsyncSession) -> datetime:
    """The authoritative "now" of the decisions of a close (A-40, S-03, S-07; docs/adr/0002): the
    database's `clock_timestamp()` on PostgreSQL, truncated to the millisecond like `now()`; the installed
    clock when it is a test's `ManualClock`, and on SQLite (a single host)."""
    if _installed_clock_decides(session):
        return _clock.now()
    value = (await session.execute(text("SELECT clock_timestamp()"))).scalar_one()
    assert isinstance(value, datetime)
    return decisive(session, value)


def _installed_clock_decides(session: AsyncSession) -> bool:
    return bool(getattr(_clock, "decides", False)) or session.get_bind().dialect.name != "postgresql"


class database_now(FunctionElement[Any]):  # named like the SQL function it stands for
    """The database's clock as a column of a statement the caller sends anyway (the bid's context read),
    to save the round trip of `decisive_now`: `clock_timestamp()` on PostgreSQL, NULL elsewhere (where the
    installed clock decides). Read it back with `decisive(session, value)`."""

    inherit_cache = True
    name = "database_now"


@compiles(database_now)
def _database_now_elsewhere(element: database_now, compiler: Any, **kw: Any) -> str:
    return "NULL"


@compiles(database_now, "postgresql")
def _database_now_postgresql(element: database_now, compiler: Any, **kw: Any) -> str:
    return "clock_timestamp()"


def decisive(session: AsyncSession, database_value: datetime | None) -> datetime:
    """`decisive_now` from a `database_now()` column already read (None when the statement was not sent)."""
    if database_value is None or _installed_clock_decides(session):
        return _clock.now()
    return truncate_ms(database_value.astimezone(UTC))


def get_clock() -> Clock:
    return _clock


def set_clock(clock: Clock) -> Clock:
    """Install a clock; returns the previous one so a test can restore it."""
    global _clock
    previous = _clock
    _clock = clock
    return previous


def iso_ms(dt: datetime) -> str:
    """The wire format of times: UTC with milliseconds and a Z (`2026-04-06T11:00:00.000Z`)."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
