"""The round clock (S-03, S-07, TM-10, TM-13): on time, never early, never twice - with two closers at
once, and after a closer is killed mid-way (a real process, SIGKILL at a fault-injection point)."""

import asyncio
import os
import signal
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from auction import clock
from auction.events.models import OutboxEvent
from auction.runtime import Runtime
from auction.sales import rounds
from auction.sales.models import LotEvent, Round, Tutanak
from tests.engine import open_lot, z
from workers.closer import RoundCloser


async def test_close_is_conditional_never_early_never_twice(env, manual_clock, runtime):
    lot, sale = await open_lot(env, manual_clock)
    a = await env.bidder(lot["id"])
    await env.bid(a, lot["id"], "1175000.00")
    rid = sale["rounds"][0]["id"]
    async with runtime.db.session() as s:
        ends_at = (await s.get(Round, rid)).ends_at
    # A cutoff before the close (a bid moved ends_at after the claim): nothing happens.
    async with runtime.db.session() as s:
        assert not await rounds.close_round(s, runtime, rid, ends_at, ends_at - timedelta(milliseconds=1))
    async with runtime.db.session() as s:
        assert await rounds.close_round(s, runtime, rid, ends_at, ends_at)
    async with runtime.db.session() as s:
        assert not await rounds.close_round(s, runtime, rid, ends_at, ends_at)  # already closed
    async with runtime.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxEvent)
                              .where(OutboxEvent.type == "round.closed")) == 1
        assert await s.scalar(select(func.count()).select_from(Tutanak)) == 1


async def _due_rounds(env, runtime, settings, n: int, seconds: float) -> list[int]:
    runtime.settings = settings.model_copy(update={"ruleset": "demo"})
    ids = []
    start = clock.now()
    for _ in range(n):
        lot = await env.lot()
        sale = await env.sale(lot["id"], first_round_start=z(start),
                              first_round_end=z(start + timedelta(seconds=seconds)))
        ids.append(sale["rounds"][0]["id"])
    return ids


async def _assert_each_closed_once(runtime, ids):
    async with runtime.db.session() as s:
        closed_rounds = (await s.scalars(select(Round).where(Round.id.in_(ids)))).all()
        assert {r.status for r in closed_rounds} == {"closed"}
        closed = (await s.execute(select(LotEvent.round_id, func.count()).where(LotEvent.type == "closed")
                                  .group_by(LotEvent.round_id))).all()
        opened = (await s.execute(select(LotEvent.round_id, func.count()).where(LotEvent.type == "round_opened")
                                  .group_by(LotEvent.round_id))).all()
        outbox = (await s.scalars(select(OutboxEvent.data).where(OutboxEvent.type == "round.closed"))).all()
        tutanaklar = await s.scalar(select(func.count()).select_from(Tutanak).where(Tutanak.round_id.in_(ids)))
    assert sorted(closed) == [(i, 1) for i in sorted(ids)]
    assert sorted(opened) == [(i, 1) for i in sorted(ids)]
    assert sorted(d["round_id"] for d in outbox) == sorted(ids)
    assert tutanaklar == len(ids)


async def test_two_closers_at_once_close_each_round_exactly_once(env, runtime, settings):
    ids = await _due_rounds(env, runtime, settings, 20, 1.0)
    await asyncio.sleep(1.5)
    runtimes = [Runtime.from_settings(settings) for _ in range(2)]
    for rt in runtimes:
        await rt.start()
    try:
        closers = [RoundCloser(rt) for rt in runtimes]

        async def drain(c: RoundCloser) -> int:
            total = 0
            for _ in range(20):
                total += await c.run_once()
            return total

        counts = await asyncio.gather(*(drain(c) for c in closers))
    finally:
        for rt in runtimes:
            await rt.stop()
    # 20 openings + 20 closes, split between the two; a closer's first sweep may also finish closes the
    # other committed and has not finished yet (counted, never done twice: checked below).
    assert 40 <= sum(counts) <= 60
    await _assert_each_closed_once(runtime, ids)


async def test_a_running_clock_closes_due_rounds_never_before_ends_at(env, runtime, settings):
    # How late after ends_at is a benchmark's question (bench/clock.py, TM-13), not a test's: here the
    # clock must close every due round on its own, and none before its ends_at.
    from workers.runner import Supervisor

    ids = await _due_rounds(env, runtime, settings, 3, 2.0)
    sup = Supervisor(runtime, [RoundCloser(runtime)])
    await sup.start()
    try:
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            async with runtime.db.session() as s:
                rows = (await s.scalars(select(Round).where(Round.id.in_(ids)))).all()
            if all(r.status == "closed" for r in rows):
                break
            await asyncio.sleep(0.1)
    finally:
        await sup.stop()
    for r in rows:
        assert r.status == "closed"
        assert r.closed_at >= r.ends_at, (r.closed_at, r.ends_at)


