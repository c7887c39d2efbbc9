"""The round clock: N rounds that start in the same second and end in the same second, opened and closed
by the workers of one deployment (`esatis serve` with ESATIS_WORKERS=external and one or two
`esatis worker` processes, PostgreSQL + Redis). Lag = when a change is first seen committed minus when
it was due (open, closed, and finished: the close's tutanak drafted, ADR 0017): an observer polls the
rounds' status every 50 ms, so lags carry up to 50 ms of polling.
The close lag includes the A-40 grace (`auction.close.grace_ms`, 300 ms), which the closer waits for
on purpose. The ceiling is a single UPDATE that opens (closes) all N rows at once, timed on the same
database: the least any clock could take.

The rounds are created through the API with their start two hours ahead (demo ruleset: a 20-second
round), then moved together to start a few seconds from now by shifting every time column of the
round by one interval, so that set-up time does not count.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import STAFF, create_lots, percentile, pg_dsn, start, token

ROUND_SECONDS = 20
# The worker processes of each run: every worker in one process, in two alike, and the clock in a process
# of its own beside one running every other worker (`esatis worker --only/--skip`, docs/scaling.md).
LAYOUTS: list[tuple[str, list[list[str]]]] = [
    ("1 process, every worker", [[]]),
    ("2 processes, every worker in each", [[], []]),
    ("2 processes, the clock apart", [["--only", "closer"], ["--skip", "closer"]]),
]
TIME_COLUMNS = ("starts_at", "scheduled_end", "ends_at", "window_start", "first_extension_end", "cap_at")


def run(database_url: str, redis_url: str | None, port: int, quick: bool, smoke: bool = False) -> dict[str, Any]:
    n = 10 if smoke else 200 if quick else 1000
    runs = []
    for layout, per_process in LAYOUTS[:1] if smoke else LAYOUTS:
        with tempfile.TemporaryDirectory(prefix="bench-clock-") as tmp_:
            dep = start(database_url, redis_url, Path(tmp_), port=port, worker_args=per_process)
            try:
                result = asyncio.run(_run(dep.url, database_url, n))
            finally:
                dep.stop()
        workers = len(per_process)
        result["worker_processes"] = workers
        result["layout"] = layout
        print(f"[clock] {n} rounds, {layout}: open lag p50 {result['open']['p50_ms']} ms, "
              f"p99 {result['open']['p99_ms']} ms; close lag p50 {result['close']['p50_ms']} ms, "
              f"p99 {result['close']['p99_ms']} ms", flush=True)
        runs.append(result)
    ceiling = asyncio.run(_ceiling(database_url, n))
    return {"rounds": n, "round_seconds": ROUND_SECONDS, "runs": runs, "ceiling": ceiling}


async def _run(url: str, database_url: str, n: int) -> dict[str, Any]:
    import asyncpg

    staff = await token(url, STAFF)
    far = datetime.now(UTC) + timedelta(hours=2)
    sales = await create_lots(url, staff, n, far, far + timedelta(seconds=ROUND_SECONDS))
    ids = [s["round_id"] for s in sales]
    conn = await asyncpg.connect(pg_dsn(database_url))
    try:
        start_at = (datetime.now(UTC) + timedelta(seconds=10)).replace(microsecond=0)
        shift = start_at - await conn.fetchval("SELECT min(starts_at) FROM rounds WHERE id = ANY($1)", ids)
        sets = ", ".join(f"{c} = {c} + $2" for c in TIME_COLUMNS)
        await conn.execute(f"UPDATE rounds SET {sets} WHERE id = ANY($1)", ids, shift)
        due = dict(await conn.fetch("SELECT id, starts_at FROM rounds WHERE id = ANY($1)", ids))
        seen_open: dict[int, float] = {}
        seen_closed: dict[int, float] = {}
        seen_finished: dict[int, float] = {}
        ends: dict[int, datetime] = {}
        deadline = time.monotonic() + ROUND_SECONDS + 240
        while len(seen_finished) < n and time.monotonic() < deadline:
            rows = await conn.fetch("SELECT id, status, ends_at FROM rounds WHERE id = ANY($1)", ids)
            drafted = await conn.fetch("SELECT round_id FROM tutanaklar WHERE round_id = ANY($1)", ids)
            now = datetime.now(UTC).timestamp()
            for t in drafted:
                seen_finished.setdefault(t["round_id"], now)
            for r in rows:
                if r["status"] in ("open", "closed") and r["id"] not in seen_open:
                    seen_open[r["id"]] = now
                if r["status"] == "closed" and r["id"] not in seen_closed:
                    seen_closed[r["id"]] = now
                    ends[r["id"]] = r["ends_at"]
            await asyncio.sleep(0.05)
    finally:
        await conn.close()
    open_lags = [seen_open[i] - due[i].timestamp() for i in seen_open]
    close_lags = [seen_closed[i] - ends[i].timestamp() for i in seen_closed]
    finish_lags = [seen_finished[i] - ends[i].timestamp() for i in seen_finished if i in ends]
    return {"open": _stats(open_lags, n), "close": _stats(close_lags, n), "finish": _stats(finish_lags, n)}


def _stats(lags: list[float], n: int) -> dict[str, Any]:
    def ms(v: float | None) -> float | None:
        return None if v is None else round(v * 1000)

    return {"done": len(lags), "of": n, "p50_ms": ms(percentile(lags, 0.5)), "p99_ms": ms(percentile(lags, 0.99)),
            "max_ms": ms(max(lags) if lags else None)}


async def _ceiling(database_url: str, n: int) -> dict[str, Any]:
    """One UPDATE of N rows in a scratch table shaped like the status columns: the database's own time to
    flip N rounds, with no per-round work."""
    import asyncpg

    conn = await asyncpg.connect(pg_dsn(database_url))
    try:
        await conn.execute("CREATE TEMP TABLE clock_ceiling (id bigint primary key, status text, seq bigint,"
                           " closed_at timestamptz)")
        await conn.execute("INSERT INTO clock_ceiling SELECT g, 'open', 1, null FROM generate_series(1, $1) g", n)
        t0 = time.perf_counter()
        async with conn.transaction():
            await conn.execute("UPDATE clock_ceiling SET status = 'closed', seq = seq + 1, closed_at = now()"
                               " WHERE status = 'open'")
        seconds = time.perf_counter() - t0
    finally:
        await conn.close()
    return {"rounds": n, "one_update_ms": round(seconds * 1000, 1)}
