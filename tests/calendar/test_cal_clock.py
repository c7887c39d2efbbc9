"""Legal time (G-04): Europe/Istanbul wall clock, aware UTC storage with millisecond precision."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from auction.calendar import (
    ISTANBUL,
    format_local,
    local_date,
    local_datetime,
    parse_clock,
    to_local,
    utc_ms,
)
from auction.rules.table import RuleError


@pytest.mark.parametrize(
    ("utc", "local"),
    [
        (datetime(2026, 3, 2, 11, 0, tzinfo=UTC), datetime(2026, 3, 2, 14, 0)),
        (datetime(2026, 7, 15, 21, 30, tzinfo=UTC), datetime(2026, 7, 16, 0, 30)),  # no DST: +3 in summer
        (datetime(2026, 12, 31, 20, 59, tzinfo=UTC), datetime(2026, 12, 31, 23, 59)),
        # Before 2016 Türkiye had summer time: zoneinfo, not a fixed +3, keeps old dates right.
        (datetime(2015, 1, 15, 10, 0, tzinfo=UTC), datetime(2015, 1, 15, 12, 0)),
        (datetime(2015, 7, 1, 9, 0, tzinfo=UTC), datetime(2015, 7, 1, 12, 0)),
    ],
)
def test_to_local(utc: datetime, local: datetime) -> None:
    out = to_local(utc)
    assert out.tzinfo is ISTANBUL
    assert out.replace(tzinfo=None) == local


def test_to_local_accepts_any_aware_zone() -> None:
    berlin_like = timezone(timedelta(hours=1))
    assert to_local(datetime(2026, 3, 2, 12, 0, tzinfo=berlin_like)).hour == 14


@pytest.mark.parametrize(
    ("utc", "day"),
    [
        (datetime(2026, 3, 1, 20, 59, 59, tzinfo=UTC), date(2026, 3, 1)),
        (datetime(2026, 3, 1, 21, 0, tzinfo=UTC), date(2026, 3, 2)),  # 00:00 local: already the next day
        (datetime(2026, 12, 31, 21, 0, tzinfo=UTC), date(2027, 1, 1)),  # year boundary
    ],
)
def test_local_date(utc: datetime, day: date) -> None:
    assert local_date(utc) == day


@pytest.mark.parametrize(
    ("day", "at", "utc"),
    [
        (date(2026, 3, 9), time(14, 0), datetime(2026, 3, 9, 11, 0, tzinfo=UTC)),
        (date(2026, 4, 5), time(23, 30), datetime(2026, 4, 5, 20, 30, tzinfo=UTC)),
        (date(2027, 1, 1), time(0, 30), datetime(2026, 12, 31, 21, 30, tzinfo=UTC)),
        (date(2026, 4, 6), time(14, 59, 58, 400_123), datetime(2026, 4, 6, 11, 59, 58, 400_000, tzinfo=UTC)),
    ],
)
def test_local_datetime(day: date, at: time, utc: datetime) -> None:
    out = local_datetime(day, at)
    assert out == utc
    assert out.tzinfo is UTC
    assert out.microsecond % 1000 == 0  # millisecond precision (G-04)


def test_local_datetime_refuses_zoned_time_and_datetime() -> None:
    with pytest.raises(ValueError, match="wall-clock"):
        local_datetime(date(2026, 3, 9), time(14, 0, tzinfo=UTC))
    with pytest.raises(TypeError):
        local_datetime(datetime(2026, 3, 9, 14, 0, tzinfo=UTC), time(14, 0))


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 3, 9, 14, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        to_local(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        local_date(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        utc_ms(naive)


def test_utc_ms_truncates_and_converts() -> None:
    local = datetime(2026, 4, 6, 14, 59, 58, 400_999, tzinfo=ISTANBUL)
    assert utc_ms(local) == datetime(2026, 4, 6, 11, 59, 58, 400_000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("17:00", time(17, 0)),
        ("23:30", time(23, 30)),
        ("08:15:30", time(8, 15, 30)),
        (time(9, 0), time(9, 0)),
    ],
)
def test_parse_clock(raw: object, expected: time) -> None:
    assert parse_clock(raw) == expected


@pytest.mark.parametrize("raw", ["17", "25:00", "17:60", "5pm", 17, None, ""])
def test_parse_clock_rejects(raw: object) -> None:
    with pytest.raises(RuleError):
        parse_clock(raw)


def test_format_local() -> None:
    assert format_local(datetime(2026, 4, 5, 20, 30, tzinfo=UTC)) == "05.04.2026 23:30"
