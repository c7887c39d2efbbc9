"""The auction's deadlines (docs/law/auction-rules.md §13), including worked examples Ex 1 and Ex 3 (§14)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from auction.calendar import (
    ISTANBUL,
    TutanakDue,
    cash_teminat_deadline,
    co_buyer_deadline,
    exemption_deadline,
    fesih_window_end,
    latest_payment_deadline_after,
    local_datetime,
    mektup_deadline,
    outage_extension_end,
    outage_extension_latest_start,
    payment_deadline,
    representative_deadline,
    round_duration,
    round_end,
    to_local,
    tutanak_due,
)
from auction.rules.policy import Policy
from auction.rules.table import RuleBook


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    """Istanbul wall-clock time as the aware UTC datetime the system stores."""
    return local_datetime(date(y, m, d), time(hh, mm, ss))


# --- Worked example Ex 1 (docs/law/auction-rules.md §14) --------------------------------------------------


def test_ex1_round_windows(arife_holiday: Policy) -> None:
    r1_start = at(2026, 3, 2, 14)
    r1_end = round_end(r1_start)
    assert r1_end == at(2026, 3, 9, 14)
    assert latest_payment_deadline_after(r1_end, policy=arife_holiday) == at(2026, 3, 17, 17)
    assert round_end(at(2026, 3, 30, 14)) == at(2026, 4, 6, 14)


def test_ex1_round2_teminat_deadlines(arife_holiday: Policy) -> None:
    e = at(2026, 4, 6, 14)
    assert cash_teminat_deadline(e) == at(2026, 4, 5, 23, 30)  # Sunday 23:30
    assert mektup_deadline(e, policy=arife_holiday) == at(2026, 4, 3, 17)  # Friday 17:00
    # representatives, co-buyers and exemption requests share the mektup deadline
    for fn in (representative_deadline, co_buyer_deadline, exemption_deadline):
        assert fn(e, policy=arife_holiday) == at(2026, 4, 3, 17)


# --- Worked example Ex 3 --------------------------------------------------------------------------


def test_ex3_after_the_close(arife_holiday: Policy) -> None:
    close = at(2026, 4, 6, 15)  # extended close of R2
    due = tutanak_due(close, policy=arife_holiday)
    assert due == TutanakDue(date(2026, 4, 7), at(2026, 4, 7, 17))  # Tuesday
    assert payment_deadline(due.day, policy=arife_holiday) == at(2026, 4, 14, 17)  # Tuesday 17:00
    assert fesih_window_end(date(2026, 4, 6), policy=arife_holiday) == at(2026, 4, 13, 17)  # Monday 17:00


# --- round_end (A-21, TM-10/TM-13) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (at(2026, 3, 2, 14), at(2026, 3, 9, 14)),
        # no holiday roll: a round may end in a bayram (the portal runs on holidays)
        (at(2026, 3, 13, 10), at(2026, 3, 20, 10)),
        (at(2026, 12, 28, 10), at(2027, 1, 4, 10)),  # year boundary
        (at(2026, 4, 6, 23, 59, 59), at(2026, 4, 13, 23, 59, 59)),
    ],
)
def test_round_end_law(start: datetime, end: datetime) -> None:
    assert round_end(start, "law") == end


def test_round_end_keeps_the_local_hour_across_an_old_dst_change(book: RuleBook) -> None:
    # Summer time ended on 8 Nov 2015 in Türkiye: "the same hour" is the wall clock, so the round
    # lasts 169 elapsed hours. (Rows are keyed on the e-sale regime: pass a current key date.)
    start = datetime(2015, 11, 4, 14, 0, tzinfo=ISTANBUL)
    end = round_end(start, "law", on=date(2026, 1, 1), book=book)
    assert to_local(end).replace(tzinfo=None) == datetime(2015, 11, 11, 14, 0)
    assert end - start == timedelta(days=7, hours=1)


def test_round_end_demo_uses_the_demo_duration(book: RuleBook) -> None:
    start = at(2026, 3, 2, 14, 0, 5)
    assert round_duration("demo", on=date(2026, 3, 2), book=book) == timedelta(minutes=5)
    assert round_end(start, "demo", book=book) == at(2026, 3, 2, 14, 5, 5)


def test_round_end_rejects_naive() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        round_end(datetime(2026, 3, 2, 14))


# --- A-52 teminat deadlines (TM-11, TM-12) --------------------------------------------------------


@pytest.mark.parametrize(
    ("e", "deadline"),
    [
        (at(2026, 3, 9, 14), at(2026, 3, 8, 23, 30)),  # the calendar day before, even a Sunday
        (at(2026, 3, 23, 14), at(2026, 3, 22, 23, 30)),  # even a bayram day
        (at(2027, 1, 4, 10), at(2027, 1, 3, 23, 30)),
        (at(2027, 1, 1, 0, 30), at(2026, 12, 31, 23, 30)),  # E just after midnight local
        (datetime(2026, 4, 6, 21, 30, tzinfo=UTC), at(2026, 4, 6, 23, 30)),  # 00:30 local on 7 April
    ],
)
def test_cash_teminat_deadline(e: datetime, deadline: datetime) -> None:
    assert cash_teminat_deadline(e) == deadline


@pytest.mark.parametrize(
    ("e", "if_holiday", "if_working"),
    [
        (at(2026, 4, 7, 14), at(2026, 4, 6, 17), at(2026, 4, 6, 17)),
        (at(2026, 4, 6, 14), at(2026, 4, 3, 17), at(2026, 4, 3, 17)),  # Monday E → Friday
        # E on Monday 23 March 2026: Friday is Ramazan Bayramı, Thursday the arife (OP-04)
        (at(2026, 3, 23, 14), at(2026, 3, 18, 17), at(2026, 3, 19, 17)),
        (at(2027, 1, 4, 10), at(2026, 12, 31, 17), at(2026, 12, 31, 17)),  # over the new year
        (at(2026, 10, 30, 10), at(2026, 10, 27, 17), at(2026, 10, 28, 17)),  # 29 Oct, 28 Oct half day
    ],
)
def test_mektup_deadline(
    e: datetime, if_holiday: datetime, if_working: datetime, policies: dict[bool, Policy]
) -> None:
    assert mektup_deadline(e, policy=policies[True]) == if_holiday
    assert mektup_deadline(e, policy=policies[False]) == if_working


def test_demo_teminat_deadlines_are_the_scheduled_end() -> None:
    e = at(2026, 3, 2, 14, 5)
    assert cash_teminat_deadline(e, "demo") == e
    assert mektup_deadline(e, "demo") == e


# --- A-60 tutanak (TM-14) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("close", "if_holiday", "if_working"),
    [
        (at(2026, 3, 13, 16), date(2026, 3, 16), date(2026, 3, 16)),  # Friday close → Monday
        (at(2026, 3, 18, 15), date(2026, 3, 23), date(2026, 3, 19)),  # arife next day (OP-04)
        (at(2026, 5, 22, 15), date(2026, 5, 25), date(2026, 5, 25)),
        (at(2026, 5, 25, 15), date(2026, 6, 1), date(2026, 5, 26)),  # Kurban Bayramı
        (at(2026, 12, 31, 15), date(2027, 1, 4), date(2027, 1, 4)),
        # 21:30 UTC is 00:30 on 7 April locally: the round ended on the 7th
        (datetime(2026, 4, 6, 21, 30, tzinfo=UTC), date(2026, 4, 8), date(2026, 4, 8)),
    ],
)
def test_tutanak_due(
    close: datetime, if_holiday: date, if_working: date, policies: dict[bool, Policy]
) -> None:
    for flag, day in ((True, if_holiday), (False, if_working)):
        due = tutanak_due(close, policy=policies[flag])
        assert due.day == day
        assert due.due_at == at(day.year, day.month, day.day, 17)


# --- A-62 payment (TM-16) and the A-21 guard --------------------------------------------------------


@pytest.mark.parametrize(
    ("posted", "if_holiday", "if_working"),
    [
        (date(2026, 4, 7), at(2026, 4, 14, 17), at(2026, 4, 14, 17)),
        (date(2026, 5, 20), at(2026, 6, 1, 17), at(2026, 6, 1, 17)),  # 27 May = Kurban 1. gün
        (date(2026, 3, 12), at(2026, 3, 23, 17), at(2026, 3, 19, 17)),  # 19 March = arife
        (date(2026, 12, 25), at(2027, 1, 4, 17), at(2027, 1, 4, 17)),  # 1 Jan 2027
        (date(2026, 10, 22), at(2026, 10, 30, 17), at(2026, 10, 30, 17)),  # 29 October
    ],
)
def test_payment_deadline(
    posted: date, if_holiday: datetime, if_working: datetime, policies: dict[bool, Policy]
) -> None:
    assert payment_deadline(posted, policy=policies[True]) == if_holiday
    assert payment_deadline(posted, policy=policies[False]) == if_working


def test_payment_deadline_takes_the_posting_date() -> None:
    with pytest.raises(TypeError):
        payment_deadline(at(2026, 4, 7, 10))  # a datetime is a date subclass: refused at run time


@pytest.mark.parametrize(
    ("r1_end", "guard"),
    [
        (at(2026, 3, 9, 14), at(2026, 3, 17, 17)),  # Ex 1
        (at(2026, 3, 13, 14), at(2026, 3, 23, 17)),  # tutanak Mon 16 → Mon 23
        (at(2026, 3, 18, 14), at(2026, 3, 30, 17)),  # tutanak after the bayram (23 March) → 30 March
        (at(2026, 5, 15, 14), at(2026, 5, 25, 17)),  # tutanak Mon 18 May (19 May is a holiday)
        (at(2026, 5, 20, 14), at(2026, 6, 1, 17)),  # tutanak 21 May, +7 = 28 May (Kurban) → 1 June
    ],
)
def test_latest_payment_deadline_after(r1_end: datetime, guard: datetime, arife_holiday: Policy) -> None:
    assert latest_payment_deadline_after(r1_end, policy=arife_holiday) == guard


# --- A-80 fesih (TM-17) ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ihale", "if_holiday", "if_working"),
    [
        (date(2026, 4, 6), at(2026, 4, 13, 17), at(2026, 4, 13, 17)),  # Ex 3
        (date(2026, 5, 20), at(2026, 6, 1, 17), at(2026, 6, 1, 17)),
        (date(2026, 10, 21), at(2026, 10, 30, 17), at(2026, 10, 28, 17)),
        (date(2026, 3, 14), at(2026, 3, 23, 17), at(2026, 3, 23, 17)),  # day 7 = 21 March, a bayram Saturday
    ],
)
def test_fesih_window_end(
    ihale: date, if_holiday: datetime, if_working: datetime, policies: dict[bool, Policy]
) -> None:
    assert fesih_window_end(ihale, policy=policies[True]) == if_holiday
    assert fesih_window_end(ihale, policy=policies[False]) == if_working


# --- A-43 outage extension (TM-15) -----------------------------------------------------------------


def test_outage_extension() -> None:
    assert outage_extension_latest_start(date(2026, 4, 7)) == date(2026, 4, 10)
    start = at(2026, 4, 9, 10)
    assert outage_extension_end(start) == at(2026, 4, 10, 10)
