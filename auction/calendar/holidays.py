"""The holiday table (G-06): official holidays of Türkiye, one rule row per year, as data.

The rows live in `auction/rules/data/holidays.toml` under the key `calendar.holidays`; each value is a
list of `{date, name, kind}` with kind `full` or `half` (arife afternoons). A year without a row is a data
problem staff must fix: every lookup in that year raises `CalendarMissingError`, and `has_calendar(year)`
lets a caller warn ahead of time instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from auction.rules.table import RuleBook, RuleError, RuleRow, rulebook

HOLIDAYS_KEY = "calendar.holidays"

HolidayKind = Literal["full", "half"]


class CalendarMissingError(RuleError):
    """No holiday row is loaded for a year a deadline needs (G-06): staff must load it."""

    def __init__(self, year: int) -> None:
        super().__init__(
            f"no holiday calendar for {year}: load a {HOLIDAYS_KEY!r} row for {year} into "
            "auction/rules/data/holidays.toml (G-06, see docs/calendar.md)"
        )
        self.year = year


@dataclass(frozen=True)
class Holiday:
    day: date
    name: str
    kind: HolidayKind
    ref: str  # the rule row it came from (G-11), e.g. "G-06 calendar.holidays@2026-01-01"

    @property
    def is_half(self) -> bool:
        return self.kind == "half"


# Parsed rows, keyed by the identity of the row object (rows are immutable while running; the row is
# kept in the value so its id cannot be reused by another object).
_PARSED: dict[int, tuple[RuleRow, dict[date, Holiday]]] = {}


def _parse(row: RuleRow, year: int) -> dict[date, Holiday]:
    cached = _PARSED.get(id(row))
    if cached is not None and cached[0] is row:
        return cached[1]
    where = f"{row.table or 'rules'}: {HOLIDAYS_KEY} {year}"
    if row.effective_from != date(year, 1, 1) or row.effective_to != date(year + 1, 1, 1):
        raise RuleError(f"{where}: a holiday row must run from {year}-01-01 to {year + 1}-01-01 (exclusive)")
    if not isinstance(row.value, list):
        raise RuleError(f"{where}: value must be an array of {{date, name, kind}} tables")
    out: dict[date, Holiday] = {}
    for raw in row.value:
        entry = _entry(raw, where)
        day, name, kind = entry
        if day.year != year:
            raise RuleError(f"{where}: {day.isoformat()} is not in {year}")
        if day in out:
            # One entry per date, so that a double holiday is a visible, deliberate line of data.
            raise RuleError(f"{where}: {day.isoformat()} is listed twice; write one entry naming both")
        out[day] = Holiday(day=day, name=name, kind=kind, ref=row.ref)
    _PARSED[id(row)] = (row, out)
    return out


def _entry(raw: Any, where: str) -> tuple[date, str, HolidayKind]:
    if not isinstance(raw, dict) or set(raw) != {"date", "name", "kind"}:
        raise RuleError(f"{where}: each holiday is {{date = …, name = …, kind = …}}, got {raw!r}")
    day, name, kind = raw["date"], raw["name"], raw["kind"]
    if not isinstance(day, date) or isinstance(day, datetime):
        raise RuleError(f"{where}: date {day!r} must be a TOML date (2026-03-20)")
    if not isinstance(name, str) or not name.strip():
        raise RuleError(f"{where}: {day.isoformat()} needs a name")
    if kind == "full":
        return day, name, "full"
    if kind == "half":
        return day, name, "half"
    raise RuleError(f"{where}: {day.isoformat()} has kind {kind!r}; use 'full' or 'half'")


def _year_table(year: int, book: RuleBook | None) -> dict[date, Holiday]:
    book = book if book is not None else rulebook()
    try:
        row = book.row(HOLIDAYS_KEY, date(year, 1, 1))
    except RuleError as exc:
        raise CalendarMissingError(year) from exc
    return _parse(row, year)


def has_calendar(year: int, *, book: RuleBook | None = None) -> bool:
    """True when the holiday row of `year` is loaded (and well formed). For warnings, e.g. on 1 December."""
    try:
        _year_table(year, book)
    except CalendarMissingError:
        return False
    return True


def holidays_in(year: int, *, book: RuleBook | None = None) -> list[Holiday]:
    """Every official holiday of `year`, in date order. Raises `CalendarMissingError` if not loaded."""
    return sorted(_year_table(year, book).values(), key=lambda h: h.day)


def holiday_on(day: date, *, book: RuleBook | None = None) -> Holiday | None:
    """The holiday on `day`, or None. Raises `CalendarMissingError` if that year is not loaded."""
    return _year_table(day.year, book).get(day)
