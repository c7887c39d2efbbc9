"""Working days (G-06, OP-04) and period counting (G-05, İİK 19)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from auction.calendar import (
    add_months,
    add_working_days,
    arife_is_holiday,
    first_working_day_on_or_after,
    is_working_day,
    last_working_day_before,
    local_datetime,
    next_working_day,
    office_closing_time,
    period_end,
    period_last_day,
)
from auction.calendar.holidays import CalendarMissingError
from auction.rules.policy import Policy
from auction.rules.table import RuleBook


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """Istanbul wall-clock time as the aware UTC datetime the system stores."""
    return local_datetime(date(y, m, d), time(hh, mm))


# --- Pinned open-point defaults (G-03 item 3) ----------------------------------------------------


def test_default_office_closing_time_is_17_00(book: RuleBook) -> None:
    # UNCERTAIN(OP-03): office closes at 17:00.
    assert office_closing_time(date(2026, 4, 14), book=book) == time(17, 0)


def test_default_policy_treats_arife_as_holiday() -> None:
    # UNCERTAIN(OP-04): default true; a change must be a deliberate configuration change.
    assert arife_is_holiday() is True
    assert is_working_day(date(2026, 3, 19)) is False


# --- is_working_day -------------------------------------------------------------------------------

# (day, working if OP-04 true, working if OP-04 false)
WORKING = [
    (date(2026, 3, 18), True, True),  # an ordinary Wednesday
    (date(2026, 3, 21), False, False),  # Saturday (and Ramazan Bayramı)
    (date(2026, 4, 5), False, False),  # Sunday
    (date(2026, 3, 19), False, True),  # Ramazan Bayramı arifesi (Thursday)
    (date(2026, 3, 20), False, False),  # Ramazan Bayramı 1. gün (Friday)
    (date(2026, 5, 26), False, True),  # Kurban Bayramı arifesi (Tuesday)
    (date(2026, 5, 29), False, False),  # Kurban Bayramı 3. gün
    (date(2026, 10, 28), False, True),  # Cumhuriyet Bayramı arifesi
    (date(2026, 10, 29), False, False),  # Cumhuriyet Bayramı
    (date(2026, 1, 1), False, False),  # Yılbaşı
    (date(2026, 7, 15), False, False),  # Demokrasi ve Millî Birlik Günü
    (date(2027, 3, 8), False, True),  # Ramazan Bayramı arifesi 2027 (Monday)
    (date(2027, 5, 19), False, False),  # Kurban 4. gün and 19 Mayıs
    (date(2025, 3, 31), False, False),  # Ramazan Bayramı 2. gün 2025 (Monday)
    (date(2024, 6, 17), False, False),  # Kurban Bayramı 2. gün 2024 (Monday)
    (date(2026, 8, 31), True, True),  # Monday after Zafer Bayramı on a Sunday: no bridge day
]


@pytest.mark.parametrize(("day", "if_holiday", "if_working"), WORKING)
def test_is_working_day(day: date, if_holiday: bool, if_working: bool, policies: dict[bool, Policy]) -> None:
    assert is_working_day(day, policy=policies[True]) is if_holiday
    assert is_working_day(day, policy=policies[False]) is if_working


# --- Moving between working days ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "if_holiday", "if_working"),
    [
        (date(2026, 3, 18), date(2026, 3, 23), date(2026, 3, 19)),  # over the arife and Ramazan Bayramı
        (date(2026, 4, 3), date(2026, 4, 6), date(2026, 4, 6)),  # Friday → Monday
        (date(2026, 5, 25), date(2026, 6, 1), date(2026, 5, 26)),  # over Kurban Bayramı
        (date(2026, 12, 31), date(2027, 1, 4), date(2027, 1, 4)),  # year boundary, 1 Jan on Friday
        (date(2026, 10, 27), date(2026, 10, 30), date(2026, 10, 28)),  # 28 Oct half day, 29 Oct
    ],
)
def test_next_working_day(
    day: date, if_holiday: date, if_working: date, policies: dict[bool, Policy]
) -> None:
    assert next_working_day(day, policy=policies[True]) == if_holiday
    assert next_working_day(day, policy=policies[False]) == if_working


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 18), date(2026, 3, 18)),  # already a working day
        (date(2026, 3, 19), date(2026, 3, 23)),  # arife (OP-04 true) → after the bayram
        (date(2026, 5, 30), date(2026, 6, 1)),  # last day of Kurban Bayramı (Saturday)
        (date(2027, 1, 1), date(2027, 1, 4)),
    ],
)
def test_first_working_day_on_or_after(day: date, expected: date, arife_holiday: Policy) -> None:
    assert first_working_day_on_or_after(day, policy=arife_holiday) == expected


@pytest.mark.parametrize(
    ("day", "if_holiday", "if_working"),
    [
        (date(2026, 3, 23), date(2026, 3, 18), date(2026, 3, 19)),
        (date(2026, 4, 6), date(2026, 4, 3), date(2026, 4, 3)),  # Monday → Friday
        (date(2026, 4, 7), date(2026, 4, 6), date(2026, 4, 6)),
        (date(2027, 1, 4), date(2026, 12, 31), date(2026, 12, 31)),  # back over the year boundary
        (date(2026, 6, 1), date(2026, 5, 25), date(2026, 5, 26)),
    ],
)
def test_last_working_day_before(
    day: date, if_holiday: date, if_working: date, policies: dict[bool, Policy]
) -> None:
    assert last_working_day_before(day, policy=policies[True]) == if_holiday
    assert last_working_day_before(day, policy=policies[False]) == if_working


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (date(2026, 3, 18), 0, date(2026, 3, 18)),
        (date(2026, 3, 21), 0, date(2026, 3, 21)),  # n = 0 never moves, even from a holiday
        (date(2026, 3, 18), 1, date(2026, 3, 23)),
        (date(2026, 3, 18), 2, date(2026, 3, 24)),
        (date(2026, 4, 6), 3, date(2026, 4, 9)),
        (date(2026, 4, 9), 3, date(2026, 4, 14)),  # over a weekend
        (date(2026, 12, 30), 2, date(2027, 1, 4)),  # 31 Dec, then over 1 Jan and the weekend
        (date(2026, 3, 23), -1, date(2026, 3, 18)),
        (date(2026, 4, 6), -5, date(2026, 3, 30)),
    ],
)
def test_add_working_days(day: date, n: int, expected: date, arife_holiday: Policy) -> None:
    assert add_working_days(day, n, policy=arife_holiday) == expected


# --- Periods (G-05) -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # clamped to the month's last day
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 3, 9), 1, date(2026, 4, 9)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),  # year boundary
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 5, 31), -1, date(2026, 4, 30)),
        (date(2026, 1, 15), 12, date(2027, 1, 15)),
    ],
)
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


# (event date, unit, n, last day if OP-04 true, last day if OP-04 false)
PERIODS = [
    # days: the event day is not counted
    (date(2026, 3, 2), "days", 7, date(2026, 3, 9), date(2026, 3, 9)),
    (date(2026, 4, 7), "days", 7, date(2026, 4, 14), date(2026, 4, 14)),
    (date(2026, 3, 2), "days", 0, date(2026, 3, 2), date(2026, 3, 2)),
    # ends in Ramazan Bayramı 2026 (Friday 20 March) → Monday 23 March
    (date(2026, 3, 13), "days", 7, date(2026, 3, 23), date(2026, 3, 23)),
    # ends on the arife (Thursday 19 March): OP-04 decides
    (date(2026, 3, 12), "days", 7, date(2026, 3, 23), date(2026, 3, 19)),
    # ends on 29 October → 30 October; on the 28 October half day: OP-04 decides
    (date(2026, 10, 22), "days", 7, date(2026, 10, 30), date(2026, 10, 30)),
    (date(2026, 10, 21), "days", 7, date(2026, 10, 30), date(2026, 10, 28)),
    # ends in Kurban Bayramı 2026 → Monday 1 June
    (date(2026, 5, 20), "days", 7, date(2026, 6, 1), date(2026, 6, 1)),
    # ends on a Saturday → Monday
    (date(2026, 4, 4), "days", 7, date(2026, 4, 13), date(2026, 4, 13)),
    # weeks: same weekday of the last week (İİK 19, Law 7499)
    (date(2026, 4, 1), "weeks", 2, date(2026, 4, 15), date(2026, 4, 15)),
    (date(2026, 5, 20), "weeks", 1, date(2026, 6, 1), date(2026, 6, 1)),  # lands on Kurban 1. gün
    # months: same-numbered day, or the month's last day; then the roll-over
    (date(2026, 1, 31), "months", 1, date(2026, 3, 2), date(2026, 3, 2)),  # 28 Feb 2026 is a Saturday
    (date(2025, 1, 31), "months", 1, date(2025, 2, 28), date(2025, 2, 28)),  # a Friday: no roll
    (date(2026, 3, 9), "months", 1, date(2026, 4, 9), date(2026, 4, 9)),
    (date(2026, 2, 19), "months", 1, date(2026, 3, 23), date(2026, 3, 19)),  # 19 March = arife
    # year boundaries
    (date(2026, 12, 25), "days", 7, date(2027, 1, 4), date(2027, 1, 4)),  # 1 Jan 2027 is a Friday
    (date(2026, 12, 31), "months", 2, date(2027, 3, 1), date(2027, 3, 1)),  # 28 Feb 2027 is a Sunday
    (date(2026, 12, 28), "weeks", 1, date(2027, 1, 4), date(2027, 1, 4)),
]


@pytest.mark.parametrize(("event", "unit", "n", "if_holiday", "if_working"), PERIODS)
def test_period_end(
    event: date, unit: str, n: int, if_holiday: date, if_working: date, policies: dict[bool, Policy]
) -> None:
    for flag, last in ((True, if_holiday), (False, if_working)):
        kwargs: dict[str, Any] = {unit: n}
        assert period_last_day(event, policy=policies[flag], **kwargs) == last
        # Ends at the close of office hours (OP-03: 17:00) of the last day, as aware UTC.
        end = period_end(event, policy=policies[flag], **kwargs)
        assert end == at(last.year, last.month, last.day, 17, 0)
        assert end.tzinfo is UTC


def test_period_end_at_another_hour(arife_holiday: Policy) -> None:
    # A statute may name its own hour (e.g. 23:30 for cash teminat): the roll-over still applies.
    end = period_end(date(2026, 3, 13), days=7, at=time(23, 30), policy=arife_holiday)
    assert end == at(2026, 3, 23, 23, 30)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"days": 7, "weeks": 1}, {"days": -1}, {"months": 1, "weeks": 1, "days": 1}],
)
def test_period_end_needs_exactly_one_non_negative_unit(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"exactly one|negative"):
        period_end(date(2026, 3, 2), **kwargs)


def test_period_end_takes_a_date_not_a_datetime() -> None:
    with pytest.raises(TypeError):
        period_end(at(2026, 3, 2, 14), days=7)  # a datetime is a date subclass: refused at run time


def test_period_ending_in_a_year_without_calendar_raises(book: RuleBook) -> None:
    with pytest.raises(CalendarMissingError, match="2028"):
        period_end(date(2027, 12, 28), days=7, book=book)
