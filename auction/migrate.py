"""`esatis migrate`: alembic upgrade to head, from code (no alembic.ini needed in a deployment)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from auction.db import sqlite_path

try:
    import fcntl
except ImportError:  # Windows: a single local process is the embedded use anyway
    fcntl = None  # type: ignore[assignment]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


@contextlib.contextmanager
def _sqlite_migration_lock(database_url: str) -> Iterator[None]:
    """Serialise `esatis migrate` runs on one embedded SQLite file. PostgreSQL runs queue on an advisory
    lock (migrations/env.py); SQLite's own locking is not enough on a new file: two processes switching
    it to WAL at once can get SQLITE_BUSY without the busy handler being consulted (seen under load).
    An embedded database lives on one host, so an exclusive lock on a file next to it is exact."""
    path = sqlite_path(database_url)
    if path is None or fcntl is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".migrate-lock"), "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def upgrade(database_url: str, revision: str = "head") -> None:
    with _sqlite_migration_lock(database_url):
        command.upgrade(alembic_config(database_url), revision)


async def upgrade_async(database_url: str, revision: str = "head") -> None:
    # alembic's env.py runs its own event loop; keep it off the caller's loop.
    await asyncio.to_thread(upgrade, database_url, revision)


def current_heads() -> list[str]:
    return list(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())
