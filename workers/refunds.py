"""Executes due refund jobs through the payment provider (A-55, TM-22) and emits `deposit.refunded`."""

from __future__ import annotations

from auction import clock
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
                await refunds.execute_refund(session, refund_id, now)
            done += 1
        return done
