"""The round clock: opens every round whose start has come (S-03, TM-10) and closes every open round at
its close (S-07, TM-13), within a second.

State lives only in the database. Each round is claimed and changed in its own transaction: a claim
(`FOR UPDATE SKIP LOCKED` on PostgreSQL, the single-writer lock on SQLite) followed by a conditional
UPDATE (`… WHERE status = 'open' AND ends_at <= :cutoff`), so two closers never close a round twice, a
closer never closes early (a bid that moved `ends_at` meanwhile wins), and a closer killed mid-way
leaves either nothing or a closed round with all its side effects; the next run finishes the rest.
"""

from __future__ import annotations

from datetime import timedelta

import structlog

from auction import clock, faults
from auction.calendar import local_date
from auction.rules.table import rulebook
from auction.sales import rounds
from workers.base import Worker

log = structlog.get_logger(__name__)


def close_grace() -> timedelta:
    """A-40: how long after `ends_at` the closer waits, so that a bid whose t was read before the close
    is decided by its own t rather than by the closer's clock (rule row `auction.close.grace_ms`)."""
    day = local_date(clock.now())
    return timedelta(milliseconds=rulebook().row("auction.close.grace_ms", day).integer())


class RoundCloser(Worker):
    name = "closer"
    interval = 0.2
    batch = 50

    async def run_once(self) -> int:
        done = 0
        while done < self.batch and await self.open_one():
            done += 1
        while done < self.batch and await self.close_one():
            done += 1
        return done

    async def open_one(self) -> bool:
        async with self.runtime.db.session() as session:
            now = await clock.decisive_now(session)  # the database's clock decides (docs/adr/0002)
            round_id = await rounds.claim_due_opening(session, now)
            if round_id is None:
                return False
            opened = await rounds.open_round(session, self.runtime, round_id, now)
        if opened:
            log.info("round_opened", round_id=round_id)
        return True

    async def close_one(self) -> bool:
        async with self.runtime.db.session() as session:
            now = await clock.decisive_now(session)  # the database's clock decides (docs/adr/0002)
            cutoff = now - close_grace()
            round_id = await rounds.claim_due_close(session, cutoff)
            if round_id is None:
                return False
            await faults.point("closer.after_claim")
            closed = await rounds.close_round(session, self.runtime, round_id, now, cutoff)
            await faults.point("closer.before_commit")
        if closed:
            log.info("round_closed", round_id=round_id)
        return True
