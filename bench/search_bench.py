"""Search benchmark (issue 17, ADR 0016): the word matching and ranking of `auction.watch.search` on N lots,
against the substring search it replaced (ILIKE on title, description and district, no index).

    .venv/bin/python bench/search_bench.py [--lots 100000] [--runs 7]
        [--database-url postgresql+asyncpg://root@127.0.0.1/esatis_bench_search]

Builds a fresh database (a temporary SQLite file by default; on PostgreSQL the database name must contain
`bench` or `test`: every table is dropped), migrates it with alembic (so the FTS5 table and its triggers,
or the pg_trgm GIN index, are exactly the production ones), and inserts N deterministic lots (fixed-seed
titles, places, parcels, plates, descriptions) through a bulk INSERT whose `search_text` is computed by
`auction.lots.searchtext.lot_search_text` (the triggers fill FTS5 as they would in production). Then, for
each query, times `count(*)` of the matches and the first page of 12 ranked ids (30 runs after a warm-up),
and prints p50 / p99 in milliseconds for the new search and for the old ILIKE (as JSON too with --json; the
100,000-lot figures are in bench/results/ and ADR 0016). Only the lots table is involved: the joins
to sales and rounds are the same for both and are not what the index changes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, insert, or_, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from auction.lots.models import Lot
from auction.lots.searchtext import lot_search_text, query_words
from auction.migrate import upgrade_async
from auction.watch.search import _rank, _word_match

PLACES = [("İstanbul", d) for d in ("Kadıköy", "Üsküdar", "Şişli", "Beşiktaş", "Güngören", "Çatalca", "Ümraniye",
                                    "Ataşehir", "Bağcılar", "Sarıyer")] + \
         [("Ankara", d) for d in ("Çankaya", "Keçiören", "Yenimahalle", "Gölbaşı")] + \
         [("İzmir", d) for d in ("Karşıyaka", "Bornova", "Buca", "Çiğli")] + [("Iğdır", "Merkez")]
KINDS = ["3+1 daire", "2+1 daire", "dükkan", "tarla", "arsa", "müstakil ev", "otomobil", "kamyonet",
         "dikiş makineleri", "ofis"]
WORDS = ["asansörlü", "doğalgazlı", "kiracılı", "boş", "yola cepheli", "deniz manzaralı", "otoparklı",
         "yediemin otoparkında", "çalışır durumda", "hasarlı", "bakımlı", "köşe başı", "site içinde"]
NOW = datetime(2026, 12, 5, 7, 0, tzinfo=UTC)
# Issue 17's realistic queries: a district typed without Turkish letters, a mahalle and a kind, an ada/parsel,
# a plate, and a word that matches nothing (the worst case for a scan: every row is read to find none).
QUERIES = ["kadikoy", "Fikirtepe daire", "1234/56", "34 ABC 123", "zeytinburnu"]
PLATE = "34 ABC 123"


def lots(n: int, office_id: int, case_id: int, seed: int = 20261205) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        province, district = rng.choice(PLACES)
        kind = rng.choice(KINDS)
        mahalle = rng.choice(["Fikirtepe", "Moda", "Merter", "Yazlık", "Kızılay", "Alsancak", "Bostancı"])
        plate = f"{rng.randint(1, 81):02d} {''.join(rng.choice('ABCDEFGHJKLMNPRSTUVYZ') for _ in range(3))} " \
                f"{rng.randint(10, 9999)}" if "oto" in kind or "kamyon" in kind else None
        data = dict(
            case_id=case_id, office_id=office_id, kind="tasinir" if plate or "makine" in kind else "tasinmaz",
            title=f"{district} {mahalle}'de {kind}", status="in_sale",
            appraised_value=Decimal(rng.randint(1, 900) * 10_000),
            description=" ".join(rng.sample(WORDS, 3)).capitalize() + f"; {rng.randint(50, 400)} m².",
            use="konut", province=province, district=district, address=f"{mahalle} Mah. {rng.randint(1, 99)}. Sok.",
            ada=str(rng.randint(1, 5000)) if not plate else None, parsel=str(rng.randint(1, 99)) if not plate else None,
            plate=plate, location=None, category=None, in_custody=bool(plate))
        data["search_text"] = lot_search_text(SimpleNamespace(**data))  # type: ignore[arg-type]
        data["created_at"] = data["updated_at"] = NOW
        rows.append(data)
        del i
    return rows


async def seed(url: str, n: int) -> Any:
    if url.startswith("postgresql"):
        name = url.rsplit("/", 1)[-1]
        if "bench" not in name and "test" not in name:
            raise SystemExit(f"refusing {url!r}: the database name must contain 'bench' or 'test'")
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    await upgrade_async(url)
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        office = (await conn.execute(text(
            "INSERT INTO offices (code, name, city, sales_bureau_name, created_at, updated_at) "
            "VALUES ('B-1', 'Bench', 'İstanbul', 'Bench', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) "
            "RETURNING id"))).scalar()
        case = (await conn.execute(text(
            "INSERT INTO cases (office_id, file_no, debtor, takip_type, status, created_at, updated_at) "
            "VALUES (:o, '2026/1 Esas', 'Bench', 'haciz', 'open', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id"),
            {"o": office})).scalar()
        rows = lots(n, office, case)
        # The demo's flat, so that the sample queries have a known best match.
        rows[n // 2].update(title="Kadıköy Fikirtepe'de 3+1 daire", ada="1234", parsel="56", district="Kadıköy")
        rows[n // 2]["search_text"] = lot_search_text(SimpleNamespace(**rows[n // 2]))  # type: ignore[arg-type]
        # One car with a known plate, so that the plate query finds exactly one lot.
        rows[n // 3].update(title="Üsküdar Moda'de otomobil", plate=PLATE, ada=None, parsel=None, kind="tasinir")
        rows[n // 3]["search_text"] = lot_search_text(SimpleNamespace(**rows[n // 3]))  # type: ignore[arg-type]
        for start in range(0, n, 5000):
            await conn.execute(insert(Lot.__table__), rows[start:start + 5000])
        if conn.dialect.name == "postgresql":
            await conn.execute(text("ANALYZE lots"))
    return engine


async def timed(engine: Any, stmt: Any, runs: int) -> tuple[dict[str, float], Any]:
    """p50 and p99 (nearest rank) in ms of `runs` executions after one warm-up run."""
    times, result = [], None
    async with engine.connect() as conn:
        await conn.execute(stmt)
        for _ in range(runs):
            t0 = time.perf_counter()
            result = (await conn.execute(stmt)).all()
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p99 = times[min(len(times) - 1, math.ceil(0.99 * len(times)) - 1)]
    return {"p50": round(statistics.median(times), 2), "p99": round(p99, 2), "min": round(times[0], 2)}, result


async def main() -> tuple[dict[str, Any], str | None]:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lots", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    ap.add_argument("--json", help="write the figures to this file (e.g. bench/results/search_sqlite_100k.json)")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite+aiosqlite:///{tmp.name}/search_bench.db"
    t0 = time.perf_counter()
    engine = await seed(url, args.lots)
    dialect = engine.dialect.name
    seeded = time.perf_counter() - t0
    print(f"{args.lots:,} lots on {dialect} seeded in {seeded:.1f} s "
          f"({platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()})")
    print(f"{args.runs} runs per statement; p50 / p99 in ms")
    print(f"{'query':18} {'matches':>8} {'new count':>15} {'new page':>15} {'old count':>15} {'old page':>15}")
    report: dict[str, Any] = {"lots": args.lots, "dialect": dialect, "runs": args.runs, "seed_s": round(seeded, 1),
                              "cpus": os.cpu_count(), "python": platform.python_version(),
                              "at": datetime.now(UTC).isoformat(timespec="seconds"), "queries": []}
    for q in QUERIES:
        words = query_words(q)
        conds = [_word_match(dialect, w) for w in words]
        count_new = select(func.count()).select_from(Lot).where(*conds)
        page_new = select(Lot.id).where(*conds).order_by(_rank(dialect, words), Lot.id.desc()).limit(12)
        like = f"%{q}%"
        old = or_(Lot.title.ilike(like), Lot.description.ilike(like), Lot.district.ilike(like))
        count_old = select(func.count()).select_from(Lot).where(old)
        page_old = select(Lot.id).where(old).order_by(Lot.id.desc()).limit(12)
        new_c, c = await timed(engine, count_new, args.runs)
        new_p, _ = await timed(engine, page_new, args.runs)
        old_c, oc = await timed(engine, count_old, args.runs)
        old_p, _ = await timed(engine, page_old, args.runs)
        print(f"{q:18} {c[0][0]:>8,} " + " ".join(f"{t['p50']:>6.1f} / {t['p99']:<6.1f}"
                                                  for t in (new_c, new_p, old_c, old_p)))
        report["queries"].append({"q": q, "matches": c[0][0], "old_matches": oc[0][0], "new_count_ms": new_c,
                                  "new_page_ms": new_p, "old_count_ms": old_c, "old_page_ms": old_p})
    await engine.dispose()
    tmp.cleanup()
    return report, args.json


if __name__ == "__main__":
    figures, json_path = asyncio.run(main())
    if json_path:
        Path(json_path).write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
