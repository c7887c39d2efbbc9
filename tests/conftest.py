"""Shared fixtures.

The database is a fresh SQLite file by default. When DATABASE_URL names a PostgreSQL database the whole
suite runs against it instead (the CI's second run); its name must contain "test", because every table
is emptied between tests. REDIS_URL, when set, makes the app use Redis for fan-out and rate limits.
Tests marked `postgres` (real races) or `redis` are skipped when those are not configured, except under
CI=true where a missing service is an error, never a silent skip (see `ci_verdict`); under CI=true the
Hypothesis profile `ci` is loaded (derandomised).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from auction import clock
from auction.config import Settings
from auction.db import Database
from auction.migrate import upgrade_async
from auction.models import Base
from auction.users import service as user_service
from auction.users.models import Role, User

ENV_DB = os.environ.get("DATABASE_URL", "")
ENV_REDIS = os.environ.get("REDIS_URL") or None
PASSWORD = "dogru-parola-2026"


def _is_pg(url: str) -> bool:
    return url.startswith("postgresql")


def pytest_configure(config: pytest.Config) -> None:
    # The app under test logs through structlog's default pipeline (the CLI configures logging, the tests
    # do not): keep it, but with plain tracebacks. The default renders an exception with rich and every
    # frame's locals, ~25 s for one 500 on PostgreSQL (auction/logging.py does the same for `console`).
    processors = list(structlog.get_config()["processors"])
    if processors and isinstance(processors[-1], structlog.dev.ConsoleRenderer):
        processors[-1] = structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback)
        structlog.configure(processors=processors)
    if _is_pg(ENV_DB) and "test" not in ENV_DB.rsplit("/", 1)[-1]:
        raise pytest.UsageError(
            f"refusing to run the tests against {ENV_DB!r}: the suite empties every table, so the "
            "database name must contain 'test'")


# Under CI=true nothing skips silently. .ci/run runs the suite twice and names each pass in ESATIS_CI_PASS:
# on the SQLite pass the tests marked `postgres` / `redis` skip by design (the second pass runs them); on
# the PostgreSQL pass a missing service fails them, and any other skip (a missing redis-server, Chromium,
# a tool) fails in either pass.
CI = os.environ.get("CI") == "true"
CI_PASS = os.environ.get("ESATIS_CI_PASS") or ("postgres" if _is_pg(ENV_DB) else "sqlite")
_SKIP_BY_DESIGN = pytest.StashKey[bool]()


def _service_missing(item: pytest.Item, what: str) -> None:
    if CI and CI_PASS == "postgres":
        pytest.fail(f"CI=true, PostgreSQL pass: {what} is missing (a missing service fails, never skips)",
                    pytrace=False)
    item.stash[_SKIP_BY_DESIGN] = True
    pytest.skip(f"{what}: runs in the PostgreSQL + Redis pass")


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and not _is_pg(ENV_DB):
        _service_missing(item, "PostgreSQL (DATABASE_URL=postgresql+asyncpg://…)")
    if item.get_closest_marker("redis") and not ENV_REDIS:
        _service_missing(item, "Redis (REDIS_URL)")


def ci_verdict(skipped: bool, xfail: bool, by_design: bool) -> bool:
    """Whether a skip report must become a failure: under CI=true every skip except the SQLite pass's
    by-design skips of `postgres` / `redis` tests (xfail is not a skip)."""
    return CI and skipped and not xfail and not by_design


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    outcome = yield
    report = outcome.get_result()
    if ci_verdict(report.skipped, hasattr(report, "wasxfail"), item.stash.get(_SKIP_BY_DESIGN, False)):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"CI=true: this test skipped ({reason}); under CI a missing service or tool fails"


# Hypothesis: `ci` is derandomised (the same examples on every run, so a red build is reproducible and
# never flaky) with no deadline (shared CI machines stall); elsewhere the default random search.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, database=None, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if CI else "default"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if _is_pg(ENV_DB):
        return ENV_DB
    return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
async def migrated_url(database_url: str) -> str:
    """A database at the newest schema, migrated once per test session through alembic itself."""
    if _is_pg(database_url):
        engine = create_async_engine(database_url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    await upgrade_async(database_url)
    return database_url


def make_settings(database_url: str, var_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "redis_url": ENV_REDIS,
        "env": "test",
        "var_dir": var_dir,
        "secret_key": "t" * 48,
        "password_hashing": "fast",
        "workers": "external",
        "ruleset": "law",
        "rate_limits": "on",
        "log_format": "console",
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    return make_settings(migrated_url, tmp_path)


async def _empty_all_tables(db: Database) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with db.engine.begin() as conn:
        if db.is_sqlite:
            for name in tables:
                await conn.execute(text(f'DELETE FROM "{name}"'))
            if await conn.scalar(text("SELECT count(*) FROM sqlite_master WHERE name='sqlite_sequence'")):
                await conn.execute(text("DELETE FROM sqlite_sequence"))
        else:
            quoted = ", ".join(f'"{n}"' for n in tables)
            await conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    from web.app import create_app

    application = create_app(settings, run_workers=False)
    async with application.router.lifespan_context(application):
        # Empty at the start too: a live-server test (subprocess) may have left rows behind.
        await _empty_all_tables(application.state.runtime.db)
        yield application
        await application.state.runtime.limiter.reset()
        await _empty_all_tables(application.state.runtime.db)
    clock.set_clock(clock.SystemClock())


@pytest.fixture
def runtime(app: Any) -> Any:
    return app.state.runtime


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def session(runtime: Any) -> AsyncIterator[AsyncSession]:
    """A unit of work for arranging data directly through the services (commits at the end)."""
    async with runtime.db.session() as s:
        yield s


@dataclass
class Actor:
    user: User
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


MakeActor = Callable[..., Awaitable[Actor]]


@pytest.fixture
async def office(runtime: Any) -> Any:
    async with runtime.db.session() as s:
        return await user_service.create_office(s, code="IST-01", name="İstanbul 1. İcra Dairesi", city="İstanbul",
                                                sales_bureau_name="İstanbul Satış Bürosu")


def actor_factory(runtime: Any, token_ttl: timedelta) -> MakeActor:
    """Users of any role, with a bearer token each (`make_actor`; suites that move the clock pass a
    longer `token_ttl`)."""
    counter = {"n": 0}

    async def _make(role: str = "bidder", office_code: str | None = None, *, email: str | None = None) -> Actor:
        counter["n"] += 1
        email = email or f"{role}{counter['n']}@example.test"
        async with runtime.db.session() as s:
            user = await user_service.create_user(
                s, email=email, password=PASSWORD, full_name=f"Test {role.title()} {counter['n']}",
                role=Role(role), office_code=office_code, identity_verified=True)
            # Straight from the service: the HTTP login is rate limited and races need many bidders.
            token = await user_service.issue_token(s, user, ttl=token_ttl)
        return Actor(user=user, email=email, token=token)

    return _make


@pytest.fixture
def make_actor(runtime: Any) -> MakeActor:
    return actor_factory(runtime, timedelta(hours=2))


@pytest.fixture
async def staff(office: Any, make_actor: MakeActor) -> Actor:
    return await make_actor("staff", office.code)


@pytest.fixture
async def bidder(make_actor: MakeActor) -> Actor:
    return await make_actor("bidder")
