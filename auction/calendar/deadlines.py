"""The auction's legal deadlines (docs/law/auction-rules.md §13 timers) and the A-21 schedule check.

Every number comes from the rule tables (G-01). The rows are selected by `on`, the key date of the
sale: pass the sale's ilan date (its rule snapshot, G-08) when you have it; without it the local date of
the event is used. Holidays are always looked up on the actual calendar day.

Rulesets (G-09): `demo` shortens only durations. Exactly what it relaxes here:
- the round length is the sale's own (any end after the start) instead of exactly 7 days;
- the ilan lead may be zero (`auction.ilan.min_lead_days` demo row = 0);
- round 2 may start the moment round 1 ends (zero gap), and the payment-deadline guard of A-21
  (PRODUCT) is not applied, because with minutes-long rounds it would push round 2 days away;
- the A-52 teminat deadlines (TM-11, TM-12, in the TM-10 … TM-13 range demo shortens) are the scheduled
  end E itself, so a demo bidder can deposit while the short round runs.
Everything else (R2 within one month of R1, R2 not before R1's end, the holiday calendar, payment and
fesih periods) is the same in both rulesets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from auction.calendar.clock import (
    format_local,
    local_date,
    local_datetime,
    parse_clock,
    require_aware,
    to_local,
    utc_ms,
)
from auction.calendar.workdays import (
    add_working_days,
    first_working_day_on_or_after,
    last_working_day_before,
    next_working_day,
    office_closing_time,
    period_end,
)
from auction.rules.policy import Policy
from auction.rules.table import RuleBook, RuleError, RuleRow, Ruleset, rulebook

_DAY = timedelta(days=1)


def _row(book: RuleBook | None, key: str, on: date, ruleset: Ruleset | None = None) -> RuleRow:
    return (book if book is not None else rulebook()).row(key, on, ruleset)


def _add_wall_clock(start: datetime, duration: timedelta) -> datetime:
    """Whole days are added on the Istanbul wall clock ("the 7th following day at the same hour");
    shorter durations (demo) are exact elapsed time.
    """
    if duration % _DAY == timedelta(0):
        return utc_ms(to_local(start) + duration)
    return utc_ms(start + duration)


# --- Rounds --------------------------------------------------------------------------------------


def round_duration(ruleset: Ruleset = "law", *, on: date, book: RuleBook | None = None) -> timedelta:
    # rule: A-21 - 7 days by law; the demo row is the default length of a demo round (G-09).
    duration = _row(book, "auction.round.duration", on, ruleset).duration()
    if duration <= timedelta(0):
        raise RuleError(f"auction.round.duration must be positive, got {duration}")
    return duration


def round_end(
    start: datetime, ruleset: Ruleset = "law", *, on: date | None = None, book: RuleBook | None = None
) -> datetime:
    """Scheduled end E of a round that opens at `start` (TM-10 → TM-13).

    rule: A-21 - by law the round ends on the 7th following day at the same local hour (no holiday
    roll: the portal runs on holidays). Demo: start + the demo `auction.round.duration`.
    """
    start = require_aware(start, "start")
    on = on if on is not None else local_date(start)
    return _add_wall_clock(start, round_duration(ruleset, on=on, book=book))


def outage_extension_latest_start(
    decision_date: date, *, on: date | None = None, book: RuleBook | None = None
) -> date:
    """Last day on which a one-day outage extension may start (TM-15).

    rule: A-43 - the müdür's decision fixes a start no later than 3 days after the decision. Counted in
    calendar days without a holiday roll: it bounds a choice, it is not a period that favours a party.
    """
    days = _row(book, "outage.extension.max_start_days", on if on is not None else decision_date).integer()
    return decision_date + timedelta(days=days)


def outage_extension_end(
    start: datetime, ruleset: Ruleset = "law", *, on: date | None = None, book: RuleBook | None = None
) -> datetime:
    """End of an outage extension that starts at `start`. rule: A-43 - one day, same local hour (demo:
    the demo row's minutes)."""
    start = require_aware(start, "start")
    duration = _row(book, "outage.extension.duration", on if on is not None else local_date(start), ruleset).duration()
    return _add_wall_clock(start, duration)


def outage_decision_window(
    close: datetime,
    ruleset: Ruleset = "law",
    *,
    on: date | None = None,
    policy: Policy | None = None,
    book: RuleBook | None = None,
) -> tuple[datetime, datetime]:
    """[opens, closes) in which the müdür may order an outage extension of a round closed at `close`.

    rule: A-43 - on the first working day after the round ends (the day the tutanak is due, A-60): from
    the start of that day to its end. Demo (`outage.decision.opens_working_days` = 0): from the close.
    """
    close = require_aware(close, "close")
    close_day = local_date(close)
    on = on if on is not None else close_day
    due_day = tutanak_due(close, on=on, policy=policy, book=book).day
    n = _row(book, "outage.decision.opens_working_days", on, ruleset).integer()
    opens = (utc_ms(close) if n == 0
             else local_datetime(add_working_days(close_day, n, policy=policy, book=book), time(0)))
    return opens, local_datetime(due_day + _DAY, time(0))


# --- Teminat (A-52) -----------------------------------------------------------------------------


def cash_teminat_deadline(
    scheduled_end: datetime,
    ruleset: Ruleset = "law",
    *,
    on: date | None = None,
    book: RuleBook | None = None,
) -> datetime:
    """Last moment a cash teminat counts for the round ending at E (TM-11).

    rule: A-52 - 23:30 on the calendar day before the day of E (keyed on the scheduled E, never on an
    extended close; for an outage extension pass the extension's end, OP-14). Demo: E itself.
    """
    e_day = local_date(scheduled_end)
    if ruleset == "demo":
        return utc_ms(scheduled_end)
    row = _row(book, "teminat.cash_deadline_time", on if on is not None else e_day)
    return local_datetime(e_day - _DAY, parse_clock(row.value, row.key))


def mektup_deadline(
    scheduled_end: datetime,
    ruleset: Ruleset = "law",
    *,
    on: date | None = None,
    policy: Policy | None = None,
    book: RuleBook | None = None,
) -> datetime:
    """Last moment for a teminat mektubu for the round ending at E (TM-12); the same deadline applies to
    bidding through a representative, co-buyers wanting fixed shares and teminat exemption requests.

    rule: A-52 - close of office hours (OP-03) on the last working day before the day of E. Under OP-04
    (default) a half-day arife is not a working day, so the deadline moves to the working day before it.
    Demo: E itself.
    """
    e_day = local_date(scheduled_end)
    if ruleset == "demo":
        return utc_ms(scheduled_end)
    day = last_working_day_before(e_day, policy=policy, book=book)
    return local_datetime(day, office_closing_time(on if on is not None else day, book=book))


# rule: A-52 - items 4–6 of İİK 114/6 share the teminat mektubu deadline.
representative_deadline = mektup_deadline
co_buyer_deadline = mektup_deadline
exemption_deadline = mektup_deadline


# --- Result, payment, fesih ---------------------------------------------------------------------


class TutanakDue(NamedTuple):
    day: date  # the working day the tutanak must be drawn up and posted
    due_at: datetime  # close of office hours that day (aware UTC): the TM-14 alert time


def tutanak_due(
    close: datetime, *, on: date | None = None, policy: Policy | None = None, book: RuleBook | None = None
) -> TutanakDue:
    """When the result tutanak of a round that closed at `close` is due (TM-14).

    rule: A-60 - on the first working day after the round ends, posted the same day (also the day of
    the outage review, A-43).
    """
    close_day = local_date(close)
    n = _row(book, "tutanak.due_working_days", on if on is not None else close_day).integer()
    day = add_working_days(close_day, n, policy=policy, book=book)
    return TutanakDue(day, local_datetime(day, office_closing_time(day, book=book)))


def payment_deadline(
    tutanak_posted: date,
    *,
    on: date | None = None,
    policy: Policy | None = None,
    book: RuleBook | None = None,
) -> datetime:
    """Last moment for the buyer's full price (TM-16).

    rule: A-62 - 7 days from the tutanak's posting (G-05: the posting day not counted), close of office
    hours, rolled to the next working day; no extension.
    """
    if isinstance(tutanak_posted, datetime):
        raise TypeError("payment_deadline takes the local posting date; use local_date(posted_at)")
    days = _row(book, "payment.deadline_days", on if on is not None else tutanak_posted).integer()
    return period_end(tutanak_posted, days=days, policy=policy, book=book)


def latest_payment_deadline_after(
    r1_end: datetime, *, on: date | None = None, policy: Policy | None = None, book: RuleBook | None = None
) -> datetime:
    """The latest possible payment deadline of a round-1 buyer: the A-21 PRODUCT guard.

    rule: A-21 (guard), A-60, A-62 - tutanak on the first working day after R1's end, then 7 days,
    close of office hours, holiday roll-over. Round 2 must start after this instant.
    """
    posted = tutanak_due(r1_end, on=on, policy=policy, book=book).day
    return payment_deadline(posted, on=on, policy=policy, book=book)


def fesih_window_end(
    ihale_date: date, *, on: date | None = None, policy: Policy | None = None, book: RuleBook | None = None
) -> datetime:
    """End of the window for an ihalenin feshi complaint (TM-17).

    rule: A-80 - 7 days from the ihale date (the local date of the actual close, A-42), counted per G-05.
    """
    if isinstance(ihale_date, datetime):
        raise TypeError("fesih_window_end takes the ihale date; use local_date(close)")
    days = _row(book, "fesih.window_days", on if on is not None else ihale_date).integer()
    return period_end(ihale_date, days=days, policy=policy, book=book)


# --- The A-21 schedule ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleProblem:
    code: str  # machine code: ilan_too_late, round_length, round2_before_round1_end, round2_too_late, …
    rule: str  # domain rule id
    message: str  # Turkish, for the müdür
    limit: datetime | None = None  # the bound that was crossed (aware UTC), when there is one


@dataclass(frozen=True)
class Schedule:
    ilan_date: date
    r1_start: datetime
    r1_end: datetime
    r2_start: datetime
    r2_end: datetime
    ruleset: Ruleset


class ScheduleError(ValueError):
    def __init__(self, problems: list[ScheduleProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def validate_schedule(
    ilan_date: date,
    r1_start: datetime,
    r1_end: datetime,
    r2_start: datetime,
    r2_end: datetime,
    ruleset: Ruleset = "law",
    *,
    policy: Policy | None = None,
    book: RuleBook | None = None,
) -> list[ScheduleProblem]:
    """Every A-21 rule on the two round windows of one ilan (S-01 guard, TM-07, TM-25). Empty = valid.

    The rule rows are those in force on the ilan date (G-08).
    """
    for name, value in (("r1_start", r1_start), ("r1_end", r1_end), ("r2_start", r2_start)):
        require_aware(value, name)
    require_aware(r2_end, "r2_end")
    on = ilan_date
    problems: list[ScheduleProblem] = []

    # rule: A-21 (TM-07) - the ilan is published at least 15 days before round 1 starts.
    lead = _row(book, "auction.ilan.min_lead_days", on, ruleset).integer()
    gap_days = (local_date(r1_start) - ilan_date).days
    if gap_days < lead:
        problems.append(
            ScheduleProblem(
                "ilan_too_late",
                "A-21",
                f"1. artırma, ilan tarihinden ({ilan_date:%d.%m.%Y}) en az {lead} gün sonra başlamalıdır "
                f"(İİK 114/2); girilen başlangıç {format_local(r1_start)}, fark {gap_days} gün.",
                local_datetime(ilan_date + timedelta(days=lead), time(0)),
            )
        )

    # rule: A-21 - each round lasts exactly 7 days (law); in demo any end after its start (G-09).
    length = _describe(round_duration("law", on=on, book=book)) if ruleset == "law" else ""
    for number, start, end in ((1, r1_start, r1_end), (2, r2_start, r2_end)):
        if ruleset == "law":
            expected = round_end(start, "law", on=on, book=book)
            if utc_ms(end) != expected:
                problems.append(
                    ScheduleProblem(
                        "round_length",
                        "A-21",
                        f"{number}. artırma tam {length} sürmelidir: {format_local(start)} başlangıcına göre "
                        f"bitiş {format_local(expected)} olmalıdır; girilen bitiş {format_local(end)}.",
                        expected,
                    )
                )
        elif end <= start:
            problems.append(
                ScheduleProblem(
                    "round_length",
                    "A-21",
                    f"{number}. artırmanın bitişi ({format_local(end)}) başlangıcından "
                    f"({format_local(start)}) sonra olmalıdır.",
                    utc_ms(start),
                )
            )

    # rule: A-21 - round 2 comes after round 1 (demo: it may start the moment round 1 ends).
    if r2_start < r1_end or (ruleset == "law" and r2_start == r1_end):
        problems.append(
            ScheduleProblem(
                "round2_before_round1_end",
                "A-21",
                f"2. artırma ({format_local(r2_start)}), 1. artırma bittikten ({format_local(r1_end)}) sonra "
                "başlamalıdır.",
                utc_ms(r1_end),
            )
        )

    # rule: A-21 (TM-25) - R2.start ≤ R1.end + 1 month, counted per G-05 (same-numbered day or the
    # month's last day, holiday roll, close of office hours).
    months = _row(book, "auction.round2.max_gap_months", on, ruleset).integer()
    latest_r2 = period_end(local_date(r1_end), months=months, policy=policy, book=book)
    if r2_start > latest_r2:
        problems.append(
            ScheduleProblem(
                "round2_too_late",
                "A-21",
                f"2. artırma, 1. artırmanın bitiminden itibaren en geç {months} ay içinde başlamalıdır "
                f"(İİK 114/2): en geç {format_local(latest_r2)}; girilen {format_local(r2_start)}.",
                latest_r2,
            )
        )

    # rule: A-21 PRODUCT guard (A-60, A-62, A-71) - round 2 starts after the latest payment deadline
    # of a round-1 buyer, so a round-1 default can still lead to round 2 on the announced dates.
    if ruleset == "law":
        guard = latest_payment_deadline_after(r1_end, on=on, policy=policy, book=book)
        if r2_start <= guard:
            problems.append(
                ScheduleProblem(
                    "round2_before_payment_deadline",
                    "A-21",
                    "2. artırma, 1. artırmada alıcı çıkması hâlinde en geç ödeme süresinin sonundan "
                    f"({format_local(guard)}) sonra başlamalıdır; girilen {format_local(r2_start)}.",
                    guard,
                )
            )
    return problems


def _describe(duration: timedelta) -> str:
    if duration % _DAY == timedelta(0):
        return f"{duration // _DAY} gün"
    return f"{int(duration.total_seconds())} saniye"


def propose_schedule(
    ilan_date: date,
    r1_start: datetime,
    ruleset: Ruleset = "law",
    *,
    policy: Policy | None = None,
    book: RuleBook | None = None,
) -> Schedule:
    """Propose round windows that satisfy A-21 for an ilan and a wished round-1 start.

    Law: round 1 starts at the wished local hour, on the wished day or, if that is too early or not a
    working day, on the first working day that respects the ilan lead. Round 2 starts at the same local
    hour `auction.round2.proposed_gap` (3 weeks, PRODUCT) after round 1 ends, moved to a working day and
    past the payment-deadline guard; if that passes the one-month limit, the earliest valid working day
    after the guard is taken. Demo: round 2 starts the demo gap after round 1 ends.
    Raises ScheduleError if no valid schedule exists (e.g. a holiday table that blocks every day).
    """
    require_aware(r1_start, "r1_start")
    on = ilan_date
    lead = _row(book, "auction.ilan.min_lead_days", on, ruleset).integer()
    earliest_day = ilan_date + timedelta(days=lead)
    wished = to_local(r1_start)
    hour = wished.time().replace(tzinfo=None)

    if ruleset == "law":
        day = first_working_day_on_or_after(max(wished.date(), earliest_day), policy=policy, book=book)
        r1s = local_datetime(day, hour)
    else:
        r1s = utc_ms(r1_start) if wished.date() >= earliest_day else local_datetime(earliest_day, hour)
    r1e = round_end(r1s, ruleset, on=on, book=book)
    gap = _row(book, "auction.round2.proposed_gap", on, ruleset).duration()

    if ruleset == "law":
        r2_hour = to_local(r1e).time().replace(tzinfo=None)
        guard = latest_payment_deadline_after(r1e, on=on, policy=policy, book=book)
        months = _row(book, "auction.round2.max_gap_months", on, ruleset).integer()
        latest_r2 = period_end(local_date(r1e), months=months, policy=policy, book=book)
        r2s = _first_start_after(local_date(_add_wall_clock(r1e, gap)), r2_hour, guard, policy, book)
        if r2s > latest_r2:
            r2s = _first_start_after(local_date(guard), r2_hour, guard, policy, book)
    else:
        r2s = utc_ms(r1e + gap)
    r2e = round_end(r2s, ruleset, on=on, book=book)

    problems = validate_schedule(ilan_date, r1s, r1e, r2s, r2e, ruleset, policy=policy, book=book)
    if problems:
        raise ScheduleError(problems)
    return Schedule(ilan_date, r1s, r1e, r2s, r2e, ruleset)


def _first_start_after(
    from_day: date, hour: time, after: datetime, policy: Policy | None, book: RuleBook | None
) -> datetime:
    """The first working day on or after `from_day` whose `hour` is strictly after `after`."""
    day = first_working_day_on_or_after(from_day, policy=policy, book=book)
    start = local_datetime(day, hour)
    while start <= after:
        day = next_working_day(day, policy=policy, book=book)
        start = local_datetime(day, hour)
    return start
