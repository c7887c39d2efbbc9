"""The deadlines after the award (auction/sales/deadlines.py): the law's calendar and the demo ruleset's
60-second periods (docs/api-contract.md: payment period 60 s, fesih window 60 s, tax muhtıra period 60 s)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from auction.calendar import ISTANBUL
from auction.rules.policy import make_policy
from auction.sales import deadlines
from auction.sales.models import Sale


def _sale(ruleset: str) -> Sale:
    return Sale(ruleset=ruleset, ilan_date=date(2027, 3, 21), rules={}, policy={})


def _local(*a: int) -> datetime:
    return datetime(*a, tzinfo=ISTANBUL).astimezone(UTC)


def test_law_periods():
    s, p = _sale("law"), make_policy()
    # TM-16: posted Wed 14.04.2027 → Wed 21.04.2027 17:00.
    assert deadlines.payment_due_at(s, _local(2027, 4, 14, 10), p) == _local(2027, 4, 21, 17)
    # TM-17: ihale Tue 13.04.2027 → Tue 20.04.2027 17:00 (OP-24: the same for a taşınır).
    assert deadlines.fesih_until(s, _local(2027, 4, 13, 10), p) == _local(2027, 4, 20, 17)
    # TM-19 (OP-25): 2 working days after → Thu 22.04.2027 17:00 (Fri 23 April is a holiday, not reached).
    assert deadlines.finality_alert_at(s, _local(2027, 4, 20, 17), p) == _local(2027, 4, 22, 17)
    # TM-20 (OP-26): 7 days from the muhtıra served Thu 22.04 → Thu 29.04.2027 17:00.
    assert deadlines.tax_due_at(s, _local(2027, 4, 22, 11), p) == _local(2027, 4, 29, 17)
    # … rolled past a holiday: served Fri 16.04 → Fri 23.04 is a holiday → Mon 26.04.2027 17:00.
    assert deadlines.tax_due_at(s, _local(2027, 4, 16, 11), p) == _local(2027, 4, 26, 17)
    # TM-21: 15 days: Tue 18.05.2027 falls in Kurban Bayramı (16–19 May) → Thu 20.05.2027 17:00.
    assert deadlines.tahliye_until(s, _local(2027, 5, 3, 11), p) == _local(2027, 5, 20, 17)
    assert deadlines.reminder_at(s, _local(2027, 4, 21, 17)) == _local(2027, 4, 20, 17)


def test_demo_periods_are_sixty_seconds():
    s, p = _sale("demo"), make_policy()
    t = _local(2027, 4, 14, 10, 0, 5)
    minute = timedelta(seconds=60)
    assert deadlines.payment_due_at(s, t, p) == t + minute
    assert deadlines.fesih_until(s, t, p) == t + minute
    assert deadlines.tax_due_at(s, t, p) == t + minute
    assert deadlines.finality_alert_at(s, t, p) == t + minute
    assert deadlines.reminder_at(s, t + minute) == t + timedelta(seconds=30)


def test_open_point_defaults_after_the_award_are_pinned():
    p = make_policy()
    assert p.value("finality.grace_working_days") == 2  # OP-25
    assert p.value("tax_demand.days") == 7  # OP-26
    assert p.value("mahsup.formula") == "price_minus_net_payout"  # OP-21
    assert p.value("teminat.carry_to_round2") is True  # OP-49 stays the default


def test_a_sale_keeps_the_open_points_it_was_announced_with():
    s = _sale("law")
    s.policy = {"tax_demand.days": {"value": 10, "ref": "OP-26 tax_demand.days=10 (configured)", "op": "OP-26"}}
    assert deadlines.tax_due_at(s, _local(2027, 4, 22, 11), make_policy()) == _local(2027, 5, 3, 17)
