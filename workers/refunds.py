"""Executes due refund jobs through the payment provider (A-55, TM-22) and emits `deposit.refunded`.

Each refund is claimed (`FOR UPDATE SKIP LOCKED`) and done in one transaction: a worker killed after the
claim or before the commit leaves the refund due (the provider call is idempotent per refund id), and the
next run does it once (tests/faults/test_worker_killed.py)."""

from __future__ import annotations

from auction import clock, faults
from auction.deposits import refunds
from workers.base import Worker


class RefundWorker(Worker):
    name = "refunds"
    interval = 1.0
    batch = 50

    async def run_once(self) -> int:
        done = 0
        while done < self.batch:
            now = clock.now()
            async with self.runtime.db.session() as session:
                refund_id = await refunds.claim_due_refund(session, now)
                if refund_id is None:
                    break
                await faults.point("refunds.after_claim")
                await refunds.execute_refund(session, refund_id, now)
                await faults.point("refunds.before_commit")
            done += 1
        return done
