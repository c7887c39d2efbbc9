"""The worked cases of the law catalogue (docs/law/examples/), compared field by field as its README says.

Money and rates compare as Decimal; everything else must be equal; deductions are matched by id and
allocations by creditor_id; a missing or extra line is an error; extra fields in our output are allowed.
Every case also goes through `run_cli` (the `esatis distribute` semantics), and one through a real
subprocess `python -m auction.distribution CASE.json`.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest

from auction.distribution import distribute, run_cli
from tests.distribution.dist_helpers import EXAMPLE_NAMES, EXAMPLES, load_example

MONEY_KEYS = {"price", "kdv_rate", "kdv", "damga_vergisi", "tapu_harci_alici", "total_due", "amount",
              "distributable", "available", "demanded", "paid", "kamu_part", "private_part", "claim_total",
              "principal", "interest", "costs", "share", "shortfall", "tahsil_harci", "cezaevi_harci",
              "net_payout", "debtor_surplus", "deductions", "shares"}


def _as_decimal(value: Any) -> Decimal:
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError) as exc:
        raise AssertionError(f"not a decimal: {value!r}") from exc


def compare(expected: Any, got: Any, path: str = "$", key: str | None = None) -> list[str]:
    """Differences between an expected and an actual result (extra fields in `got` are allowed)."""
    errors: list[str] = []
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return [f"{path}: expected an object, got {got!r}"]
        for k, v in expected.items():
            if k not in got:
                errors.append(f"{path}.{k}: missing")
            elif k in ("deductions", "allocations") and isinstance(v, list):
                errors += compare_lines(v, got[k], f"{path}.{k}", "id" if k == "deductions" else "creditor_id")
            else:
                errors += compare(v, got[k], f"{path}.{k}", k)
        return errors
    if isinstance(expected, list):
        if not isinstance(got, list) or len(got) != len(expected):
            return [f"{path}: expected {len(expected)} items, got {got!r}"]
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            errors += compare(e, g, f"{path}[{i}]", key)
        return errors
    if key in MONEY_KEYS and isinstance(expected, str):
        if not isinstance(got, str) or _as_decimal(expected) != _as_decimal(got):
            errors.append(f"{path}: expected {expected}, got {got!r}")
        return errors
    if expected != got:
        errors.append(f"{path}: expected {expected!r}, got {got!r}")
    return errors


def compare_lines(expected: list[dict[str, Any]], got: list[dict[str, Any]], path: str, key: str) -> list[str]:
    got_by = {g[key]: g for g in got}
    exp_ids = [e[key] for e in expected]
    errors = []
    if sorted(got_by) != sorted(exp_ids) or len(got) != len(got_by):
        errors.append(f"{path}: lines {sorted(got_by)} != expected {sorted(exp_ids)}")
    for e in expected:
        if e[key] in got_by:
            errors += compare(e, got_by[e[key]], f"{path}[{e[key]}]")
    return errors


def test_all_six_examples_are_here() -> None:
    assert EXAMPLE_NAMES == ["01-full-coverage", "02-pledges-limit", "03-haciz-dereceler-kamu",
                             "04-sira-shortfall-remainder", "05-interest-payments", "06-kdv-konut-split"]


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_example_field_by_field(name: str) -> None:
    case, expected = load_example(name)
    got = distribute(case)
    assert compare(expected, got) == []


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_example_through_run_cli(name: str) -> None:
    _, expected = load_example(name)
    out, err = io.StringIO(), io.StringIO()
    code = run_cli(str(EXAMPLES / f"{name}.json"), out, err)
    assert code == 0, err.getvalue()
    assert err.getvalue() == ""
    assert compare(expected, json.loads(out.getvalue())) == []


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_each_expected_stage_and_check_exactly(name: str) -> None:
    """Stages are where a wrong derece or sıra shows first (docs/law/examples/README.md): compare them on their own."""
    case, expected = load_example(name)
    got = distribute(case)
    assert compare(expected["stages"], got["stages"], "$.stages", None) == []
    assert got["check"] == expected["check"]


def test_example_through_a_real_subprocess(tmp_path: Path) -> None:
    name = "03-haciz-dereceler-kamu"
    _, expected = load_example(name)
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-m", "auction.distribution", str(EXAMPLES / f"{name}.json")],
                          capture_output=True, text=True, cwd=repo, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert compare(expected, json.loads(proc.stdout)) == []


def test_subprocess_bad_input_exits_2_with_error_json(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"sale_date": "2026-13-01", "price": -5}', encoding="utf-8")
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-m", "auction.distribution", str(bad)],
                          capture_output=True, text=True, cwd=repo, timeout=120, check=False)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    error = json.loads(proc.stderr)
    assert error["error"] == "invalid_case"
    assert {p["path"] for p in error["problems"]} >= {"sale_date", "price", "paid_in_date", "asset", "creditors"}


def test_money_strings_have_exactly_two_decimals() -> None:
    for name in EXAMPLE_NAMES:
        case, _ = load_example(name)
        got = distribute(case)
        for a in got["allocations"]:
            for k in ("claim_total", "share", "shortfall", "tahsil_harci", "cezaevi_harci", "net_payout"):
                assert re.fullmatch(r"\d+\.\d{2}", a[k]), (name, k, a[k])
        assert re.fullmatch(r"\d\.\d{4}", got["buyer_settlement"]["kdv_rate"])


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_explain_false_gives_the_same_figures(name: str) -> None:
    case, _ = load_example(name)
    full = distribute(case)
    lean = distribute(case, explain=False)
    assert "explain" not in lean
    assert lean == {k: v for k, v in full.items() if k != "explain"}
