"""docs/law/auction-rules.md Ex 1 and Ex 2 figures from the rule snapshot (A-30, A-31, A-33, A-50; G-07, G-08)."""

from datetime import date
from decimal import Decimal

import pytest

from auction.rules.policy import make_policy
from auction.sales.snapshot import Snapshot, figures, take_snapshot, threshold

M = Decimal("2350000.00")


def snap(on: date, ruleset: str = "law") -> Snapshot:
    rules, pol = take_snapshot(on, ruleset, make_policy())  # type: ignore[arg-type]
    return Snapshot(rules, pol)


def test_ex1_figures_after_the_7531_change():
    s = snap(date(2026, 2, 13))
    f = figures(M, s)
    assert f.opening_price == Decimal("1175000.00")
    assert f.min_increment == Decimal("11750.00")  # max(0.005 × M, 1,000)
    assert f.teminat == Decimal("235000.00")
    assert f.opening_price + f.min_increment * 0 == Decimal("1175000.00")  # first admissible bid
    assert Decimal("1700000.00") + f.min_increment == Decimal("1711750.00")
    assert s.ref("auction.increment.rate") == "A-33 auction.increment.rate@2024-11-14"


def test_ex1_same_lot_under_the_pre_7531_increment_row():
    s = snap(date(2024, 11, 13))  # the last day of the old row (effective_to is exclusive)
    assert figures(M, s).min_increment == Decimal("2350.00")  # max(0.001 × M, 100)
    assert s.ref("auction.increment.rate") == "A-33 auction.increment.rate@2021-11-30"
    assert s.raw("auction.extension.mode") == "once"  # legacy A-41: one 10-minute extension
    assert figures(M, snap(date(2024, 11, 14))).min_increment == Decimal("11750.00")  # OP-01: from 14.11.2024


@pytest.mark.parametrize(("m", "on", "increment"), [
    (Decimal("100000.00"), date(2026, 1, 5), Decimal("1000.00")),  # the 1,000 TL floor
    (Decimal("50000.00"), date(2023, 1, 5), Decimal("100.00")),  # the old 100 TL floor
    (Decimal("2345678.91"), date(2026, 1, 5), Decimal("11728.40")),  # 11,728.39455 rounded UP (G-07)
    (Decimal("2345678.91"), date(2023, 1, 5), Decimal("2345.68")),  # 2,345.67891 rounded UP
])
def test_increment_is_a_legal_floor_rounded_up(m, on, increment):
    assert figures(m, snap(on)).min_increment == increment


def test_opening_price_and_teminat_round_half_up():
    f = figures(Decimal("1000000.05"), snap(date(2026, 1, 5)))
    assert f.opening_price == Decimal("500000.03")  # 500,000.025 → half up
    assert f.teminat == Decimal("100000.01")  # 100,000.005 → half up


def test_ex2_threshold_with_both_mortgages_in_r():
    s = snap(date(2026, 2, 13))
    r = Decimal("1420000.00") + Decimal("200000.00")  # 2nd mortgage counts up to its limit
    c = Decimal("4800.00") + Decimal("6000.00") + Decimal("6200.00") + Decimal("1400.00")
    t = threshold(M, r, c, None, s)
    assert t == Decimal("1638400.00")
    assert not Decimal("1610000.00") > t  # R1's highest bid fails (S-10)
    assert Decimal("1638400.01") > t  # the least bid that wins
    # Had the 1st-degree mortgagee requested the sale, R = 0: threshold 1,193,400.00 and 1,610,000 wins.
    assert threshold(M, Decimal("0.00"), c, None, s) == Decimal("1193400.00")


def test_threshold_with_half_kurus_and_metal_value():
    s = snap(date(2026, 2, 13))
    # 0.50 × 1,000.01 = 500.005: a whole-kuruş bid must exceed it, i.e. be ≥ 500.01.
    t = threshold(Decimal("1000.01"), Decimal("0.00"), Decimal("0.00"), None, s)
    assert t == Decimal("500.00")
    assert Decimal("500.01") > t
    assert not Decimal("500.00") > t
    # gold is never sold at or below its metal value.
    assert threshold(Decimal("1000.00"), Decimal("0.00"), Decimal("0.00"), Decimal("800.00"), s) == Decimal("800.00")


def test_demo_ruleset_changes_only_durations():
    law, demo = snap(date(2026, 2, 13)), snap(date(2026, 2, 13), "demo")
    assert figures(M, law) == figures(M, demo)
    assert demo.duration("auction.extension.window").total_seconds() == 20
    assert demo.duration("auction.extension.step").total_seconds() == 5
    assert demo.duration("auction.extension.cap").total_seconds() == 60
    assert law.duration("auction.extension.window").total_seconds() == 600
    assert law.duration("auction.extension.step").total_seconds() == 180
    assert law.duration("auction.extension.cap").total_seconds() == 3600
