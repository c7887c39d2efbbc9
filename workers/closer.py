"""The round clock: opens every round whose start has come (S-03, TM-10) and closes every open round at
its close (S-07, TM-13), within a second.

State lives only in the database. Due rounds are claimed in batches, one transaction per batch: a claim
of up to `ESATIS_CLOSER_BATCH` rounds (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the single-writer lock on
SQLite), then one set-based conditional UPDATE for the whole batch (`… WHERE id IN (:batch) AND status =
'open' AND ends_at <= :cutoff`, `auction.sales.rounds.close_rounds`; `open_rounds` likewise), so two
closers - or the `ESATIS_CLOSER_TASKS` batches one closer runs at once - never close a round twice (each
claims rows the others skip), a closer never closes early (a bid that moved `ends_at` meanwhile wins),
and a closer killed mid-way leaves either nothing or closed rounds with their lot event and audit row.
The work a close triggers (refund jobs, tutanak draft, `round.closed`) is per round and comes after, in
transactions of `ESATIS_CLOSER_FINISH_BATCH` rounds, each while no opening or close is due; a round closed but
not finished is finished by the sweep if the closer dies first.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

import structlog

from auction import clock, faults
from auction.calendar import local_date
from auction.rules.table import rulebook
from auction.runtime import Runtime
from auction.sales import rounds
from workers.base import Worker

log = structlog.get_logger(__name__)


def close_grace() -> timedelta:
    """A-40: how long after `ends_at` the closer waits, so that a bid whose t was read before the close
    is decided by its own t rather than by the closer's clock (rule row `auction.close.grace_ms`)."""
    day = local_date(clock.now())
    return timedelta(milliseconds=rulebook().row("auction.close.grace_ms", day).integer())