def _worker_env(settings, tmp_path, fault: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"DATABASE_URL": settings.database_url, "ESATIS_VAR_DIR": str(tmp_path),
                "ESATIS_LOG_FORMAT": "console", "ESATIS_PASSWORD_HASHING": "fast", "ESATIS_SECRET_KEY": "t" * 48})
    if settings.redis_url:
        env["REDIS_URL"] = settings.redis_url
    env.pop("ESATIS_FAULT", None)
    if fault:
        env["ESATIS_FAULT"] = fault
    return env


@pytest.mark.slow
async def test_a_closer_killed_mid_way_leaves_nothing_and_a_restarted_one_finishes(env, runtime, settings,
                                                                                     tmp_path):
    ids = await _due_rounds(env, runtime, settings, 2, 1.0)
    await asyncio.sleep(1.2)
    # Open them in-process (the kill is about the close).
    closer = RoundCloser(runtime)
    assert await closer.open_one()
    assert await closer.open_one()
    await asyncio.sleep(0.5)
    for fault in ("closer.after_claim", "closer.before_commit"):
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "web.cli", "worker", env=_worker_env(settings, tmp_path, f"{fault}:60"),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        try:
            await asyncio.wait_for(_wait_for(proc, f"FAULT {fault}"), 60)
            proc.kill()  # SIGKILL mid-way: claimed (and, the second time, everything written but not committed)
            await asyncio.wait_for(proc.wait(), 10)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        async with runtime.db.session() as s:
            statuses = (await s.scalars(select(Round.status).where(Round.id.in_(ids)))).all()
            closed_events = await s.scalar(select(func.count()).select_from(LotEvent).where(LotEvent.type == "closed"))
        assert statuses == ["open", "open"], fault  # nothing half done
        assert closed_events == 0
    # A normal worker process picks the work up again.
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "web.cli", "worker", env=_worker_env(settings, tmp_path, None),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            async with runtime.db.session() as s:
                statuses = (await s.scalars(select(Round.status).where(Round.id.in_(ids)))).all()
                # Closed, then finished (tutanak, refunds, round.closed) in the closer's second transaction.
                finished = await s.scalar(select(func.count()).select_from(Tutanak).where(Tutanak.round_id.in_(ids)))
            if set(statuses) == {"closed"} and finished == len(ids):
                break
            await asyncio.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 15)
        except TimeoutError:
            proc.kill()
            await proc.wait()
    await _assert_each_closed_once(runtime, ids)


async def _wait_for(proc: asyncio.subprocess.Process, marker: str) -> None:
    assert proc.stderr is not None
    async for line in proc.stderr:
        if marker in line.decode(errors="replace"):
            return
    raise AssertionError(f"worker exited before {marker!r} (rc={proc.returncode})")


@pytest.mark.postgres
async def test_two_closers_racing_over_many_due_rounds_claim_disjoint_batches(env, runtime, settings):
    """Two closer processes (two runtimes, separate connections), each running two batches at once, race
    over 60 due rounds with small batches: every round opens and closes exactly once, with one tutanak
    and one `round.closed` event, and both closers claimed some (SKIP LOCKED hands them disjoint sets)."""
    ids = await _due_rounds(env, runtime, settings, 60, 1.0)
    await asyncio.sleep(1.5)
    tuned = settings.model_copy(update={"closer_batch": 4, "closer_tasks": 2})
    runtimes = [Runtime.from_settings(tuned) for _ in range(2)]
    for rt in runtimes:
        await rt.start()
    try:
        closers = [RoundCloser(rt) for rt in runtimes]
        assert [c.tasks for c in closers] == [2, 2]

        async def drain(c: RoundCloser) -> tuple[int, int]:
            opened = closed = 0
            for _ in range(40):
                opened += sum(await asyncio.gather(c.open_batch(), c.open_batch()))
                closed += sum(await asyncio.gather(c.close_batch(), c.close_batch()))
            return opened, closed

        counts = await asyncio.gather(*(drain(c) for c in closers))
    finally:
        for rt in runtimes:
            await rt.stop()
    assert sum(o for o, _ in counts) == 60
    assert sum(c for _, c in counts) == 60
    assert all(o > 0 and c > 0 for o, c in counts), counts  # both closers took part in both steps
    await _assert_each_closed_once(runtime, ids)


