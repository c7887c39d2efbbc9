"""Search benchmark (issue 17, ADR 0016): the word matching and ranking of `auction.watch.search` on N lots,
against the substring search it replaced (ILIKE on title, description and district, no index).

    .venv/bin/python bench/search_bench.py [--lots 100000] [--runs 7]
        [--database-url postgresql+asyncpg://root@127.0.0.1/esatis_bench_search]

Builds a fresh database (a temporary SQLite file by default; on PostgreSQL the database name must contain
`bench` or `test`: every table is dropped), migrates it with alembic (so the FTS5 table and its triggers,
or the pg_trgm GIN index, are exactly the production ones), and inserts N deterministic lots (fixed-seed
titles, places, parcels, plates, descriptions) through a bulk INSERT whose `search_text` is computed by
`auction.lots.searchtext.lot_search_text` (the triggers fill FTS5 as they would in production). Then, for
each query, times `count(*)` of the matches and the first page of 12 ranked ids, several runs, and prints
min / median in milliseconds for the new search and for the old ILIKE. Only the lots table is involved: the
joins to sales and rounds are the same for both and are not what the index changes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
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
QUERIES = ["kadikoy", "KADIKÖY daire", "fikirtepe daire", "cankaya dukkan", "ada 1234", "34abc123",
           "deniz manzarali sariyer", "igdir"]


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
        for start in range(0, n, 5000):
            await conn.execute(insert(Lot.__table__), rows[start:start + 5000])
        if conn.dialect.name == "postgresql":
            await conn.execute(text("ANALYZE lots"))
    return engine


async def timed(engine: Any, stmt: Any, runs: int) -> tuple[float, float, Any]:
    times, result = [], None
    async with engine.connect() as conn:
        for _ in range(runs):
            t0 = time.perf_counter()
            result = (await conn.execute(stmt)).all()
            times.append((time.perf_counter() - t0) * 1000)
    return min(times), statistics.median(times), result


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lots", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite+aiosqlite:///{tmp.name}/search_bench.db"
    t0 = time.perf_counter()
    engine = await seed(url, args.lots)
    dialect = engine.dialect.name
    print(f"{args.lots:,} lots on {dialect} seeded in {time.perf_counter() - t0:.1f} s "
          f"({platform.processor() or platform.machine()}, Python {platform.python_version()})")
    print(f"{'query':28} {'matches':>8} {'new count ms':>14} {'new page ms':>13} {'old count ms':>14}")
    for q in QUERIES:
        words = query_words(q)
        conds = [_word_match(dialect, w) for w in words]
        count_new = select(func.count()).select_from(Lot).where(*conds)
        page_new = select(Lot.id).where(*conds).order_by(_rank(dialect, words), Lot.id.desc()).limit(12)
        like = f"%{q}%"
        count_old = select(func.count()).select_from(Lot).where(
            or_(Lot.title.ilike(like), Lot.description.ilike(like), Lot.district.ilike(like)))
        c_min, c_med, c = await timed(engine, count_new, args.runs)
        p_min, p_med, _ = await timed(engine, page_new, args.runs)
        o_min, o_med, _ = await timed(engine, count_old, args.runs)
        print(f"{q:28} {c[0][0]:>8,} {c_min:>6.1f} / {c_med:<6.1f} {p_min:>5.1f} / {p_med:<6.1f}"
              f" {o_min:>6.1f} / {o_med:<6.1f}")
    await engine.dispose()
    tmp.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
