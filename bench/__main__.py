"""`python -m bench [bids|clock|fanout|distribution|report|all] [--quick]` (see bench/__init__.py).

    .venv/bin/python -m bench all --quick \
        --database-url postgresql+asyncpg://root@127.0.0.1:5432/esatis_test_perf_bench --redis-url redis://127.0.0.1:6379/6

The database named by --database-url is emptied (DROP SCHEMA public) by every benchmark that uses it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import time
from typing import Any

from bench import bids, clock, report
from bench.common import PYTHON, ROOT, save

NAMES = ("bids", "clock", "fanout", "distribution")


def fanout(database_url: str, redis_url: str | None, quick: bool, smoke: bool = False) -> dict[str, Any]:
    """The live fan-out (bench/ws_bench.py): one `esatis serve` on PostgreSQL + Redis with W watchers on
    one lot and bids at a fixed rate, next to the bare websockets broadcast server (the ceiling)."""
    watchers, rate, duration = (20, 5, 2) if smoke else (500, 20, 8) if quick else (1000, 20, 15)
    common = ["--watchers", str(watchers), "--rate", str(rate), "--duration", str(duration)]
    out: dict[str, Any] = {}
    for name, extra in (("app", ["--database-url", database_url, *(["--redis-url", redis_url] if redis_url else [])]),
                        ("ceiling", [])):
        cmd = [PYTHON, str(ROOT / "bench" / "ws_bench.py"), "run" if name == "app" else "ceiling", *common, *extra]
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
        text = done.stdout
        out[name] = json.loads(text[text.index("{"):])
        print(f"[fanout] {name}: {out[name]['deliveries_per_s']} deliveries/s, p50 {out[name]['p50_ms']} ms, "
              f"p99 {out[name]['p99_ms']} ms", flush=True)
    out["ratio"] = round(out["app"]["deliveries_per_s"] / out["ceiling"]["deliveries_per_s"], 3)
    return out


def distribution(quick: bool, smoke: bool = False) -> dict[str, Any]:
    """The distribution engine on 10,000 creditors in 200 dereceler (bench/distribution_bench.py), next
    to `json.dumps` of its own result (the ceiling: writing the answer at all)."""
    from auction.distribution import distribute
    from bench.distribution_bench import build_case

    runs = 3 if quick else 7
    creditors, dereceler = (500, 20) if smoke else (10_000, 200)
    case = build_case(creditors, dereceler)
    result = distribute(case)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        distribute(case)
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    json.dumps(result, ensure_ascii=False)
    dump = time.perf_counter() - t0
    median = statistics.median(times)
    print(f"[distribution] median {median:.3f} s, json.dumps {dump:.3f} s", flush=True)
    return {"creditors": creditors, "dereceler": dereceler, "runs": runs, "min_s": round(min(times), 3),
            "median_s": round(median, 3), "json_dumps_s": round(dump, 3), "ratio": round(dump / median, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", nargs="?", default="all", choices=(*NAMES, "report", "all"))
    ap.add_argument("--quick", action="store_true", help="shorter runs and fewer rounds (minutes, not tens)")
    ap.add_argument("--database-url", default="postgresql+asyncpg://root@127.0.0.1:5432/esatis_test_perf_bench")
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/6")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes: checks that the suite runs, measures nothing")
    ap.add_argument("--port", type=int, default=8106)
    args = ap.parse_args()
    if not args.database_url.startswith("postgresql"):
        raise SystemExit("the benchmarks need PostgreSQL (--database-url postgresql+asyncpg://…)")
    todo = NAMES if args.what == "all" else (() if args.what == "report" else (args.what,))
    for name in todo:
        if name == "bids":
            result = bids.run(args.database_url, args.redis_url, args.port, args.quick, smoke=args.smoke)
        elif name == "clock":
            result = clock.run(args.database_url, args.redis_url, args.port, args.quick, smoke=args.smoke)
        elif name == "fanout":
            result = fanout(args.database_url, args.redis_url, args.quick, smoke=args.smoke)
        else:
            result = distribution(args.quick, smoke=args.smoke)
        if args.smoke:
            print(json.dumps(result)[:2000])
            continue
        save(name, {"quick": args.quick, **result})
    if not args.smoke:
        report.write()


if __name__ == "__main__":
    main()