class RoundCloser(Worker):
    """Claims due rounds in batches (`closer_batch` per transaction) with `tasks` batches running at once
    (`closer_tasks`, each on its own connection; one on SQLite). A batch that fails is rolled back whole
    and its rounds are retried one per transaction, so one bad round never holds up the others. The
    closes it committed are finished `closer_finish_batch` at a time, after the due flips of each run."""

    name = "closer"
    interval = 0.2

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime)
        self.batch = runtime.settings.closer_batch
        self.tasks = 1 if runtime.db.is_sqlite else runtime.settings.closer_tasks
        self.finish_size = runtime.settings.closer_finish_batch
        # Rounds this closer closed and has not finished yet. Only in memory: a closer that dies leaves
        # them closed without a tutanak, which the sweep finds in the database.
        self._to_finish: list[int] = []
        self._next_sweep = 0.0  # the first run sweeps at once (a restarted closer finishes what was left)

    # Batches one task runs back to back in one `run_once` before the supervisor's loop looks again.
    drain_batches = 4

    # Seconds between two sweeps for closes left unfinished by a closer that died (see `sweep`).
    sweep_interval = 30.0

    async def run_once(self) -> int:
        """Open and close what is due, then finish the closes; the number opened and closed (a finish is
        part of its close). The finishes wait for the flips: after each `tasks` small finish batches the
        run looks for due openings and closes again, so a backlog of finishes never holds up a close."""
        flipped = 0
        while True:
            flipped += await self._flip(self.open_batch)
            flipped += await self._flip(self._close_unfinished)
            if not self._to_finish:
                return flipped + await self.sweep()
            await self._finish_some()

    async def _close_unfinished(self) -> int:
        return await self.close_batch(finish=False)

    async def _finish_some(self) -> None:
        chunks: list[list[int]] = []
        while self._to_finish and len(chunks) < self.tasks:
            chunks.append(self._to_finish[:self.finish_size])
            del self._to_finish[:self.finish_size]
        await asyncio.gather(*(self._finish_closed(chunk) for chunk in chunks))

    async def _finish_closed(self, closed: list[int]) -> int:
        try:
            return await self.finish_batch(among=closed)
        except Exception:  # closed and committed: the sweep finishes them
            log.exception("finish_failed", round_ids=closed)
            self._next_sweep = 0.0
            return 0

    async def _flip(self, step: Callable[[], Awaitable[int]]) -> int:
        """One batch; only if it was full (more is due) `tasks` batches at once until drained. An idle
        clock thus sends two statements per poll for each step, not two per task."""
        n = await step()
        if n < self.batch:
            return n
        return n + sum(await asyncio.gather(*(self._drain(step) for _ in range(self.tasks))))

    async def _drain(self, step: Callable[[], Awaitable[int]]) -> int:
        total = 0
        for _ in range(self.drain_batches):
            n = await step()
            total += n
            if n < self.batch:
                break
        return total

    async def open_one(self) -> bool:
        return await self.open_batch(limit=1) > 0

    async def close_one(self) -> bool:
        return await self.close_batch(limit=1) > 0

    async def open_batch(self, limit: int | None = None, only: int | None = None) -> int:
        """Open up to `limit` due rounds in one transaction (one UPDATE for all); the number claimed (0:
        nothing due)."""
        ids: list[int] = []
        try:
            async with self.runtime.db.session() as session:
                now = await clock.decisive_now(session)  # the database's clock decides (docs/adr/0002)
                ids = await rounds.claim_due_openings(session, now, limit or self.batch, only=only)
                opened = await rounds.open_rounds(session, self.runtime, ids, now)
        except Exception:
            if only is not None or len(ids) <= 1:
                raise
            log.exception("open_batch_failed", rounds=ids)
            return await self._one_by_one(ids, self.open_batch)
        if opened:
            log.info("rounds_opened", round_ids=opened)
        return len(ids)

    async def close_batch(self, limit: int | None = None, only: int | None = None, *, finish: bool = True) -> int:
        """Close up to `limit` rounds whose close has passed, in one transaction (one UPDATE for all), then
        finish them (refund jobs, tutanak draft, `round.closed`) in another - or, without `finish`, leave
        them to `run_once`'s finish batches; the number claimed. A round is seen closed as soon as the first
        commits; a closer that dies between the two leaves closed rounds that the next sweep finishes
        (`finish_batch`)."""
        ids: list[int] = []
        try:
            async with self.runtime.db.session() as session:
                now = await clock.decisive_now(session)  # the database's clock decides (docs/adr/0002)
                cutoff = now - close_grace()
                ids = await rounds.claim_due_closes(session, cutoff, limit or self.batch, only=only)
                if not ids:
                    return 0
                await faults.point("closer.after_claim")
                closed = await rounds.close_rounds(session, self.runtime, ids, now, cutoff)
                await faults.point("closer.before_commit")
        except Exception:
            if only is not None or len(ids) <= 1:
                raise
            log.exception("close_batch_failed", rounds=ids)
            return await self._one_by_one(ids, self.close_batch)
        if closed:
            log.info("rounds_closed", round_ids=closed)
            if finish:
                await self._finish_closed(closed)
            else:
                self._to_finish.extend(closed)
        return len(ids)

    async def finish_batch(self, among: list[int] | None = None, limit: int | None = None,
                           only: int | None = None) -> int:
        """Finish closed rounds whose close is not finished yet (`among` those, or any): one transaction."""
        ids: list[int] = []
        try:
            async with self.runtime.db.session() as session:
                ids = await rounds.claim_unfinished_closes(session, limit or len(among or []) or self.batch,
                                                           among=[only] if only is not None else among)
                for rid in ids:
                    await rounds.finish_close(session, self.runtime, rid)
        except Exception:
            if only is not None or len(ids) <= 1:
                raise
            log.exception("finish_batch_failed", rounds=ids)
            return await self._one_by_one(ids, self.finish_batch)
        return len(ids)

    async def sweep(self) -> int:
        """Finish the closes a closer left unfinished (killed between its two transactions), at most
        every `sweep_interval` seconds: the query looks at every closed round."""
        if time.monotonic() < self._next_sweep:
            return 0
        self._next_sweep = time.monotonic() + self.sweep_interval
        done = await self.finish_batch(limit=self.finish_size)
        if done >= self.finish_size:  # a backlog (a closer died with many closes): go on at the next run
            self._next_sweep = 0.0
        return done

    @staticmethod
    async def _one_by_one(ids: list[int], step: Callable[..., Awaitable[int]]) -> int:
        done = 0
        for rid in ids:
            try:
                done += await step(limit=1, only=rid)
            except Exception:
                log.exception("round_step_failed", round_id=rid)
        return done
