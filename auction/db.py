"""Database: SQLAlchemy 2 async on PostgreSQL (asyncpg) or embedded SQLite (aiosqlite).

Choices (docs/adr/0001-storage.md):
- Money is stored as integer kuruş (BIGINT) through `Kurus`; Python sees `Decimal` with two places.
- Times are stored as UTC (`UTCDateTime`): timestamptz on PostgreSQL; on SQLite a fixed-width ISO text
  that compares correctly as text, so `now < ends_at` works identically on both.
- PostgreSQL runs in READ COMMITTED; contended writes are single conditional UPDATEs.
- SQLite is a single writer: every transaction starts with BEGIN IMMEDIATE, so two processes (the web
  app and `esatis worker`) never both think they own a round; readers are not blocked (WAL).
- Work that must happen only after a commit (publishing live events, waking the dispatcher) is queued
  with `after_commit(session, fn)` and run by `commit()`.
"""

from __future__ import annotations

import errno
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import BigInteger, DateTime, Integer, MetaData, String, Text, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from auction.money import from_kurus, to_kurus

log = structlog.get_logger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Kurus(TypeDecorator[Decimal]):
    """A `Decimal` amount of money stored exactly as BIGINT kuruş."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"money must be Decimal, got {type(value).__name__}")
        return to_kurus(value)

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else from_kurus(int(value))


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime. Naive datetimes are refused: they are always a bug here (G-04)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            # Fixed-width text sorts like the instant it encodes, so comparisons in SQL stay correct.
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.strftime("%Y-%m-%d %H:%M:%S.%f")
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return datetime.strptime(value, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)
        dt: datetime = value
        if dt.tzinfo is None:
            return dt.replace(tzinfo=UTC)
        return dt.astimezone(UTC)


class DecimalText(TypeDecorator[Decimal]):
    """A non-money exact decimal (an area in m², a rate) kept as text: exact on both databases."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"expected Decimal, got {type(value).__name__}")
        return str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class JSONText(TypeDecorator[Any]):
    """JSON kept as text on both databases (portable; we never query inside it)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_json_default)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, datetime):
        return obj.astimezone(UTC).isoformat()
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


class IdMixin:
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


# ---------------------------------------------------------------------------------------------------
# Engine and sessions

AfterCommit = Callable[[], Awaitable[None]]


def after_commit(session: AsyncSession, fn: AfterCommit) -> None:
    """Run `fn` once the session's transaction has committed (never if it rolls back)."""
    session.info.setdefault("after_commit", []).append(fn)


async def commit(session: AsyncSession) -> None:
    """Commit, then run the after-commit hooks. A failing hook is logged, never undoes the commit:
    whatever a hook does (publishing to Redis, waking a worker) must be recoverable from the database."""
    hooks: list[AfterCommit] = session.info.pop("after_commit", [])
    await session.commit()
    for hook in hooks:
        try:
            await hook()
        except Exception:
            log.exception("after_commit_hook_failed", hook=getattr(hook, "__qualname__", repr(hook)))


async def rollback(session: AsyncSession) -> None:
    session.info.pop("after_commit", None)
    await session.rollback()


_UNAVAILABLE_DRIVER_ERRORS = (
    "ConnectionDoesNotExistError", "ConnectionFailureError", "CannotConnectNowError", "PostgresConnectionError",
    "AdminShutdownError", "CrashShutdownError", "TooManyConnectionsError",
)


_NETWORK_ERRNOS = {errno.ECONNREFUSED, errno.ECONNRESET, errno.ECONNABORTED, errno.EHOSTUNREACH,
                   errno.ENETUNREACH, errno.ETIMEDOUT, errno.EPIPE, errno.ENOTCONN}


def is_unavailable(exc: BaseException) -> bool:
    """Whether an exception means the database could not be reached (refused, dropped, shutting down,
    the pool exhausted) rather than a bug: the web answers 503 `database_unavailable` for it, never 500.
    Walks the cause/context chain, since SQLAlchemy wraps the driver's error."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if type(current).__module__.startswith("redis"):
            return False  # Redis is never the source of truth; its outages are handled where it is used
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, (sa_exc.TimeoutError, sa_exc.DisconnectionError, ConnectionError, TimeoutError)):
            return True
        if isinstance(current, OSError) and current.errno in _NETWORK_ERRNOS:
            return True  # refused, unreachable, reset while connecting
        if type(current).__module__.startswith("asyncpg") and any(
                cls.__name__ in _UNAVAILABLE_DRIVER_ERRORS for cls in type(current).__mro__):
            return True
        current = current.__cause__ or current.__context__
    return False


def sqlite_path(url: str) -> Path | None:
    prefix = "sqlite+aiosqlite:///"
    if url.startswith(prefix) and ":memory:" not in url:
        return Path(url[len(prefix):].split("?")[0])
    return None


def make_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 60})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            # We issue BEGIN ourselves (below), so the driver must not.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Single writer: take the write lock at BEGIN, so a read-then-write transaction can never
            # fail half-way with SQLITE_BUSY, and two processes serialise cleanly.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        isolation_level="READ COMMITTED",
    )


class Database:
    """The engine and session factory of one process."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A unit of work for workers and scripts: commits on success, rolls back on error."""
        async with self.sessionmaker() as session:
            try:
                yield session
                await commit(session)
            except BaseException:
                await rollback(session)
                raise

    async def dispose(self) -> None:
        await self.engine.dispose()
