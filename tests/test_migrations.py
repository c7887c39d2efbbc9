"""The migrations are the schema: applying them gives exactly the models, on SQLite and PostgreSQL."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from auction.migrate import current_heads
from auction.migrations.env_filters import include_object_for
from auction.models import Base


async def test_migrations_match_the_models(migrated_url):
    engine = create_async_engine(migrated_url)

    def diff(sync_conn):
        ctx = MigrationContext.configure(sync_conn, opts={"compare_type": True,
                                                          "include_object": include_object_for(sync_conn.dialect.name)})
        return compare_metadata(ctx, Base.metadata)

    async with engine.connect() as conn:
        problems = await conn.run_sync(diff)
    await engine.dispose()
    assert problems == [], f"models and migrations differ: {problems}"


def test_one_head():
    assert len(current_heads()) == 1, "two alembic heads: add a merge revision"


def test_downgrade_and_upgrade_on_a_scratch_database(tmp_path):
    from alembic import command

    from auction.migrate import alembic_config

    url = f"sqlite+aiosqlite:///{tmp_path / 'scratch.db'}"
    cfg = alembic_config(url)
    command.upgrade(cfg, "head")
    command.downgrade(cfg, "base")
    command.upgrade(cfg, "head")


def test_concurrent_migrations_are_serialised(tmp_path, migrated_url):
    """Two `esatis migrate` at once (replicas starting together) both succeed."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, DATABASE_URL=migrated_url if migrated_url.startswith("postgresql")
               else f"sqlite+aiosqlite:///{tmp_path / 'concurrent.db'}", ESATIS_VAR_DIR=str(tmp_path))
    procs = [subprocess.Popen([sys.executable, "-m", "web.cli", "migrate"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs


@pytest.mark.postgres
def test_downgrade_and_upgrade_on_a_scratch_postgres_database(migrated_url):
    """Every migration's downgrade runs on PostgreSQL too (issue 16: up and down on both databases), on a
    scratch database next to the suite's, and the schema comes back equal to the models."""
    import asyncio
    import subprocess

    from alembic import command
    from sqlalchemy.engine import make_url

    from auction.migrate import alembic_config

    url = make_url(migrated_url)
    scratch = f"{url.database}_updown"
    psql = ["psql", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres",
            "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c"]
    subprocess.run([*psql, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'], check=True, capture_output=True)
    subprocess.run([*psql, f'CREATE DATABASE "{scratch}"'], check=True, capture_output=True)
    scratch_url = url.set(database=scratch).render_as_string(hide_password=False)
    try:
        cfg = alembic_config(scratch_url)
        command.upgrade(cfg, "head")
        command.downgrade(cfg, "base")
        command.upgrade(cfg, "head")
        asyncio.run(test_migrations_match_the_models(scratch_url))
    finally:
        subprocess.run([*psql, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'], check=False,
                       capture_output=True)