async def test_a_failing_round_does_not_hold_up_its_batch(env, runtime, settings, monkeypatch):
    """A close that raises rolls its batch back; the batch's other rounds are then closed one by one and
    the failing one stays open (and is retried by the next run)."""
    ids = await _due_rounds(env, runtime, settings, 4, 1.0)
    await asyncio.sleep(1.5)
    closer = RoundCloser(runtime)
    assert await closer.open_batch() == 4
    await asyncio.sleep(0.5)
    bad = ids[1]
    real = rounds.close_rounds

    async def flaky(session, rt, round_ids, now, cutoff):
        if bad in round_ids:
            raise RuntimeError("injected")
        return await real(session, rt, round_ids, now, cutoff)

    monkeypatch.setattr(rounds, "close_rounds", flaky)
    assert await closer.close_batch() == 3
    monkeypatch.setattr(rounds, "close_rounds", real)
    async with runtime.db.session() as s:
        status = dict((await s.execute(select(Round.id, Round.status).where(Round.id.in_(ids)))).all())
    assert status == {i: ("open" if i == bad else "closed") for i in ids}
    assert await closer.close_batch() == 1
    await _assert_each_closed_once(runtime, ids)


async def test_a_close_left_unfinished_is_finished_by_the_sweep_exactly_once(env, runtime, settings, monkeypatch):
    """The closer commits the close first and finishes it (refund jobs, tutanak, `round.closed`) in a second
    transaction; if it dies between the two, the round is closed without a tutanak and the next closer's
    sweep finishes it - once, even with two closers sweeping at once."""
    ids = await _due_rounds(env, runtime, settings, 3, 1.0)
    await asyncio.sleep(1.5)
    closer = RoundCloser(runtime)
    assert await closer.open_batch() == 3
    await asyncio.sleep(0.5)

    async def dies(*args, **kwargs):
        raise RuntimeError("killed between the close and its finish")

    monkeypatch.setattr(rounds, "finish_close", dies)
    assert await closer.close_batch() == 3
    monkeypatch.undo()
    async with runtime.db.session() as s:
        assert set((await s.scalars(select(Round.status).where(Round.id.in_(ids)))).all()) == {"closed"}
        assert await s.scalar(select(func.count()).select_from(Tutanak)) == 0
        assert await s.scalar(select(func.count()).select_from(OutboxEvent)
                              .where(OutboxEvent.type == "round.closed")) == 0
    others = [RoundCloser(runtime), RoundCloser(runtime)]
    assert sum(await asyncio.gather(*(c.sweep() for c in others))) == 3
    assert [await c.sweep() for c in others] == [0, 0]  # not before the next sweep interval
    assert await RoundCloser(runtime).finish_batch() == 0  # nothing left to finish
    await _assert_each_closed_once(runtime, ids)


async def test_a_batch_opens_and_closes_in_the_same_statements_whatever_its_size(env, runtime, settings):
    """The flips are set-based (ADR 0017): opening or closing a batch of 6 rounds sends the same statements
    as a batch of 2 (no per-round query), and each round still gets its own sale's R, C and threshold
    (A-31) in kuruş, its lot's next seq, one `round_opened` and one `closed` event."""
    from auction.sales.models import Sale
    from auction.sales.threshold import sale_threshold
    from tests.bidding.test_query_counts import counting

    counts, every = {}, []
    for n in (2, 6):
        ids = await _due_rounds(env, runtime, settings, n, 1.0)
        await asyncio.sleep(1.5)
        closer = RoundCloser(runtime)
        with counting(runtime) as opening:
            assert await closer.open_batch() == n
        async with runtime.db.session() as s:
            for rnd in (await s.scalars(select(Round).where(Round.id.in_(ids)))).all():
                sale = await s.get(Sale, rnd.sale_id)
                assert (rnd.status, rnd.r_amount, rnd.c_amount) == ("open", sale.r_amount, sale.c_amount)
                assert rnd.threshold == sale_threshold(sale)
                assert sale.status == "round_open"
                event_seq = await s.scalar(select(LotEvent.seq).where(LotEvent.round_id == rnd.id,
                                                                      LotEvent.type == "round_opened"))
                assert event_seq == rnd.seq
        await asyncio.sleep(0.5)
        with counting(runtime) as closing:
            assert await closer.close_batch(finish=False) == n
        counts[n] = (len(opening), len(closing))
        assert await closer.finish_batch(among=ids) == n
        every += ids
    await _assert_each_closed_once(runtime, every)
    assert counts[2] == counts[6]
