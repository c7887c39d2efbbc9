"""Working days (G-06) and the counting of periods (G-05, İİK 19).

Every function takes an optional `policy` (open points, G-03) and `book` (rule tables, G-01); by default
the process-wide rule book and `make_policy()`. Pass the same ones through a whole computation so a
deadline and the documents that show it agree.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from auction.calendar.clock import local_datetime, parse_clock
from auction.calendar.holidays import holiday_on
from auction.rules.policy import Policy, make_policy
from auction.rules.table import RuleBook, RuleError, rulebook

ARIFE_POLICY_KEY = "calendar.arife_is_holiday"
OFFICE_CLOSING_KEY = "calendar.office_closing_time"

# A year always has working days; this only stops a corrupt table (every day a holiday) from looping.
_MAX_SCAN_DAYS = 400


@dataclass(frozen=True)
class _Ctx:
    book: RuleBook
    arife_is_holiday: bool


def _ctx(policy: Policy | None, book: RuleBook | None) -> _Ctx:
    book = book if book is not None else rulebook()
    policy = policy if policy is not None else make_policy()
    # UNCERTAIN(OP-04): a half-day arife counts as a holiday for period ends (default true).
    value = policy.value(ARIFE_POLICY_KEY)
    if not isinstance(value, bool):
        raise RuleError(f"{ARIFE_POLICY_KEY} must be true or false, got {value!r}")
    return _Ctx(book=book, arife_is_holiday=value)


def arife_is_holiday(*, policy: Policy | None = None) -> bool:
    """The OP-04 setting in use (documents record it, G-03)."""
    return _ctx(policy, None).arife_is_holiday


def office_closing_time(on: date, *, book: RuleBook | None = None) -> time:
    """Close of office hours, at which day-periods end (G-05).

    UNCERTAIN(OP-03): 17:00 Europe/Istanbul by default (row `calendar.office_closing_time`).
    """
    book = book if book is not None else rulebook()
    # The row of the period's last day: if office hours ever change, a period ends at that day's hour.
    row = book.row(OFFICE_CLOSING_KEY, on)
    return parse_clock(row.value, OFFICE_CLOSING_KEY)


def _is_working(day: date, ctx: _Ctx) -> bool:
    # Look the year up first so a missing calendar raises even for a weekend day (G-06).
    holiday = holiday_on(day, book=ctx.book)
    if day.weekday() >= 5:  # Saturday, Sunday
        return False
    if holiday is None:
        return True
    if holiday.kind == "full":
        return False
    # UNCERTAIN(OP-04): a half-day arife is treated as a holiday when the policy says so.
    return not ctx.arife_is_holiday


def is_working_day(day: date, *, policy: Policy | None = None, book: RuleBook | None = None) -> bool:
    """A weekday that is not an official holiday (G-06); a half-day arife per OP-04."""
    return _is_working(day, _ctx(policy, book))


def _scan(start: date, step: int, ctx: _Ctx) -> date:
    day = start
    for _ in range(_MAX_SCAN_DAYS):
        if _is_working(day, ctx):
            return day
        day += timedelta(days=step)
    raise RuleError(
        f"no working day within {_MAX_SCAN_DAYS} days of {start.isoformat()}: check the holiday table"
    )


def first_working_day_on_or_after(
    day: date, *, policy: Policy | None = None, book: RuleBook | None = None
) -> date:
    return _scan(day, 1, _ctx(policy, book))


def next_working_day(day: date, *, policy: Policy | None = None, book: RuleBook | None = None) -> date:
    """The first working day strictly after `day`."""
    return _scan(day + timedelta(days=1), 1, _ctx(policy, book))


def last_working_day_before(day: date, *, policy: Policy | None = None, book: RuleBook | None = None) -> date:
    """The last working day strictly before `day` (A-52: the teminat mektubu deadline)."""
    return _scan(day - timedelta(days=1), -1, _ctx(policy, book))


def add_working_days(
    day: date, n: int, *, policy: Policy | None = None, book: RuleBook | None = None
) -> date:
    """The n-th working day after `day` (before it when n < 0); `day` itself when n == 0."""
    ctx = _ctx(policy, book)
    step = 1 if n >= 0 else -1
    current = day
    for _ in range(abs(n)):
        current = _scan(current + timedelta(days=step), step, ctx)
    return current


def add_months(day: date, months: int) -> date:
    """Same-numbered day `months` later, or that month's last day if it has no such day (G-05)."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    last = _stdlib_calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def period_last_day(
    event_date: date,
    *,
    days: int | None = None,
    weeks: int | None = None,
    months: int | None = None,
    policy: Policy | None = None,
    book: RuleBook | None = None,
) -> date:
    """The last day of a period counted from `event_date` per İİK 19 (G-05), after the holiday roll.

    - days: the event day is not counted; the period ends on the n-th following day;
    - weeks: ends on the same weekday of the last week;
    - months: ends on the same-numbered day of the last month (or its last day);
    - if that day is not a working day (weekend, official holiday, arife per OP-04) the period ends on
      the next working day.
    """
    given = [x for x in (days, weeks, months) if x is not None]
    if len(given) != 1:
        raise ValueError("give exactly one of days, weeks, months")
    if given[0] < 0:
        raise ValueError("a period cannot be negative")
    if isinstance(event_date, datetime):
        raise TypeError("period_last_day takes the local date of the event, not a datetime")
    if days is not None:
        last = event_date + timedelta(days=days)
    elif weeks is not None:
        last = event_date + timedelta(weeks=weeks)
    else:
        assert months is not None
        last = add_months(event_date, months)
    # rule: G-05 (İİK 19/4) - a period whose last day is a holiday ends on the next working day.
    return _scan(last, 1, _ctx(policy, book))


def period_end(
    event_date: date,
    *,
    days: int | None = None,
    weeks: int | None = None,
    months: int | None = None,
    at: time | None = None,
    policy: Policy | None = None,
    book: RuleBook | None = None,
) -> datetime:
    """The instant a period ends (G-05): its last working day at the close of office hours (OP-03),
    unless the statute names another hour (`at`). Returns an aware UTC datetime.
    """
    last = period_last_day(event_date, days=days, weeks=weeks, months=months, policy=policy, book=book)
    hour = at if at is not None else office_closing_time(last, book=book)
    return local_datetime(last, hour)
