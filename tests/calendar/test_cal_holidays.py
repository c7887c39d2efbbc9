"""The holiday table (G-06): data rows per year, read strictly."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from auction.calendar import (
    CalendarMissingError,
    has_calendar,
    holiday_on,
    holidays_in,
    is_working_day,
    next_working_day,
)
from auction.rules.table import RuleBook, RuleError, RuleRow

FIXED = [(1, 1), (4, 23), (5, 1), (5, 19), (7, 15), (8, 30), (10, 29)]

# The moving religious holidays (Diyanet takvim; sources in docs/calendar.md): arife (half), then days.
RELIGIOUS = {
    2024: {"ramazan": date(2024, 4, 9), "kurban": date(2024, 6, 15)},
    2025: {"ramazan": date(2025, 3, 29), "kurban": date(2025, 6, 5)},
    2026: {"ramazan": date(2026, 3, 19), "kurban": date(2026, 5, 26)},
    2027: {"ramazan": date(2027, 3, 8), "kurban": date(2027, 5, 15)},
}


@pytest.mark.parametrize("year", [2024, 2025, 2026, 2027])
def test_every_supported_year_is_loaded(year: int, book: RuleBook) -> None:
    assert has_calendar(year, book=book)
    days = holidays_in(year, book=book)
    assert days == sorted(days, key=lambda h: h.day)
    assert all(h.day.year == year for h in days)


@pytest.mark.parametrize("year", [2024, 2025, 2026, 2027])
def test_fixed_holidays_and_28_october_half_day(year: int, book: RuleBook) -> None:
    for month, day in FIXED:
        h = holiday_on(date(year, month, day), book=book)
        assert h is not None
        assert h.kind == "full", h
    arife = holiday_on(date(year, 10, 28), book=book)
    assert arife is not None
    assert arife.kind == "half"


@pytest.mark.parametrize("year", [2024, 2025, 2026, 2027])
@pytest.mark.parametrize(
    ("feast", "title", "length"), [("ramazan", "Ramazan Bayramı", 3), ("kurban", "Kurban Bayramı", 4)]
)
def test_religious_holidays(year: int, feast: str, title: str, length: int, book: RuleBook) -> None:
    arife_day = RELIGIOUS[year][feast]
    before = holiday_on(arife_day - timedelta(days=1), book=book)
    assert before is None or title not in before.name
    arife = holiday_on(arife_day, book=book)
    assert arife is not None
    assert arife.kind == "half"
    assert arife.name == f"{title} arifesi"
    for i in range(1, length + 1):
        h = holiday_on(arife_day + timedelta(days=i), book=book)
        assert h is not None
        assert h.kind == "full"
        assert f"{title} {i}. gün" in h.name
    after = holiday_on(arife_day + timedelta(days=length + 1), book=book)
    assert after is None or title not in after.name


@pytest.mark.parametrize(
    ("day", "name_part", "kind"),
    [
        (date(2026, 3, 20), "Ramazan Bayramı 1. gün", "full"),
        (date(2026, 3, 22), "Ramazan Bayramı 3. gün", "full"),
        (date(2026, 5, 30), "Kurban Bayramı 4. gün", "full"),
        (date(2025, 3, 30), "Ramazan Bayramı 1. gün", "full"),
        (date(2025, 6, 9), "Kurban Bayramı 4. gün", "full"),
        (date(2024, 4, 10), "Ramazan Bayramı 1. gün", "full"),
        (date(2024, 6, 19), "Kurban Bayramı 4. gün", "full"),
        # 2027: the 4th day of Kurban Bayramı is also 19 Mayıs: one entry naming both.
        (date(2027, 5, 19), "Atatürk'ü Anma", "full"),
        (date(2027, 5, 19), "Kurban Bayramı 4. gün", "full"),
    ],
)
def test_named_days(day: date, name_part: str, kind: str, book: RuleBook) -> None:
    h = holiday_on(day, book=book)
    assert h is not None
    assert name_part in h.name
    assert h.kind == kind
    assert h.ref == f"G-06 calendar.holidays@{day.year}-01-01"


@pytest.mark.parametrize("day", [date(2026, 3, 18), date(2026, 3, 23), date(2026, 12, 31), date(2026, 5, 31)])
def test_ordinary_days_are_not_holidays(day: date, book: RuleBook) -> None:
    assert holiday_on(day, book=book) is None


def test_rows_are_data_with_provenance(book: RuleBook) -> None:
    rows = book.history("calendar.holidays")
    assert [r.effective_from for r in rows] == [date(y, 1, 1) for y in (2024, 2025, 2026, 2027)]
    for r in rows:
        assert r.rule == "G-06"
        assert r.key_date == "day"
        # Secondary sources only: flagged UNCERTAIN until staff confirm against the Diyanet takvim.
        assert r.status == "UNCERTAIN"
        assert r.source
        assert r.table == "holidays.toml"


# --- A missing or malformed year is a data error (G-06) ------------------------------------------


def _book_with(rows: list[RuleRow], base: RuleBook | None = None) -> RuleBook:
    out = RuleBook()
    if base is not None:
        for key, kept in base.rows.items():
            if key != "calendar.holidays":
                for r in kept:
                    out.add(r)
    for r in rows:
        out.add(r)
    return out


def _row(year: int, value: object, start: date | None = None, end: date | None = None) -> RuleRow:
    return RuleRow(
        key="calendar.holidays",
        value=value,
        effective_from=start or date(year, 1, 1),
        effective_to=end or date(year + 1, 1, 1),
        key_date="day",
        source="test",
        status="UNCERTAIN",
        rule="G-06",
        table="test.toml",
    )


@pytest.mark.parametrize("year", [2023, 2028])
def test_missing_year_raises_a_clear_error(year: int, book: RuleBook) -> None:
    assert not has_calendar(year, book=book)
    with pytest.raises(CalendarMissingError, match=f"no holiday calendar for {year}") as exc:
        holiday_on(date(year, 6, 1), book=book)
    assert exc.value.year == year
    assert isinstance(exc.value, RuleError)


def test_missing_year_raises_even_for_a_weekend_and_when_crossing_into_it(book: RuleBook) -> None:
    with pytest.raises(CalendarMissingError):
        is_working_day(date(2028, 1, 1), book=book)  # a Saturday: still refused, the year is unknown
    with pytest.raises(CalendarMissingError):
        next_working_day(date(2027, 12, 31), book=book)


def test_loaded_year_next_to_a_missing_one(book: RuleBook) -> None:
    rows = [r for r in book.history("calendar.holidays") if r.effective_from == date(2026, 1, 1)]
    only_2026 = _book_with(rows)
    assert has_calendar(2026, book=only_2026)
    assert not has_calendar(2027, book=only_2026)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([{"date": date(2026, 1, 1), "name": "Yılbaşı", "kind": "whole"}], "kind"),
        ([{"date": date(2026, 1, 1), "name": "", "kind": "full"}], "name"),
        ([{"date": "2026-01-01", "name": "Yılbaşı", "kind": "full"}], "TOML date"),
        ([{"date": date(2027, 1, 1), "name": "Yılbaşı", "kind": "full"}], "not in 2026"),
        ([{"date": date(2026, 1, 1), "name": "Yılbaşı"}], "date = …, name = …, kind = …"),
        (
            [
                {"date": date(2026, 5, 19), "name": "19 Mayıs", "kind": "full"},
                {"date": date(2026, 5, 19), "name": "again", "kind": "full"},
            ],
            "listed twice",
        ),
        ({"2026-01-01": "Yılbaşı"}, "array"),
    ],
)
def test_malformed_rows_are_refused(value: object, message: str) -> None:
    bad = _book_with([_row(2026, value)])
    with pytest.raises(RuleError, match=message) as exc:
        holidays_in(2026, book=bad)
    # A malformed row is not reported as a missing year: staff must fix the row, not add one.
    assert not isinstance(exc.value, CalendarMissingError)


def test_a_row_must_cover_exactly_its_year() -> None:
    partial = _book_with([_row(2026, [], start=date(2026, 1, 1), end=date(2026, 7, 1))])
    with pytest.raises(RuleError, match="must run from 2026-01-01 to 2027-01-01"):
        holidays_in(2026, book=partial)
