"""Backup and restore as docs/operations.md describes it, for real: `pg_dump -Fc` of a database with a
sale running (bids arriving), `pg_restore` into a fresh database, and then every bid is there, identical,
the schema is at the same alembic revision and `esatis ledger verify` passes on the copy."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from auction.bidding import ledger
from auction.bidding.models import Bid
from auction.db import Database
from tests.faults.support import open_round_now, require_binary

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _pg_args(url: str) -> list[str]:
    u = make_url(url)
    return ["-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres"]


async def _run(*args: str, env: dict[str, str] | None = None) -> str:
    proc = await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT, env=env)
    out, _ = await asyncio.wait_for(proc.communicate(), 180)
    assert proc.returncode == 0, f"{args[0]} failed: {out.decode(errors='replace')}"
    return out.decode(errors="replace")


async def _snapshot(url: str) -> tuple[list[tuple[int, int, str, str]], str]:
    db = Database(url)
    try:
        async with db.sessionmaker() as s:
            bids = [(b.id, b.seq, str(b.amount), b.hash) for b in
                    (await s.scalars(select(Bid).order_by(Bid.id))).all()]
            revision = str((await s.execute(text("SELECT version_num FROM alembic_version"))).scalar_one())
            results = await ledger.verify(s)
        assert results and all(r.ok for r in results), [p for r in results for p in r.problems]
    finally:
        await db.dispose()
    return bids, revision


async def test_a_dump_taken_during_bidding_restores_with_every_bid_and_a_verified_ledger(env, settings, tmp_path: Path):
    pg_dump, pg_restore = require_binary("pg_dump"), require_binary("pg_restore")
    lot_id, _round_id, (a, b) = await open_round_now(env, settings, 2)
    for who in (a, b, a, b):
        r = await env.bid(who, lot_id, (await env.get_lot(lot_id))["min_next_bid"])
        assert r.status_code == 201, r.text

    source = settings.database_url
    dump = tmp_path / "esatis.dump"
    # The app keeps running (its pool holds connections); pg_dump reads one consistent snapshot.
    await _run(pg_dump, *_pg_args(source), "--format=custom", "--no-owner", "--file", str(dump),
               make_url(source).database or "")
    restored_name = f"{make_url(source).database}_restore"
    admin = _pg_args(source)
    psql = require_binary("psql")
    await _run(psql, *admin, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c",
               f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')
    await _run(psql, *admin, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", f'CREATE DATABASE "{restored_name}"')
    restored = make_url(source).set(database=restored_name).render_as_string(hide_password=False)
    try:
        await _run(pg_restore, *admin, "--no-owner", "--exit-on-error", "-d", restored_name, str(dump))
        original_bids, original_rev = await _snapshot(source)
        copy_bids, copy_rev = await _snapshot(restored)
        assert len(copy_bids) == 4 and copy_bids == original_bids and copy_rev == original_rev
        cli_env = dict(os.environ, DATABASE_URL=restored, ESATIS_VAR_DIR=str(tmp_path / "var"),
                       ESATIS_SECRET_KEY="t" * 48, ESATIS_LOG_LEVEL="WARNING")
        cli_env.pop("REDIS_URL", None)
        out = await _run(sys.executable, "-m", "web.cli", "ledger", "verify", env=cli_env)
        assert f"lot {lot_id}: 4 bids, final hash {copy_bids[-1][3]}: ok" in out
    finally:
        await _run(psql, *admin, "-d", "postgres", "-c", f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')
