"""Benchmark of the distribution engine: 10,000 creditors in 200 haciz dereceler.

    .venv/bin/python bench/distribution_bench.py [--creditors 10000] [--dereceler 200] [--runs 7]

Builds one deterministic case (a fixed-seed generator, no randomness between runs) with a mix of pledges
by degree with limits, asset taxes, haciz founders and İİK 100 joiners, 6183 public hacizler joining
derece 1, ihtiyati hacizler, İİK 101 takipsiz lines, all four 206 sıralar, interest periods (fixed rates
and the dated kanuni faiz) and part payments under both imputations. Times validate + compute + serialise
(`auction.distribution.distribute`, with the `explain` list) over several runs and prints min / median and
creditors per second. Floats appear here only for timing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time
import timeit
from datetime import date, timedelta
from typing import Any

from auction.distribution import distribute


def _d(day: date) -> str:
    return day.isoformat()


def _money(rng: random.Random, lo: int, hi: int) -> str:
    return f"{rng.randint(lo, hi)}.{rng.randint(0, 99):02d}"


def build_case(creditors: int = 10_000, dereceler: int = 200, seed: int = 20260514) -> dict[str, Any]:
    """A deterministic case with exactly `creditors` lines and `dereceler` haciz dereceler."""
    rng = random.Random(seed)
    sale = date(2026, 5, 14)
    paid_in = date(2026, 5, 22)
    lines: list[dict[str, Any]] = []

    def claim(i: int) -> dict[str, Any]:
        principal = rng.randint(5_000, 400_000)
        c: dict[str, Any] = {"principal": f"{principal}.{rng.randint(0, 99):02d}"}
        if i % 3 == 0:
            c["costs"] = _money(rng, 500, 9_000)
        if i % 5 == 0:
            c["interest_accrued"] = _money(rng, 100, 5_000)
        start = sale - timedelta(days=rng.randint(200, 900))
        if i % 4 == 0:
            mid = start + timedelta(days=rng.randint(30, 150))
            c["interest"] = [{"from": _d(start), "to": _d(mid), "rate": "0.36"},
                             {"from": _d(mid), "rate": f"0.{rng.randint(10, 60)}"}]
        elif i % 4 == 1:
            c["interest"] = [{"from": _d(start), "rate": "kanuni"}]
        if i % 6 == 0:
            pay = start + timedelta(days=rng.randint(10, 150))
            c["payments"] = [{"date": _d(pay), "amount": str(rng.randint(100, 4_000))},
                             {"date": _d(pay + timedelta(days=40)), "amount": str(rng.randint(100, 4_000))}]
            if i % 12 == 0:
                c["imputation"] = "orantili"
        return c

    # Pledges: 40 lines over 25 degrees, some sharing a degree, most with a limit.
    for i in range(40):
        line: dict[str, Any] = {"id": f"r{i}", "name": f"Banka {i}", "kind": "rehin", "degree": 1 + i * 25 // 40,
                                "claim": claim(i)}
        if i % 4 != 3:
            line["limit"] = str(rng.randint(50_000, 300_000))
        lines.append(line)
    # Asset taxes.
    for i in range(30):
        lines.append({"id": f"t{i}", "name": f"Belediye {i}", "kind": "asset_tax",
                      "claim": {"principal": _money(rng, 500, 20_000)}})

    # Haciz founders: one per derece; increasing haciz and takip dates, no document.
    first = date(2023, 1, 2)
    founders: list[tuple[date, date]] = []
    for k in range(dereceler):
        takip = first + timedelta(days=5 * k)
        haciz = takip + timedelta(days=2)
        founders.append((takip, haciz))
        lines.append({"id": f"f{k}", "name": f"Kurucu {k}", "kind": "haciz", "haciz_date": _d(haciz),
                      "takip_date": _d(takip), "sira": 4, "claim": claim(k)})

    remaining = creditors - len(lines)
    kinds = ["haciz"] * 14 + ["ihtiyati_haciz"] * 2 + ["kamu_haczi"] * 2 + ["takipsiz"] * 2
    for n in range(remaining):
        kind = kinds[n % len(kinds)]
        k = rng.randrange(dereceler)
        takip_k, haciz_k = founders[k]
        prev_takip = founders[k - 1][0] if k else takip_k - timedelta(days=30)
        line = {"id": f"x{n}", "name": f"Alacaklı {n}", "kind": kind, "claim": claim(n)}
        if kind in ("haciz", "ihtiyati_haciz"):
            # A document in [takip_{k-1}, takip_k) joins derece k exactly (the earliest it qualifies for).
            doc = prev_takip + timedelta(days=rng.randrange(max(1, (takip_k - prev_takip).days)))
            line.update({"haciz_date": _d(haciz_k + timedelta(days=rng.randint(1, 60))),
                         "takip_date": _d(haciz_k), "document_date": _d(doc), "sira": rng.choice([1, 2, 3, 4, 4, 4])})
        elif kind == "kamu_haczi":
            line["haciz_date"] = _d(haciz_k + timedelta(days=rng.randint(1, 90)))
        else:
            line.update({"joins": f"f{k}", "sira": rng.choice([1, 2, 4])})
        lines.append(line)

    rng.shuffle(lines)  # the engine must not rely on input order for anything but ties
    return {
        "sale_date": _d(sale), "paid_in_date": _d(paid_in), "price": "950000000.00",
        "asset": {"kind": "tasinmaz", "use": "konut", "net_area_m2": "212", "permit_date": "2023-02-01",
                  "kdv_rate": None},
        "buyer": {"bank_17_4_r": False},
        "costs": [{"id": "ilan", "label": "İlan ve satış masrafı", "amount": "42000.00"},
                  {"id": "kiymet", "label": "Kıymet takdiri", "amount": "18500.00"}],
        "creditors": lines,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--creditors", type=int, default=10_000)
    ap.add_argument("--dereceler", type=int, default=200)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()

    case = build_case(args.creditors, args.dereceler)
    result = distribute(case)  # warm-up (loads the rule tables once per process)
    haciz_stages = [s for s in result["stages"] if s["stage"] == "haciz"]
    paid = sum(1 for a in result["allocations"] if a["share"] != "0.00")

    timings: list[float] = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        distribute(case)
        timings.append(time.perf_counter() - t0)
    no_explain: list[float] = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        distribute(case, explain=False)
        no_explain.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    size = len(json.dumps(result, ensure_ascii=False))
    dump = time.perf_counter() - t0

    best, median = min(timings), statistics.median(timings)
    # A machine-speed reference: shared VMs vary by 2× from one minute to the next.
    calibration = min(timeit.repeat("sum(range(1000))", number=2000, repeat=5)) / 2000 * 1e6
    print(f"distribution benchmark — Python {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} CPUs; sum(range(1000)) = {calibration:.1f} µs")
    print(f"case: {len(case['creditors'])} creditors, {len(haciz_stages)} haciz dereceler, "
          f"{paid} lines paid, {len(result['explain'])} explain entries, {size / 1e6:.1f} MB JSON")
    print()
    print(f"| {'measure':<44} | {'min':>8} | {'median':>8} | {'creditors/s':>11} |")
    print(f"|{'-' * 46}|{'-' * 10}|{'-' * 10}|{'-' * 13}|")
    print(f"| {'validate + compute + serialise (explain)':<44} | {best * 1000:6.0f}ms | {median * 1000:6.0f}ms"
          f" | {len(case['creditors']) / median:11,.0f} |")
    print(f"| {'validate + compute + serialise (no explain)':<44} | {min(no_explain) * 1000:6.0f}ms | "
          f"{statistics.median(no_explain) * 1000:6.0f}ms | "
          f"{len(case['creditors']) / statistics.median(no_explain):11,.0f} |")
    print(f"| {'json.dumps of the result (for reference)':<44} | {dump * 1000:6.0f}ms | {'':>8} | {'':>11} |")


if __name__ == "__main__":
    main()
