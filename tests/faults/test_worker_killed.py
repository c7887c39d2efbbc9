"""A worker killed while it holds a claim (SIGKILL of a real `esatis worker` at a fault-injection point):
the claimed work stays due, the next worker claims it again and does it exactly once.

The refund worker is the one where doing it twice costs money: a teminat sent back twice. (The closer's
twin test is tests/sales/test_closer.py.)"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from auction.audit.models import AuditEntry
from auction.deposits import service as deposits
from auction.deposits.models import Deposit, Refund
from auction.events.models import OutboxEvent
from tests.faults.support import open_round_now, process_env, wait_in_log
from workers.refunds import RefundWorker

pytestmark = pytest.mark.slow


async def _refund_facts(runtime, refund_id: int) -> tuple[str, str, int, int]:
    async with runtime.db.session() as s:
        refund = await s.get(Refund, refund_id)
        deposit = await s.get(Deposit, refund.deposit_id)
        events = await s.scalar(select(func.count()).select_from(OutboxEvent)
                                .where(OutboxEvent.type == "deposit.refunded"))
        audits = await s.scalar(select(func.count()).select_from(AuditEntry)
                                .where(AuditEntry.action == "deposit.refunded"))
    return refund.status, deposit.status, events, audits


@pytest.mark.parametrize("fault", ["refunds.after_claim", "refunds.before_commit"])
async def test_a_refund_worker_killed_mid_claim_leaves_it_due_and_the_next_does_it_once(env, settings,
                                                                                        tmp_path: Path, fault: str):
    lot_id, _round_id, (a, b) = await open_round_now(env, settings, 2)
    minimum = (await env.get_lot(lot_id))["min_next_bid"]
    assert (await env.bid(a, lot_id, minimum)).status_code == 201
    assert (await env.bid(b, lot_id, (await env.get_lot(lot_id))["min_next_bid"])).status_code == 201
    r = await env.client.post(f"/api/v1/lots/{lot_id}/deposits/withdraw", headers=a.headers)  # OP-16: due now
    assert r.status_code == 200, r.text
    refund_id = r.json()["refund_id"]
    assert await _refund_facts(env.runtime, refund_id) == ("due", "refunding", 0, 0)

    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "web.cli", "worker", env=process_env(settings, tmp_path / "var", fault=f"{fault}:60"),
            stdout=log, stderr=log)
    try:
        await wait_in_log(log_path, f"FAULT {fault}")
        proc.kill()  # SIGKILL while the refund is claimed (and, the second time, done but not committed)
        await asyncio.wait_for(proc.wait(), 10)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert await _refund_facts(env.runtime, refund_id) == ("due", "refunding", 0, 0)  # nothing half done

    # The next worker re-claims it (its lock died with the process) and does it once; again: nothing left.
    worker = RefundWorker(env.runtime)
    assert await worker.run_once() == 1
    assert await worker.run_once() == 0
    status, deposit_status, events, audits = await _refund_facts(env.runtime, refund_id)
    assert (status, deposit_status, events, audits) == ("done", "refunded", 1, 1)


@pytest.mark.postgres
async def test_two_refund_workers_at_once_send_each_refund_exactly_once(env, settings):
    """Both workers start from one barrier on their own connection pools and both get work (they really
    raced); SKIP LOCKED gives each refund to exactly one of them."""
    from auction.runtime import Runtime
    from auction.users import service as users

    lot_id, _round_id, bidders = await open_round_now(env, settings, 24)
    async with env.runtime.db.session() as s:  # 24 withdrawals (no bids yet: nobody is the highest) → 24 due
        for actor in bidders:
            await deposits.withdraw(s, env.runtime, users.principal_for(actor.user, via="token"), lot_id)
    runtimes = [Runtime.from_settings(settings.model_copy(update={"db_pool_size": 2})) for _ in range(2)]
    for rt in runtimes:
        await rt.start()
    barrier = asyncio.Barrier(2)

    async def work(rt: Runtime) -> int:
        worker = RefundWorker(rt)
        await barrier.wait()
        done = 0
        while (n := await worker.run_once()) > 0:
            done += n
        return done

    try:
        counts = await asyncio.gather(*(work(rt) for rt in runtimes))
    finally:
        for rt in runtimes:
            await rt.stop()
    assert sum(counts) == 24 and all(c > 0 for c in counts), counts
    async with env.runtime.db.session() as s:
        statuses = (await s.scalars(select(Refund.status))).all()
        events = (await s.scalars(select(OutboxEvent.data).where(OutboxEvent.type == "deposit.refunded"))).all()
    assert statuses == ["done"] * 24
    assert sorted(e["refund_id"] for e in events) == sorted(set(e["refund_id"] for e in events))
    assert len(events) == 24
