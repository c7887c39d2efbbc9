"""A-21 round windows: validate_schedule (every problem code) and propose_schedule."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from auction.calendar import (
    CalendarMissingError,
    Schedule,
    ScheduleProblem,
    is_working_day,
    latest_payment_deadline_after,
    local_date,
    local_datetime,
    propose_schedule,
    round_end,
    to_local,
    validate_schedule,
)
from auction.rules.policy import Policy


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """Istanbul wall-clock time as the aware UTC datetime the system stores."""
    return local_datetime(date(y, m, d), time(hh, mm))


ILAN = date(2026, 2, 13)
R1 = (at(2026, 3, 2, 14), at(2026, 3, 9, 14))
R2 = (at(2026, 3, 30, 14), at(2026, 4, 6, 14))


def codes(problems: list[ScheduleProblem]) -> list[str]:
    return [p.code for p in problems]


def check(
    ilan: date,
    r1: tuple[datetime, datetime],
    r2: tuple[datetime, datetime],
    policy: Policy,
    ruleset: str = "law",
) -> list[ScheduleProblem]:
    return validate_schedule(ilan, r1[0], r1[1], r2[0], r2[1], ruleset, policy=policy)  # type: ignore[arg-type]


def law_round(y: int, m: int, d: int, hh: int = 14) -> tuple[datetime, datetime]:
    start = at(y, m, d, hh)
    return start, round_end(start)


# --- Valid schedules ----------------------------------------------------------------------------


def test_ex1_is_valid(arife_holiday: Policy) -> None:
    assert check(ILAN, R1, R2, arife_holiday) == []


@pytest.mark.parametrize(
    ("ilan", "r1", "r2"),
    [
        (date(2026, 2, 15), R1, R2),  # exactly 15 days of lead
        (ILAN, R1, law_round(2026, 3, 18, 10)),  # the morning after the guard (17 March 17:00)
        (ILAN, R1, law_round(2026, 4, 9, 14)),  # R1.end + 1 month, before 17:00 that day
        # +1 month lands on Ramazan Bayramı (Fri 20 March 2026): the limit rolls to Mon 23 March (G-05)
        (date(2026, 1, 25), law_round(2026, 2, 13, 14), law_round(2026, 3, 23, 10)),
        # R1 ends Saturday 31 Jan: +1 month = 28 Feb (Saturday, clamped) → Monday 2 March
        (date(2026, 1, 2), law_round(2026, 1, 24, 14), law_round(2026, 3, 2, 10)),
        # across the year boundary
        (date(2026, 11, 20), law_round(2026, 12, 7, 10), law_round(2027, 1, 4, 10)),
    ],
)
def test_valid_law_schedules(
    ilan: date, r1: tuple[datetime, datetime], r2: tuple[datetime, datetime], arife_holiday: Policy
) -> None:
    assert check(ilan, r1, r2, arife_holiday) == []


# --- Each problem code ------------------------------------------------------------------------------


@pytest.mark.parametrize("ilan", [date(2026, 2, 16), date(2026, 3, 1), date(2026, 3, 3)])
def test_ilan_too_late(ilan: date, arife_holiday: Policy) -> None:
    problems = check(ilan, R1, R2, arife_holiday)
    assert codes(problems) == ["ilan_too_late"]
    assert problems[0].rule == "A-21"
    assert problems[0].limit == at(2026, 3, 2) + timedelta(days=(ilan - date(2026, 2, 15)).days)
    assert "en az 15 gün" in problems[0].message


@pytest.mark.parametrize(
    ("r1", "r2", "expected_limit"),
    [
        ((R1[0], at(2026, 3, 9, 15)), R2, at(2026, 3, 9, 14)),  # one hour too long
        ((R1[0], at(2026, 3, 8, 14)), R2, at(2026, 3, 9, 14)),  # 6 days
        (R1, (R2[0], at(2026, 4, 6, 13, 59)), at(2026, 4, 6, 14)),
    ],
)
def test_round_length(
    r1: tuple[datetime, datetime],
    r2: tuple[datetime, datetime],
    expected_limit: datetime,
    arife_holiday: Policy,
) -> None:
    problems = check(ILAN, r1, r2, arife_holiday)
    assert "round_length" in codes(problems)
    p = next(p for p in problems if p.code == "round_length")
    assert p.rule == "A-21"
    assert p.limit == expected_limit
    assert "7 gün" in p.message


def test_round_length_reports_each_round(arife_holiday: Policy) -> None:
    problems = check(ILAN, (R1[0], at(2026, 3, 10, 14)), (R2[0], at(2026, 4, 7, 14)), arife_holiday)
    assert [p.message[:2] for p in problems if p.code == "round_length"] == ["1.", "2."]


@pytest.mark.parametrize(
    ("r2_start", "limit"),
    [
        (at(2026, 4, 9, 17, 1), at(2026, 4, 9, 17)),  # after the close of office hours on the last day
        (at(2026, 4, 10, 10), at(2026, 4, 9, 17)),
        (at(2026, 4, 20, 10), at(2026, 4, 9, 17)),
    ],
)
def test_round2_too_late(r2_start: datetime, limit: datetime, arife_holiday: Policy) -> None:
    problems = check(ILAN, R1, (r2_start, round_end(r2_start)), arife_holiday)
    assert codes(problems) == ["round2_too_late"]
    assert problems[0].limit == limit
    assert problems[0].rule == "A-21"


def test_round2_too_late_after_month_end_clamp(arife_holiday: Policy) -> None:
    r1 = law_round(2026, 1, 24, 14)  # ends Sat 31 Jan → limit Mon 2 March 17:00
    problems = check(date(2026, 1, 2), r1, law_round(2026, 3, 3, 10), arife_holiday)
    assert codes(problems) == ["round2_too_late"]
    assert problems[0].limit == at(2026, 3, 2, 17)


@pytest.mark.parametrize(
    "r2_start",
    [at(2026, 3, 17, 14), at(2026, 3, 17, 17), at(2026, 3, 16, 10), at(2026, 3, 10, 10)],
)
def test_round2_before_payment_deadline(r2_start: datetime, arife_holiday: Policy) -> None:
    problems = check(ILAN, R1, (r2_start, round_end(r2_start)), arife_holiday)
    assert codes(problems) == ["round2_before_payment_deadline"]
    assert problems[0].limit == at(2026, 3, 17, 17)
    assert problems[0].rule == "A-21"


def test_payment_guard_follows_op04(policies: dict[bool, Policy]) -> None:
    # R1 ends Wed 18 March 2026; the tutanak is due on the arife (OP-04 false) or on Mon 23 (true).
    r1 = law_round(2026, 3, 11, 14)
    r2 = law_round(2026, 3, 27, 10)
    assert latest_payment_deadline_after(r1[1], policy=policies[False]) == at(2026, 3, 26, 17)
    assert latest_payment_deadline_after(r1[1], policy=policies[True]) == at(2026, 3, 30, 17)
    assert check(date(2026, 2, 20), r1, r2, policies[False]) == []
    assert codes(check(date(2026, 2, 20), r1, r2, policies[True])) == ["round2_before_payment_deadline"]


@pytest.mark.parametrize("r2_start", [at(2026, 3, 5, 14), R1[1], at(2026, 3, 1, 14)])
def test_round2_before_round1_end(r2_start: datetime, arife_holiday: Policy) -> None:
    problems = check(ILAN, R1, (r2_start, round_end(r2_start)), arife_holiday)
    assert codes(problems) == ["round2_before_round1_end", "round2_before_payment_deadline"]
    assert problems[0].limit == R1[1]


def test_every_problem_has_rule_turkish_message_and_limit(arife_holiday: Policy) -> None:
    r1 = (at(2026, 2, 20, 14), at(2026, 2, 27, 15))
    r2 = (at(2026, 4, 1, 14), at(2026, 4, 8, 14))
    problems = check(date(2026, 2, 13), r1, r2, arife_holiday)
    assert sorted(codes(problems)) == ["ilan_too_late", "round2_too_late", "round_length"]
    for p in problems:
        assert p.rule == "A-21"
        assert p.limit is not None
        assert "artırma" in p.message


def test_naive_datetimes_are_refused(arife_holiday: Policy) -> None:
    naive = datetime(2026, 3, 2, 14)
    with pytest.raises(ValueError, match="r1_start"):
        validate_schedule(ILAN, naive, R1[1], R2[0], R2[1], policy=arife_holiday)


def test_schedule_reaching_an_unloaded_year_raises(arife_holiday: Policy) -> None:
    # The guard of an R1 ending 20 Dec 2027 falls in January 2028, which has no holiday row (G-06).
    r1 = law_round(2027, 12, 13, 10)
    with pytest.raises(CalendarMissingError, match="2028"):
        check(date(2027, 11, 20), r1, law_round(2028, 1, 10, 10), arife_holiday)


# --- Demo ruleset (G-09) ------------------------------------------------------------------------


def demo_round(start: datetime, minutes: int = 5) -> tuple[datetime, datetime]:
    return start, start + timedelta(minutes=minutes)


def test_demo_back_to_back_rounds_on_the_ilan_day_are_valid(arife_holiday: Policy) -> None:
    # Demo relaxes: ilan lead 0, any round length, zero gap, no payment guard; on a bayram day too.
    r1 = demo_round(at(2026, 3, 20, 10))
    r2 = demo_round(r1[1], minutes=3)
    assert check(date(2026, 3, 20), r1, r2, arife_holiday, "demo") == []


@pytest.mark.parametrize(
    ("ilan", "r1", "r2", "expected"),
    [
        (date(2026, 3, 3), demo_round(at(2026, 3, 2, 10)), demo_round(at(2026, 3, 2, 11)), ["ilan_too_late"]),
        (date(2026, 3, 2), (at(2026, 3, 2, 10), at(2026, 3, 2, 10)), demo_round(at(2026, 3, 2, 11)),
         ["round_length"]),
        (date(2026, 3, 2), demo_round(at(2026, 3, 2, 10)), (at(2026, 3, 2, 11), at(2026, 3, 2, 10, 59)),
         ["round_length"]),
        (date(2026, 3, 2), demo_round(at(2026, 3, 2, 10)), demo_round(at(2026, 3, 2, 10, 4)),
         ["round2_before_round1_end"]),
        # the one-month maximum is not a duration: it stays in demo
        (date(2026, 3, 2), demo_round(at(2026, 3, 2, 10)), demo_round(at(2026, 4, 3, 10)),
         ["round2_too_late"]),
    ],
)
def test_demo_problems(
    ilan: date,
    r1: tuple[datetime, datetime],
    r2: tuple[datetime, datetime],
    expected: list[str],
    arife_holiday: Policy,
) -> None:
    assert codes(check(ilan, r1, r2, arife_holiday, "demo")) == expected


# --- propose_schedule -----------------------------------------------------------------------------


def test_propose_ex1(arife_holiday: Policy) -> None:
    s = propose_schedule(ILAN, at(2026, 3, 2, 14), policy=arife_holiday)
    assert s == Schedule(ILAN, R1[0], R1[1], R2[0], R2[1], "law")


@pytest.mark.parametrize(
    ("ilan", "wished", "r1_start", "r2_start"),
    [
        # too early for the ilan lead: moved to ilan + 15 days (Sunday 1 March) → Monday 2 March
        (date(2026, 2, 14), at(2026, 2, 20, 14), at(2026, 3, 2, 14), at(2026, 3, 30, 14)),
        # a wished start on a bayram day moves to the next working day at the same hour
        (date(2026, 3, 1), at(2026, 3, 20, 11), at(2026, 3, 23, 11), at(2026, 4, 20, 11)),
        # R1 ends Wed 6 May; +21 days = Wed 27 May (Kurban 1. gün) → Monday 1 June
        (date(2026, 4, 10), at(2026, 4, 29, 10), at(2026, 4, 29, 10), at(2026, 6, 1, 10)),
        # R1 ends on 14 Dec; +21 days = 4 Jan 2027
        (date(2026, 11, 20), at(2026, 12, 7, 10), at(2026, 12, 7, 10), at(2027, 1, 4, 10)),
    ],
)
def test_propose_law(
    ilan: date, wished: datetime, r1_start: datetime, r2_start: datetime, arife_holiday: Policy
) -> None:
    s = propose_schedule(ilan, wished, policy=arife_holiday)
    assert s.r1_start == r1_start
    assert s.r1_end == round_end(r1_start)
    assert s.r2_start == r2_start
    assert s.r2_end == round_end(r2_start)
    assert validate_schedule(ilan, s.r1_start, s.r1_end, s.r2_start, s.r2_end, policy=arife_holiday) == []


@pytest.mark.parametrize("flag", [True, False])
def test_propose_is_always_valid_through_2026(flag: bool, policies: dict[bool, Policy]) -> None:
    policy = policies[flag]
    day = date(2026, 1, 1)
    while day.year == 2026:
        ilan = day - timedelta(days=20)
        s = propose_schedule(ilan, local_datetime(day, time(10, 30)), policy=policy)
        assert validate_schedule(ilan, s.r1_start, s.r1_end, s.r2_start, s.r2_end, policy=policy) == [], day
        assert is_working_day(local_date(s.r1_start), policy=policy)
        assert is_working_day(local_date(s.r2_start), policy=policy)
        assert to_local(s.r2_start).time() == time(10, 30)
        day += timedelta(days=1)


def test_propose_demo(arife_holiday: Policy) -> None:
    start = at(2026, 3, 20, 10)  # a bayram day: demo does not care
    s = propose_schedule(date(2026, 3, 20), start, "demo", policy=arife_holiday)
    assert (s.r1_start, s.r1_end) == (start, start + timedelta(minutes=5))
    assert s.r2_start == s.r1_end + timedelta(minutes=1)
    assert s.r2_end == s.r2_start + timedelta(minutes=5)
    assert s.ruleset == "demo"


def test_propose_demo_before_the_ilan_moves_to_the_ilan_day(arife_holiday: Policy) -> None:
    s = propose_schedule(date(2026, 3, 3), at(2026, 3, 2, 10), "demo", policy=arife_holiday)
    assert s.r1_start == at(2026, 3, 3, 10)
