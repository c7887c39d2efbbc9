"""Legal time (G-04): deadlines are computed in Türkiye local time and stored as aware UTC datetimes.

Türkiye has kept UTC+03:00 all year since 2016, but we still go through `zoneinfo` rather than a fixed
offset: a 2015 date or a future change of the law then stays right without touching this code.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from auction.rules.table import RuleError

# rule: G-04
ISTANBUL = ZoneInfo("Europe/Istanbul")


def require_aware(dt: datetime, what: str = "datetime") -> datetime:
    """Refuse naive datetimes: a naive value has no legal meaning (G-04)."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {dt.isoformat()}")
    return dt


def utc_ms(dt: datetime) -> datetime:
    """The stored form: aware UTC, truncated to the millisecond (G-04)."""
    out = require_aware(dt).astimezone(UTC)
    return out.replace(microsecond=out.microsecond // 1000 * 1000)


def to_local(dt_utc: datetime) -> datetime:
    """An aware datetime (any zone, normally UTC) as Europe/Istanbul wall-clock time."""
    return require_aware(dt_utc, "dt_utc").astimezone(ISTANBUL)


def local_date(dt_utc: datetime) -> date:
    """The legal (Istanbul) calendar day of an instant: a bid at 23:30 UTC is already tomorrow."""
    return to_local(dt_utc).date()


def local_datetime(day: date, at: time) -> datetime:
    """The instant of wall-clock `at` on `day` in Istanbul, as an aware UTC datetime (ms precision).

    `at` is a wall-clock time and must be naive: a time with its own zone would be ambiguous here.
    """
    if isinstance(day, datetime):
        raise TypeError("local_datetime takes a date, not a datetime")
    if at.tzinfo is not None:
        raise ValueError("local_datetime takes a wall-clock time without tzinfo")
    local = datetime(
        day.year, day.month, day.day, at.hour, at.minute, at.second, at.microsecond, tzinfo=ISTANBUL
    )
    return utc_ms(local)


def parse_clock(value: object, key: str = "time") -> time:
    """A rule-table time of day: `"17:00"` / `"23:30"` (or a TOML local time)."""
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        parts = value.split(":")
        if len(parts) in (2, 3) and all(p.isdigit() for p in parts):
            hour, minute, second = (int(p) for p in [*parts, "0"][:3])
            try:
                return time(hour, minute, second)
            except ValueError:
                pass
    raise RuleError(f"{key}: {value!r} is not a time of day (HH:MM)")


def format_local(dt: datetime) -> str:
    """`dd.mm.yyyy HH:MM` in Istanbul time, as on Turkish documents."""
    return to_local(dt).strftime("%d.%m.%Y %H:%M")
