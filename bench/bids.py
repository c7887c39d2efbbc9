"""Bids: attempts and accepted bids per second, latency p50/p99, with 1, 16 and 64 bidders on one hot lot
and on 100 lots at once, each next to its ceiling measured in the same run.

The app: one `esatis serve` (PostgreSQL, Redis, in-process workers, rate limits off), bidders as
keep-alive HTTP connections (`POST /api/v1/lots/{id}/bids` with an Idempotency-Key), each bidding the
lot's `min_next_bid` as last seen by any bidder (what the live feed shows). The ceiling: the same
conditional UPDATE (`auction.bidding.service.BID_STATEMENT`, compiled once) sent by as many asyncpg
connections in a plain loop, autocommit, with one SELECT of the price after a miss (as the bid's
diagnosis does) - the database alone, without HTTP, the framework or the rest of the bid's rows.

All bidders hold teminat and have accepted the şartname (their participant rows are written directly),
and the sales allow a bidder to raise his own bid (OP-11 `auction.allow_self_outbid` = true through
ESATIS_POLICY_FILE), so a lone bidder can keep bidding; rounds end two hours later, outside the
anti-sniping window.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.common import (
    PYTHON,
    ROOT,
    STAFF,
    Deployment,
    Http,
    Proc,
    create_lots,
    free_port,
    gather_limited,
    percentile,
    pg_dsn,
    split_url,
    start,
    token,
    wait_ready,
)

BIDDERS = (1, 16, 64)
LOTS = 100


async def _register(url: str, n: int) -> list[tuple[int, str]]:
    host, port = split_url(url)

    async def one(i: int) -> tuple[int, str]:
        h = Http(host, port)
        try:
            email = f"bench{i}-{uuid.uuid4().hex[:8]}@esatis.test"
            s, user = await h.request("POST", "/api/v1/auth/register", {
                "email": email, "password": "bench-password-2026", "full_name": f"Bench Bidder {i}"})
            assert s == 201, user
        finally:
            await h.close()
        return int(user["id"]), await token(url, email, "bench-password-2026")

    return list(await gather_limited(8, [one(i) for i in range(n)]))


async def _participants(database_url: str, sales: list[dict[str, Any]], users: list[int]) -> None:
    import asyncpg

    conn = await asyncpg.connect(pg_dsn(database_url))
    try:
        hashes = dict(await conn.fetch("SELECT id, sartname_hash FROM sales"))
        now = datetime.now(UTC)
        await conn.executemany(
            "INSERT INTO sale_participants (sale_id, lot_id, user_id, sartname_accepted_at, sartname_hash, teminat_ok,"
            " excluded, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, true, false, $4, $4)",
            [(s["sale_id"], s["lot_id"], u, now, hashes[s["sale_id"]]) for s in sales for u in users])
    finally:
        await conn.close()


async def _wait_open(database_url: str, round_ids: list[int]) -> None:
    import asyncpg

    conn = await asyncpg.connect(pg_dsn(database_url))
    try:
        for _ in range(600):
            n = await conn.fetchval("SELECT count(*) FROM rounds WHERE id = ANY($1) AND status = 'open'", round_ids)
            if n == len(round_ids):
                return
            await asyncio.sleep(0.2)
        raise SystemExit("the bench rounds did not open")
    finally:
        await conn.close()


async def _minimums(database_url: str, lots: list[dict[str, Any]]) -> dict[int, Decimal]:
    import asyncpg

    conn = await asyncpg.connect(pg_dsn(database_url))
    try:
        rows = await conn.fetch("SELECT id, current_price, opening_price, min_increment FROM rounds WHERE id = ANY($1)",
                                [lot["round_id"] for lot in lots])
    finally:
        await conn.close()
    by_round = {r["id"]: r for r in rows}
    out = {}
    for lot in lots:
        r = by_round[lot["round_id"]]
        kurus = r["opening_price"] if r["current_price"] is None else r["current_price"] + r["min_increment"]
        out[lot["lot_id"]] = Decimal(kurus) / 100
    return out


class Tally:
    def __init__(self, t0: float, t1: float) -> None:
        self.t0, self.t1 = t0, t1
        self.latencies: list[float] = []
        self.accepted = 0
        self.codes: dict[str, int] = {}

    def add(self, sent: float, done: float, code: str, ok: bool) -> None:
        if self.t0 <= sent < self.t1:
            self.latencies.append(done - sent)
            self.accepted += ok
            self.codes[code] = self.codes.get(code, 0) + 1

    def result(self) -> dict[str, Any]:
        seconds = self.t1 - self.t0
        p50, p99 = percentile(self.latencies, 0.5), percentile(self.latencies, 0.99)
        return {"attempts": len(self.latencies), "accepted": self.accepted, "seconds": round(seconds, 2),
                "attempts_per_s": round(len(self.latencies) / seconds, 1),
                "accepted_per_s": round(self.accepted / seconds, 1),
                "p50_ms": round(p50 * 1000, 1) if p50 is not None else None,
                "p99_ms": round(p99 * 1000, 1) if p99 is not None else None, "codes": self.codes}


async def app_load(url: str, bidders: list[tuple[int, str]], lots: list[dict[str, Any]], mins: dict[int, Decimal],
                   warmup: float, duration: float) -> dict[str, Any]:
    host, port = split_url(url)
    now = time.monotonic()
    tally = Tally(now + warmup, now + warmup + duration)

    async def bidder(token_: str) -> None:
        http = Http(host, port, token_)
        try:
            while time.monotonic() < tally.t1:
                lot = random.choice(lots)["lot_id"]
                amount = mins[lot]
                sent = time.monotonic()
                status, body = await http.request("POST", f"/api/v1/lots/{lot}/bids", {"amount": f"{amount:.2f}"},
                                                  {"Idempotency-Key": uuid.uuid4().hex})
                done = time.monotonic()
                if status == 201:
                    mins[lot] = max(mins[lot], Decimal(body["min_next_bid"]))
                    tally.add(sent, done, "201", True)
                    continue
                error = body.get("error", {}) if isinstance(body, dict) else {}
                tally.add(sent, done, str(error.get("code", status)), False)
                if "min_next_bid" in error.get("details", {}):
                    mins[lot] = max(mins[lot], Decimal(error["details"]["min_next_bid"]))
        finally:
            await http.close()

    await asyncio.gather(*(bidder(t) for _, t in bidders))
    return tally.result()


def _compiled_bid() -> tuple[str, list[str], dict[str, Any], dict[str, Any]]:
    """`BID_STATEMENT` compiled for asyncpg: its SQL, parameter order, fixed values and processors."""
    from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

    from auction.bidding.service import BID_STATEMENT

    compiled = BID_STATEMENT.compile(dialect=asyncpg_dialect())
    now = datetime.now(UTC)  # placeholders: every bid binds its own
    params = compiled.construct_params({"round_id": 0, "user_id": 0, "amount": Decimal("0.00"), "t": now,
                                        "t_plus_x": now})
    order = list(compiled.positiontup or [])
    return compiled.string, order, params, dict(compiled._bind_processors)


async def ceiling_load(database_url: str, users: list[int], lots: list[dict[str, Any]], mins: dict[int, Decimal],
                       warmup: float, duration: float, ext_step_s: int) -> dict[str, Any]:
    import asyncpg

    sql, order, fixed, procs = _compiled_bid()
    round_key = "round_id"
    now = time.monotonic()
    tally = Tally(now + warmup, now + warmup + duration)
    round_of = {lot["lot_id"]: lot["round_id"] for lot in lots}

    def args(values: dict[str, Any]) -> list[Any]:
        merged = {**fixed, **values}
        return [procs[n](merged[n]) if n in procs else merged[n] for n in order]

    conn0 = await asyncpg.connect(pg_dsn(database_url))
    step_of = {r["id"]: Decimal(r["min_increment"]) / 100 for r in await conn0.fetch(
        "SELECT id, min_increment FROM rounds WHERE id = ANY($1)", list(round_of.values()))}
    await conn0.close()

    async def bidder(user_id: int) -> None:
        conn = await asyncpg.connect(pg_dsn(database_url))
        stmt = await conn.prepare(sql)
        price = await conn.prepare("SELECT current_price, min_increment FROM rounds WHERE id = $1")
        try:
            while time.monotonic() < tally.t1:
                lot = random.choice(lots)["lot_id"]
                amount = mins[lot]
                t = datetime.now(UTC)
                sent = time.monotonic()
                row = await stmt.fetchrow(*args({"t": t, "t_plus_x": t + timedelta(seconds=ext_step_s),
                                                  "amount": amount, "user_id": user_id,
                                                  round_key: round_of[lot]}))
                if row is not None:
                    tally.add(sent, time.monotonic(), "accepted", True)
                    mins[lot] = max(mins[lot], amount + step_of[round_of[lot]])
                    continue
                current = await price.fetchrow(round_of[lot])
                tally.add(sent, time.monotonic(), "refused", False)
                nxt = Decimal(current["current_price"] + current["min_increment"]) / 100
                mins[lot] = max(mins[lot], nxt)
        finally:
            await conn.close()

    await asyncio.gather(*(bidder(u) for u in users))
    return tally.result()


def run(database_url: str, redis_url: str | None, port: int, quick: bool, smoke: bool = False) -> dict[str, Any]:
    warmup, duration = (0.5, 1.0) if smoke else (1.0, 4.0) if quick else (2.0, 10.0)
    sizes = ((1, 4), 5) if smoke else (BIDDERS, LOTS)
    with tempfile.TemporaryDirectory(prefix="bench-bids-") as tmp_:
        tmp = Path(tmp_)
        policy = tmp / "policy.toml"
        policy.write_text('"auction.allow_self_outbid" = true\n')
        dep = start(database_url, redis_url, tmp, port=port, extra_env={"ESATIS_POLICY_FILE": str(policy)})
        try:
            return asyncio.run(_run(dep.url, database_url, warmup, duration, *sizes))
        finally:
            dep.stop()


async def _run(url: str, database_url: str, warmup: float, duration: float, counts: tuple[int, ...],
               n_lots: int) -> dict[str, Any]:
    staff = await token(url, STAFF)
    now = datetime.now(UTC)
    sales = await create_lots(url, staff, n_lots + 1, now + timedelta(seconds=2), now + timedelta(hours=2))
    hot, many = sales[:1], sales[1:]
    bidders = await _register(url, max(counts))
    await _participants(database_url, sales, [u for u, _ in bidders])
    await _wait_open(database_url, [s["round_id"] for s in sales])
    import asyncpg

    conn = await asyncpg.connect(pg_dsn(database_url))
    step = int(await conn.fetchval("SELECT ext_step_s FROM rounds WHERE id = $1", hot[0]["round_id"]))
    await conn.close()
    floor = _start_floor(database_url, bidders)
    try:
        scenarios = await _scenarios(url, floor.url, database_url, hot, many, bidders, counts, n_lots, step,
                                     warmup, duration)
    finally:
        floor.stop()
    return {"warmup_s": warmup, "duration_s": duration, "scenarios": scenarios,
            "setup": "one esatis serve (PostgreSQL + Redis, in-process workers), rate limits off, "
                     "ESATIS_BID_LOT_CONCURRENCY default; HTTP floor: bench/http_floor.py under uvicorn, one process"}


def _start_floor(database_url: str, bidders: list[tuple[int, str]]) -> Deployment:
    """bench/http_floor.py in its own process, knowing the bidders' tokens (the rounds are open by now)."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-floor-"))
    tokens = tmp / "tokens.json"
    tokens.write_text(json.dumps({t: u for u, t in bidders}))
    port = free_port()
    dep = Deployment(f"http://127.0.0.1:{port}", dict(os.environ))
    log = tmp / "floor.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([PYTHON, "-m", "bench.http_floor", "--database-url", database_url, "--port",
                                 str(port), "--tokens", str(tokens)], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    dep.procs.append(Proc(proc, log))
    wait_ready(dep.url, proc, log)
    return dep


