"""Validation: every problem of a case at once, each with its JSON path and a stable code; never a traceback."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from auction.distribution import InvalidCase, distribute, run_cli
from auction.errors import DomainError
from tests.distribution.dist_helpers import base_case, haciz, kamu, rehin


def problems(payload: Any) -> set[tuple[str, str]]:
    with pytest.raises(InvalidCase) as exc:
        distribute(payload)
    return {(p.path, p.code) for p in exc.value.problems}


def test_many_problems_are_reported_at_once_with_their_paths() -> None:
    case = {
        "sale_date": "2026-02-30",
        "paid_in_date": "2026-03-10",
        "price": "1250000.555",
        "asset": {"kind": "tasinmaz", "use": "konut", "colour": "red", "kdv_rate": "11"},
        "buyer": {"bank_17_4_r": "yes"},
        "costs": [{"id": "ilan", "label": "İlan", "amount": "-5.00"},
                  {"id": "ilan", "label": "again", "amount": "1.00"},
                  {"id": "tapu_harci_satici", "amount": "1.00"}],
        "creditors": [
            {"id": "c1", "kind": "rehin", "degree": 0, "limit": 100.5,
             "claim": {"principal": "100.00", "interest": [{"from": "2025-05-01", "to": "2025-04-01",
                                                           "rate": "0.24"}]}},
            {"id": "c2", "kind": "haciz", "haciz_date": "2025-01-01", "sira": 5,
             "claim": {"principal": "-1", "payments": [{"date": "2030-01-01", "amount": "1.00"}]}},
            {"id": "c1", "kind": "kamu_haczi", "haciz_date": "2025-01-01", "sira": 1,
             "claim": {"principal": "1.00"}},
            {"id": "c4", "kind": "takipsiz", "joins": "nobody", "sira": 1, "claim": {"principal": "1.00"}},
            {"id": "c5", "kind": "takipsiz", "joins": "c1", "claim": {"principal": "1.00"}},
            {"id": "c6", "kind": "pledge", "claim": {"principal": "1.00", "imputation": "fifo"}},
            {"id": "c7", "kind": "haciz", "haciz_date": "2025/01/01", "takip_date": "2025-01-01",
             "claim": {"principal": "1.00", "interest": [{"from": "2025-01-01", "rate": "10.01"}]}},
            "not an object",
        ],
        "extra": 1,
    }
    got = problems(case)
    expected = {
        ("sale_date", "invalid_date"),
        ("price", "too_many_decimals"),
        ("asset.colour", "unknown_field"),
        ("asset.kdv_rate", "rate_too_high"),
        ("buyer.bank_17_4_r", "type"),
        ("costs[0].amount", "negative"),
        ("costs[1].id", "duplicate_id"),
        ("costs[2].id", "reserved_id"),
        ("creditors[0].degree", "out_of_range"),
        ("creditors[0].limit", "type"),
        ("creditors[0].claim.interest[0].to", "to_before_from"),
        ("creditors[1].takip_date", "required"),
        ("creditors[1].sira", "out_of_range"),
        ("creditors[1].claim.principal", "negative"),
        ("creditors[2].id", "duplicate_id"),
        ("creditors[2].sira", "not_applicable"),
        ("creditors[3].joins", "unknown_reference"),
        ("creditors[4].joins", "invalid_reference"),
        ("creditors[4].sira", "required"),
        ("creditors[5].kind", "invalid_choice"),
        ("creditors[5].claim.imputation", "invalid_choice"),
        ("creditors[6].haciz_date", "invalid_date"),
        ("creditors[6].claim.interest[0].rate", "rate_too_high"),
        ("creditors[7]", "type"),
        ("extra", "unknown_field"),
    }
    assert expected <= got, expected - got
    # the payment after the sale date cannot be judged: the sale date itself is invalid
    assert ("creditors[1].claim.payments[0].date", "after_sale_date") not in got


# (label, case change, expected problem)
SINGLE = [
    ("payload not an object", ["a list"], ("$", "type")),
    ("missing everything", {}, ("sale_date", "required")),
    ("float money is refused (money is a string)", base_case(price=1250000.5), ("price", "type")),
    ("integer money is accepted", None, None),
    ("bool money", base_case(price=True), ("price", "type")),
    ("not a number", base_case(price="12a"), ("price", "invalid_amount")),
    ("NaN", base_case(price="NaN"), ("price", "invalid_amount")),
    ("date with another format", base_case(sale_date="20260302"), ("sale_date", "invalid_date")),
    ("paid-in before the sale", base_case(paid_in_date="2026-03-01"), ("paid_in_date", "before_sale_date")),
    ("unknown mode", base_case(mode="auction"), ("mode", "invalid_choice")),
    ("unknown asset kind", base_case(asset={"kind": "ship", "use": "diger"}), ("asset.kind", "invalid_choice")),
    ("konut without area", base_case(asset={"kind": "tasinmaz", "use": "konut"}),
     ("asset.net_area_m2", "required")),
    ("konut with area 0", base_case(asset={"kind": "tasinmaz", "use": "konut", "net_area_m2": "0"}),
     ("asset.net_area_m2", "not_positive")),
    ("negative area", base_case(asset={"kind": "tasinmaz", "use": "isyeri", "net_area_m2": "-3"}),
     ("asset.net_area_m2", "negative")),
    ("negative rate", base_case(asset={"kind": "tasinir", "use": "diger", "kdv_rate": "-0.1"}),
     ("asset.kdv_rate", "negative")),
    ("rate as a float", base_case(asset={"kind": "tasinir", "use": "diger", "kdv_rate": 0.2}),
     ("asset.kdv_rate", "type")),
    ("creditors missing", {k: v for k, v in base_case().items() if k != "creditors"}, ("creditors", "required")),
    ("creditors not a list", base_case(creditors={}), ("creditors", "type")),
    ("claim missing", base_case(creditors=[{"id": "a", "kind": "asset_tax"}]), ("creditors[0].claim", "required")),
    ("principal missing", base_case(creditors=[{"id": "a", "kind": "asset_tax", "claim": {}}]),
     ("creditors[0].claim.principal", "required")),
    ("unknown claim field", base_case(creditors=[{"id": "a", "kind": "asset_tax",
                                                  "claim": {"principal": "1", "vat": "1"}}]),
     ("creditors[0].claim.vat", "unknown_field")),
    ("empty id", base_case(creditors=[{"id": " ", "kind": "asset_tax", "claim": {"principal": "1"}}]),
     ("creditors[0].id", "empty")),
    ("degree on a haciz line", base_case(creditors=[{**haciz("h", "2025-01-02", "2025-01-01", "1"), "degree": 1}]),
     ("creditors[0].degree", "not_applicable")),
    ("rehin without degree", base_case(creditors=[{"id": "r", "kind": "rehin", "claim": {"principal": "1"}}]),
     ("creditors[0].degree", "required")),
    ("degree not an integer", base_case(creditors=[{**rehin("r", 1, "1"), "degree": "1"}]),
     ("creditors[0].degree", "type")),
    ("kamu without haciz_date", base_case(creditors=[{"id": "k", "kind": "kamu_haczi", "claim": {"principal": "1"}}]),
     ("creditors[0].haciz_date", "required")),
    ("takipsiz joining a kamu line", base_case(creditors=[kamu("k", "2025-01-01", "1"),
                                                          {"id": "t", "kind": "takipsiz", "joins": "k", "sira": 1,
                                                           "claim": {"principal": "1"}}]),
     ("creditors[1].joins", "invalid_reference")),
    ("takipsiz joining another takipsiz", base_case(creditors=[
        {"id": "t1", "kind": "takipsiz", "joins": "t2", "sira": 1, "claim": {"principal": "1"}},
        {"id": "t2", "kind": "takipsiz", "joins": "t1", "sira": 1, "claim": {"principal": "1"}}]),
     ("creditors[0].joins", "invalid_reference")),
    ("payment after the sale date", base_case(creditors=[haciz("h", "2025-01-02", "2025-01-01", "1",
                                                               payments=[{"date": "2026-03-03", "amount": "1"}])]),
     ("creditors[0].claim.payments[0].date", "after_sale_date")),
    ("interest period without a rate", base_case(creditors=[haciz("h", "2025-01-02", "2025-01-01", "1",
                                                                  interest=[{"from": "2025-01-01"}])]),
     ("creditors[0].claim.interest[0].rate", "required")),
    ("a rate word other than kanuni", base_case(creditors=[haciz("h", "2025-01-02", "2025-01-01", "1",
                                                                 interest=[{"from": "2025-01-01", "rate": "yasal"}])]),
     ("creditors[0].claim.interest[0].rate", "invalid_rate")),
    ("share_split without co_owners", base_case(mode="share_split"), ("co_owners", "required")),
    ("bad share", base_case(mode="share_split", co_owners=[{"id": "a", "share": "1/0"}]),
     ("co_owners[0].share", "invalid_share")),
]


@pytest.mark.parametrize(("label", "case", "problem"), SINGLE, ids=[s[0] for s in SINGLE])
def test_single_problem(label: str, case: Any, problem: tuple[str, str] | None) -> None:
    if problem is None:
        assert distribute(base_case(price=1250000))["price"] == "1250000.00"
        return
    assert problem in problems(case)


def test_invalid_case_is_a_422_domain_error_and_has_the_contract_form() -> None:
    with pytest.raises(InvalidCase) as exc:
        distribute(base_case(price="-1"))
    err = exc.value
    assert isinstance(err, DomainError)
    assert (err.code, err.status) == ("invalid_case", 422)
    assert err.to_contract() == {"error": "invalid_case", "problems": [
        {"path": "price", "code": "negative", "message": "negative amount '-1'"}]}
    assert err.details["problems"] == err.to_contract()["problems"]


def _cli(tmp_path: Path, text: str | bytes | None) -> tuple[int, str, str]:
    path = tmp_path / "case.json"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    elif isinstance(text, bytes):
        path.write_bytes(text)
    out, err = io.StringIO(), io.StringIO()
    code = run_cli(str(path), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(("label", "text", "code"), [
    ("missing file", None, "unreadable"),
    ("not UTF-8", b"\xff\xfe{", "unreadable"),
    ("not JSON", "{not json", "invalid_json"),
    ("empty file", "", "invalid_json"),
    ("JSON but not a case", "[1, 2]", "type"),
    ("NaN literal", '{"price": NaN}', "type"),
])
def test_cli_bad_input_exits_2_with_error_json_on_stderr(tmp_path: Path, label: str, text: str | bytes | None,
                                                         code: str) -> None:
    exit_code, out, err = _cli(tmp_path, text)
    assert exit_code == 2
    assert out == ""
    body = json.loads(err)
    assert body["error"] == "invalid_case"
    assert code in {p["code"] for p in body["problems"]}
    assert "Traceback" not in err


def test_cli_ok_prints_result_on_stdout(tmp_path: Path) -> None:
    exit_code, out, err = _cli(tmp_path, json.dumps(base_case()))
    assert (exit_code, err) == (0, "")
    assert json.loads(out)["debtor_surplus"] == "100000.00"
