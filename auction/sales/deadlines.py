"""The deadlines after the award (TM-16 … TM-21), read from the sale's rule snapshot (G-08).

Under the `law` ruleset each one is the legal calendar's (G-05: counted from the day after the event, the
last day at the close of office hours, rolled past holidays). Under `demo` every period after the close is
elapsed time from the `aftersale.demo.*` rows (docs/api-contract.md: payment period 60 s, fesih window 60 s, tax
muhtıra period 60 s), so that a whole sale runs in minutes. The two are one function each, so a test of
the law and a test of the demo go through the same code.

Rows a sale announced before these keys existed does not carry in its snapshot are read from the rule
book for its ilan date and ruleset, which is what the snapshot would have held (G-08); open points from
the sale's policy snapshot, else the process policy (G-03).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from auction.calendar import (
    add_working_days,
    fesih_window_end,
    local_date,
    local_datetime,
    office_closing_time,
    payment_deadline,
    period_end,
)
from auction.rules.policy import Policy
from auction.rules.table import parse_duration, rulebook
from auction.sales.models import Sale


@dataclass(frozen=True)
class RuleValue:
    value: Any
    ref: str

    def duration(self) -> timedelta:
        return parse_duration(self.value, self.ref)

    def integer(self) -> int:
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise ValueError(f"{self.ref}: {self.value!r} is not an integer")
        return self.value


def sale_rule(sale: Sale, key: str) -> RuleValue:
    """A rule row as the sale's snapshot holds it, else the row in force on its ilan date (its ruleset)."""
    entry = (sale.rules or {}).get(key)
    if entry is not None:
        return RuleValue(entry["value"], str(entry["ref"]))
    row = rulebook().row(key, sale.ilan_date, sale.ruleset)  # type: ignore[arg-type]
    return RuleValue(row.value, row.ref)


def sale_policy(sale: Sale, policy: Policy, key: str) -> RuleValue:
    """An open point as the sale's snapshot holds it, else the value in force in this process (G-03)."""
    entry = (sale.policy or {}).get(key)
    if entry is not None:
        return RuleValue(entry["value"], str(entry["ref"]))
    pv = policy.get(key)
    return RuleValue(pv.value, pv.ref)


def is_demo(sale: Sale) -> bool:
    return sale.ruleset == "demo"


@dataclass(frozen=True)
class Period:
    """A period as the rule that sets it states it, for the texts that name it: whole days of the legal
    calendar, or elapsed seconds under the demo ruleset. Exactly one of `days`, `seconds` is set."""

    days: int | None
    seconds: int | None
    ref: str


def payment_period(sale: Sale) -> Period:
    """The TM-16 period `payment_due_at` applies to this sale (the same rows), so a text that names the
    period says what the deadline was computed from, never a figure of its own."""
    if is_demo(sale):
        row = sale_rule(sale, "aftersale.demo.payment_period")
        return Period(None, int(row.duration().total_seconds()), row.ref)
    row = sale_rule(sale, "payment.deadline_days")
    return Period(row.integer(), None, row.ref)


def payment_due_at(sale: Sale, posted_at: datetime, policy: Policy) -> datetime:
    """TM-16. rule: A-62 - 7 days from the tutanak's posting, close of office hours, no extension."""
    if is_demo(sale):
        return posted_at + sale_rule(sale, "aftersale.demo.payment_period").duration()
    return payment_deadline(local_date(posted_at), on=sale.ilan_date, policy=policy)


def fesih_until(sale: Sale, close: datetime, policy: Policy) -> datetime:
    """TM-17. rule: A-80 - 7 days from the ihale date (the local date of the actual close, A-42).
    UNCERTAIN(OP-24): the same window for a taşınır (courts apply İİK 134 to movables)."""
    if is_demo(sale):
        return close + sale_rule(sale, "aftersale.demo.fesih_window").duration()
    return fesih_window_end(local_date(close), on=sale.ilan_date, policy=policy)


def finality_alert_at(sale: Sale, window_end: datetime, policy: Policy) -> datetime:
    """TM-19. rule: A-85 - after the fesih window the office checks UYAP for a complaint; staff are
    alerted when the grace has passed. UNCERTAIN(OP-25): `finality.grace_working_days` (2 working days)."""
    if is_demo(sale):
        return window_end + sale_rule(sale, "aftersale.demo.finality_grace").duration()
    grace = sale_policy(sale, policy, "finality.grace_working_days").integer()
    day = add_working_days(local_date(window_end), grace, policy=policy)
    return local_datetime(day, office_closing_time(day))


def tax_due_at(sale: Sale, served_at: datetime, policy: Policy) -> datetime:
    """TM-20. rule: A-91 - the muhtıra for KDV and damga gives a deadline.
    UNCERTAIN(OP-26): `tax_demand.days` (7 days), counted as a legal period (G-05)."""
    if is_demo(sale):
        return served_at + sale_rule(sale, "aftersale.demo.tax_demand_period").duration()
    days = sale_policy(sale, policy, "tax_demand.days").integer()
    return period_end(local_date(served_at), days=days, policy=policy)


def reminder_at(sale: Sale, deadline: datetime) -> datetime:
    """When the buyer is reminded of a deadline (PRODUCT, `payment.reminder_before`)."""
    return deadline - sale_rule(sale, "payment.reminder_before").duration()


def tahliye_until(sale: Sale, served_at: datetime, policy: Policy) -> datetime:
    """TM-21. rule: A-93 - 15 days from the service of the tahliye emri; then eviction by force."""
    days = sale_rule(sale, "tahliye.days").integer()
    return period_end(local_date(served_at), days=days, policy=policy)
