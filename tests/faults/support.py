"""Helpers of the fault tests: a lot open now in real time, a subprocess's environment, waiting for a
fault point in a log, and what the database holds of a lot's bidding."""

from __future__ import annotations

import asyncio
import os
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from auction import clock
from auction.bidding import service as bidding
from auction.bidding.models import Bid
from auction.config import Settings
from auction.deposits import service as deposits
from auction.sales.models import LotEvent, Round
from auction.users import service as users
from tests.conftest import Actor
from tests.engine import Env, z

SECRET = "t" * 48  # the suite's secret (tests/conftest.py): tokens issued here resolve in the subprocesses


async def open_round_now(env: Env, settings: Settings, bidders: int) -> tuple[int, int, list[Actor]]:
    """A lot whose round 1 is open now, in real time, closing in ten minutes, with `bidders` holding
    teminat: the lot id, the round id and the bidders."""
    env.runtime.settings = settings.model_copy(update={"ruleset": "demo"})
    lot = await env.lot()
    start = clock.now()
    sale = await env.sale(lot["id"], first_round_start=z(start), first_round_end=z(start + timedelta(minutes=10)))
    round_id = int(sale["rounds"][0]["id"])
    await env.tick()  # opens it
    actors = [await env.make_actor("bidder") for _ in range(bidders)]
    async with env.runtime.db.session() as s:
        for a in actors:
            deposit, _ = await deposits.create_deposit(s, env.runtime, users.principal_for(a.user, via="token"),
                                                       lot["id"])
            assert deposit.status == "confirmed"
        assert (await s.get(Round, round_id)).status == "open"
    return int(lot["id"]), round_id, actors


def process_env(settings: Settings, var_dir: Path, *, fault: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of an `esatis serve` / `esatis worker` subprocess on the test's database."""
    env = dict(os.environ)
    env.pop("ESATIS_FAULT", None)
    env.pop("REDIS_URL", None)
    env.update({"DATABASE_URL": settings.database_url, "ESATIS_VAR_DIR": str(var_dir), "ESATIS_ENV": "test",
                "ESATIS_SECRET_KEY": SECRET, "ESATIS_PASSWORD_HASHING": "fast", "ESATIS_LOG_FORMAT": "console",
                "ESATIS_WORKERS": "external", "PYTHONUNBUFFERED": "1"})
    if settings.redis_url:
        env["REDIS_URL"] = settings.redis_url
    if fault:
        env["ESATIS_FAULT"] = fault
    env.update(extra)
    return env


async def wait_in_log(path: Path, marker: str, within: float = 60.0) -> None:
    """Wait until a subprocess's log file shows `marker` (it reached a fault point)."""
    async with asyncio.timeout(within):
        while not _log_has(path, marker):  # noqa: ASYNC110 - polls another process's file
            await asyncio.sleep(0.05)


def _log_has(path: Path, marker: str) -> bool:
    return path.exists() and marker in path.read_text(errors="replace")


async def bid_facts(runtime: Any, lot_id: int, round_id: int) -> dict[str, Any]:
    """What the database holds of the lot's bidding: bids, the round's counters, live events, the chain."""
    async with runtime.db.session() as s:
        bids = (await s.scalars(select(Bid).where(Bid.lot_id == lot_id).order_by(Bid.seq))).all()
        rnd = await s.get(Round, round_id)
        bid_events = await s.scalar(select(func.count()).select_from(LotEvent)
                                    .where(LotEvent.lot_id == lot_id, LotEvent.type == "bid"))
        chain_ok = await bidding.verify_chain(s, lot_id)
    assert rnd is not None
    return {"bids": [(b.id, b.amount) for b in bids], "bid_count": rnd.bid_count, "price": rnd.current_price,
            "bid_events": bid_events, "chain_ok": chain_ok}


def require_binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is not installed (CI=true: a missing service fails, never skips)")
        pytest.skip(f"{name} is not installed")
    return path
