"""Recording portal-side failures and reading them back as the outage report of a round (A-43).

The hot bid path writes nothing here on success; a failed bid request costs one upsert
(`INSERT … ON CONFLICT (minute, source) DO UPDATE SET failures = failures + n`) in its own short
transaction, since the request's own transaction has failed. The record lives in the database, so it
survives restarts and is shared by every web process.

UNCERTAIN(OP-12): only portal-side failures count: a 5xx answer (or no answer) of the bid endpoint and
unavailability seen by our own monitoring. A bidder's own errors (4xx: bid_too_low, round_closed,
teminat_required, rate limits…) and his own connection never count; the müdür decides on the report.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.availability.models import AvailabilityMinute
from auction.clock import iso_ms
from auction.db import Database
from auction.dbutil import dialect

log = structlog.get_logger(__name__)


class Source(StrEnum):
    bid_endpoint = "bid_endpoint"  # POST /lots/{id}/bids answered 5xx or not at all
    monitor = "monitor"  # our own health check (readiness) found the platform unavailable


def minute_of(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


async def record_failure(session: AsyncSession, source: Source, at: datetime | None = None, count: int = 1) -> None:
    """Add `count` failures to the minute of `at` (one upsert, in the caller's transaction)."""
    minute = minute_of(at if at is not None else clock.now())
    values = {"minute": minute, "source": source.value, "failures": count}
    ins: Any = (postgresql.insert(AvailabilityMinute) if dialect(session) == "postgresql"
                else sqlite.insert(AvailabilityMinute))
    stmt = ins.values(**values)
    stmt = stmt.on_conflict_do_update(index_elements=["minute", "source"],
                                      set_={"failures": AvailabilityMinute.failures + stmt.excluded.failures})
    await session.execute(stmt)


async def record_failure_safely(db: Database, source: Source, at: datetime | None = None) -> bool:
    """Record one failure in its own transaction; never raises (the database may be what failed)."""
    try:
        async with db.session() as session:
            await record_failure(session, source, at)
        return True
    except Exception as exc:  # the failure we are recording may be the database itself
        log.warning("availability_record_failed", source=source.value, error=type(exc).__name__)
        return False


async def failures_between(session: AsyncSession, start: datetime, end: datetime) -> list[AvailabilityMinute]:
    """Rows of the minutes that overlap [start, end]."""
    stmt = (select(AvailabilityMinute)
            .where(AvailabilityMinute.minute >= minute_of(start), AvailabilityMinute.minute <= minute_of(end))
            .order_by(AvailabilityMinute.minute, AvailabilityMinute.source))
    return list((await session.scalars(stmt)).all())


async def outage_report(session: AsyncSession, *, close: datetime, window: timedelta, threshold: int,
                        threshold_ref: str) -> dict[str, Any]:
    """The outage report of a round that closed at `close` (A-43): the portal-side failures of every
    minute that overlaps the last `window` (the round's anti-sniping W, 10 minutes by law) before the
    actual close. `outage` = some minute reached `threshold` failed requests (OP-12)."""
    start = close - window
    rows = await failures_between(session, start, close)
    minutes: dict[datetime, dict[str, int]] = {}
    for row in rows:
        minutes.setdefault(row.minute, {s.value: 0 for s in Source})[row.source] = row.failures
    totals = [(m, counts, sum(counts.values())) for m, counts in sorted(minutes.items())]
    items: list[dict[str, Any]] = [{"minute": iso_ms(m), **counts, "total": t} for m, counts, t in totals]
    total = sum(t for _, _, t in totals)
    peak = max((t for _, _, t in totals), default=0)
    return {
        "window_from": iso_ms(start), "window_to": iso_ms(close), "window_s": int(window.total_seconds()),
        "threshold_per_minute": threshold, "threshold_ref": threshold_ref, "minutes": items,
        "failed_requests": total, "peak_per_minute": peak, "outage": total > 0 and peak >= threshold,
        "generated_at": iso_ms(clock.now()),
    }
