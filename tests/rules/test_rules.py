from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from auction.rules import RuleError, load_rulebook, rulebook
from auction.rules.policy import Policy, make_policy


def test_increment_rule_changed_in_november_2024():
    # A-33 / OP-01: both rows exist; the ilan date selects the row.
    book = rulebook()
    old = book.row("auction.increment.rate", date(2024, 11, 13))
    new = book.row("auction.increment.rate", date(2024, 11, 14))
    assert old.decimal() == Decimal("0.001")
    assert old.rule == "A-33"
    assert new.decimal() == Decimal("0.005")
    assert book.row("auction.increment.minimum", date(2023, 1, 1)).decimal() == Decimal("100.00")
    assert book.row("auction.increment.minimum", date(2026, 1, 1)).decimal() == Decimal("1000.00")
    assert "@2024-11-14" in new.ref


def test_demo_ruleset_shortens_only_durations():
    book = rulebook()
    on = date(2026, 3, 1)
    assert book.row("auction.extension.step", on, "law").duration() == timedelta(minutes=3)
    assert book.row("auction.extension.step", on, "demo").duration() == timedelta(seconds=5)
    assert book.row("auction.extension.window", on, "demo").duration() == timedelta(seconds=20)
    assert book.row("auction.extension.cap", on, "demo").duration() == timedelta(seconds=60)
    # A money rule has no demo row: both rulesets get the same value (G-09).
    assert book.row("auction.teminat.rate", on, "demo") == book.row("auction.teminat.rate", on, "law")


def test_no_row_in_force_is_an_error():
    with pytest.raises(RuleError):
        rulebook().row("auction.increment.rate", date(2020, 1, 1))


def test_overlapping_rows_are_refused(tmp_path: Path):
    (tmp_path / "bad.toml").write_text("""
[[row]]
key = "auction.increment.rate"
value = "0.002"
effective_from = 2025-01-01
source = "test"
status = "PRODUCT"
rule = "A-33"
""")
    with pytest.raises(RuleError, match="overlap"):
        load_rulebook([tmp_path])


def test_unknown_field_in_a_row_is_refused(tmp_path: Path):
    (tmp_path / "bad.toml").write_text('[[row]]\nkey="x"\nvalue=1\nsource="s"\nstatus="PRODUCT"\nrule="G-01"\nrate=2\n')
    with pytest.raises(RuleError, match="unknown fields"):
        load_rulebook([tmp_path])


def test_open_point_defaults_and_override(tmp_path: Path):
    policy = make_policy()
    # Pinned defaults (G-03 item 3): changing one is a deliberate configuration change.
    assert policy.value("auction.allow_self_outbid") is False  # OP-11
    assert policy.value("extension.first_base") == "scheduled_end"  # OP-02
    assert policy.value("teminat.credit_winner") is True  # OP-18
    override = tmp_path / "policy.toml"
    override.write_text('"auction.allow_self_outbid" = true\n')
    changed = make_policy(override)
    assert changed.get("auction.allow_self_outbid").overridden is True
    assert changed.describe()["auction.allow_self_outbid"]["value"] is True
    with pytest.raises(RuleError):
        Policy(rulebook(), {"no.such.point": 1})