async def _scenarios(url: str, floor_url: str, database_url: str, hot: list[dict[str, Any]],
                     many: list[dict[str, Any]], bidders: list[tuple[int, str]], counts: tuple[int, ...],
                     n_lots: int, step: int, warmup: float, duration: float) -> list[dict[str, Any]]:
    scenarios = []
    for where, lots in (("one hot lot", hot), (f"{n_lots} lots", many)):
        for n in counts:
            app = await app_load(url, bidders[:n], lots, await _minimums(database_url, lots), warmup, duration)
            ceiling = await ceiling_load(database_url, [u for u, _ in bidders[:n]], lots,
                                         await _minimums(database_url, lots), warmup, duration, step)
            # The same load generator against the bare HTTP + statement server: what HTTP costs here.
            floor = await app_load(floor_url, bidders[:n], lots, await _minimums(database_url, lots), warmup,
                                   duration)
            scenario = {"lots": where, "bidders": n, "app": app, "ceiling": ceiling, "http_floor": floor,
                        "accepted_ratio": _ratio(app["accepted_per_s"], ceiling["accepted_per_s"]),
                        "attempts_ratio": _ratio(app["attempts_per_s"], ceiling["attempts_per_s"]),
                        "floor_accepted_ratio": _ratio(floor["accepted_per_s"], ceiling["accepted_per_s"]),
                        "app_to_floor_accepted": _ratio(app["accepted_per_s"], floor["accepted_per_s"])}
            print(f"[bids] {where}, {n} bidders: app {app['attempts_per_s']}/s ({app['accepted_per_s']} accepted, "
                  f"p50 {app['p50_ms']} ms, p99 {app['p99_ms']} ms); ceiling {ceiling['attempts_per_s']}/s "
                  f"({ceiling['accepted_per_s']} accepted); HTTP floor {floor['attempts_per_s']}/s "
                  f"({floor['accepted_per_s']} accepted); accepted ratio {scenario['accepted_ratio']}, "
                  f"esatis / HTTP floor {scenario['app_to_floor_accepted']}", flush=True)
            scenarios.append(scenario)
    return scenarios


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None
