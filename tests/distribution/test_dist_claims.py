"""Claims computed to the sale date (D-36): interest periods (T-44, T-45) and part payments (T-46)."""

from __future__ import annotations

from typing import Any

import pytest

from auction.distribution import InvalidCase, distribute
from tests.distribution.dist_helpers import D, base_case, by_id


def claim_of(claim: dict[str, Any], sale_date: str = "2026-03-02") -> dict[str, str]:
    """The claim breakdown of one haciz line with a large price (so nothing is short)."""
    line = {"id": "h1", "name": "h1", "kind": "haciz", "haciz_date": "2024-01-10", "takip_date": "2024-01-02",
            "claim": claim}
    result = distribute(base_case(sale_date=sale_date, paid_in_date=sale_date, price="999999999.00",
                                  creditors=[line]))
    a = by_id(result)["h1"]
    return {"total": a["claim_total"], **a["claim_breakdown"]}


def test_t46_worked_example_tbk100() -> None:
    """docs/law/taxes-and-fees.md T-46: 100,000.00 at 24 % from 2025-01-01, 30,000.00 paid 2025-07-01 → 95,041.49."""
    got = claim_of({"principal": "100000.00", "interest": [{"from": "2025-01-01", "rate": "0.24"}],
                    "payments": [{"date": "2025-07-01", "amount": "30000.00"}]})
    assert got == {"total": "95041.49", "principal": "81901.37", "interest": "13140.12", "costs": "0.00"}


def test_t46_worked_example_orantili() -> None:
    """… and orantılı: 26,809.32 to principal, 3,190.68 to interest; 8,710.69 carried → 93,643.96."""
    got = claim_of({"principal": "100000.00", "interest": [{"from": "2025-01-01", "rate": "0.24"}],
                    "payments": [{"date": "2025-07-01", "amount": "30000.00"}], "imputation": "orantili"})
    assert got["total"] == "93643.96"
    assert got["principal"] == "73190.68"
    assert D(got["interest"]) == D("8710.69") + D("11742.59")


# (label, claim, sale_date, expected total, expected interest)
INTEREST_CASES = [
    ("simple, 365-day year", {"principal": "100000.00", "interest": [{"from": "2025-01-01", "rate": "0.365"}]},
     "2025-01-11", "101000.00", "1000.00"),
    ("leap year still divides by 365",
     {"principal": "36500.00", "interest": [{"from": "2024-02-28", "to": "2024-03-01", "rate": "1"}]},
     "2024-06-01", "36700.00", "200.00"),
    ("'to' is exclusive, same-day period accrues nothing",
     {"principal": "1000.00", "interest": [{"from": "2025-05-05", "to": "2025-05-05", "rate": "0.5"}]},
     "2025-06-01", "1000.00", "0.00"),
    ("a period after the sale date accrues nothing",
     {"principal": "1000.00", "interest": [{"from": "2026-04-01", "rate": "0.5"}]},
     "2026-03-02", "1000.00", "0.00"),
    ("'to' after the sale date is cut at the sale date",
     {"principal": "36500.00", "interest": [{"from": "2026-02-20", "to": "2026-12-31", "rate": "0.10"}]},
     "2026-03-02", "36600.00", "100.00"),
    ("interest_accrued and costs are fixed amounts, no interest on them (T-45)",
     {"principal": "10000.00", "interest_accrued": "500.00", "costs": "250.00",
      "interest": [{"from": "2025-03-02", "rate": "0.365"}]}, "2025-03-12", "10850.00", "600.00"),
    ("each period rounded once, half up",
     {"principal": "1000.00", "interest": [{"from": "2025-01-01", "to": "2025-01-02", "rate": "0.0365"},
                                           {"from": "2025-01-02", "to": "2025-01-03", "rate": "0.0365"}]},
     "2025-02-01", "1000.20", "0.20"),
    ("a rate of exactly 10 is allowed",
     {"principal": "365.00", "interest": [{"from": "2025-01-01", "to": "2025-01-02", "rate": "10"}]},
     "2025-02-01", "375.00", "10.00"),
    ("kanuni: split at 2024-06-01 (9 % then 24 %, T-40, T-44)",
     {"principal": "36500.00", "interest": [{"from": "2024-05-22", "rate": "kanuni"}]},
     "2024-06-11", "36830.00", "330.00"),  # 10 days at 9 % = 90.00, 10 days at 24 % = 240.00
]


@pytest.mark.parametrize(("label", "claim", "sale_date", "total", "interest"), INTEREST_CASES,
                         ids=[c[0] for c in INTEREST_CASES])
def test_interest(label: str, claim: dict[str, Any], sale_date: str, total: str, interest: str) -> None:
    got = claim_of(claim, sale_date)
    assert got["total"] == total
    assert got["interest"] == interest


def test_kanuni_rate_names_its_rows() -> None:
    line = {"id": "h1", "kind": "haciz", "haciz_date": "2024-01-10", "takip_date": "2024-01-02",
            "claim": {"principal": "36500.00", "interest": [{"from": "2024-05-22", "rate": "kanuni"}]}}
    result = distribute(base_case(sale_date="2024-06-11", paid_in_date="2024-06-11", creditors=[line]))
    refs = [e["refs"] for e in result["explain"] if e["path"] == "allocations[h1].claim_breakdown.interest"]
    assert refs == [["T-40 faiz.kanuni@2006-01-01"], ["T-40 faiz.kanuni@2024-06-01"]]


def test_kanuni_before_the_table_is_a_problem_not_a_traceback() -> None:
    line = {"id": "h1", "kind": "haciz", "haciz_date": "2024-01-10", "takip_date": "2024-01-02",
            "claim": {"principal": "100.00", "interest": [{"from": "2005-06-01", "rate": "kanuni"}]}}
    with pytest.raises(InvalidCase) as exc:
        distribute(base_case(creditors=[line]))
    assert [(p.path, p.code) for p in exc.value.problems] == [("creditors[0].claim.interest[0].rate", "no_rule")]


# Part payments: "a payment cuts every interest period running on its date" (docs/law/examples/README.md).
# (label, claim, sale_date, expected breakdown)
PAYMENT_CASES = [
    ("tbk100: costs, then interest, then principal",
     {"principal": "1000.00", "costs": "100.00", "interest_accrued": "50.00",
      "payments": [{"date": "2025-01-01", "amount": "120.00"}]}, "2025-06-01",
     {"principal": "1000.00", "interest": "30.00", "costs": "0.00"}),
    ("tbk100: a payment reaching the principal",
     {"principal": "1000.00", "costs": "100.00", "interest_accrued": "50.00",
      "payments": [{"date": "2025-01-01", "amount": "400.00"}]}, "2025-06-01",
     {"principal": "750.00", "interest": "0.00", "costs": "0.00"}),
    ("orantılı: costs first, then principal and interest pro rata (principal first on ties)",
     {"principal": "100.00", "costs": "10.00", "interest_accrued": "100.00", "imputation": "orantili",
      "payments": [{"date": "2025-01-01", "amount": "10.01"}]}, "2025-06-01",
     {"principal": "99.99", "interest": "100.00", "costs": "0.00"}),
    ("orantılı: a payment clearing both principal and interest",
     {"principal": "100.00", "interest_accrued": "20.00", "imputation": "orantili",
      "payments": [{"date": "2025-01-01", "amount": "120.00"}]}, "2025-06-01",
     {"principal": "0.00", "interest": "0.00", "costs": "0.00"}),
    # 36.50 a day for 10 days = 365.00; the payment clears it and 17,885.00 of principal; then 18,615.00
    # at 0.365 for 10 days = 186.15.
    ("a payment cuts the period: interest then runs on the principal left",
     {"principal": "36500.00", "interest": [{"from": "2025-01-01", "rate": "0.365"}],
      "payments": [{"date": "2025-01-11", "amount": "18250.00"}]}, "2025-01-21",
     {"principal": "18615.00", "interest": "186.15", "costs": "0.00"}),
    # 10.00 of interest; 50 → costs; 150 → costs 50, interest 10, principal 90; 910 for 10 days = 9.10.
    ("same-day payments in input order, no interest between them",
     {"principal": "1000.00", "costs": "100.00", "interest": [{"from": "2025-01-01", "rate": "0.365"}],
      "payments": [{"date": "2025-01-11", "amount": "50.00"}, {"date": "2025-01-11", "amount": "150.00"}]},
     "2025-01-21", {"principal": "910.00", "interest": "9.10", "costs": "0.00"}),
    ("payments are taken in date order whatever their input order",
     {"principal": "1000.00", "costs": "100.00", "interest": [{"from": "2025-01-01", "rate": "0.365"}],
      "payments": [{"date": "2025-01-11", "amount": "150.00"}, {"date": "2025-01-01", "amount": "50.00"}]},
     "2025-01-21", {"principal": "910.00", "interest": "9.10", "costs": "0.00"}),
    ("a payment on the day a period starts",
     {"principal": "1000.00", "interest": [{"from": "2025-01-01", "rate": "0.365"}],
      "payments": [{"date": "2025-01-01", "amount": "100.00"}]}, "2025-01-11",
     {"principal": "900.00", "interest": "9.00", "costs": "0.00"}),
    ("a payment on the sale date",
     {"principal": "1000.00", "interest": [{"from": "2025-01-01", "rate": "0.365"}],
      "payments": [{"date": "2025-01-31", "amount": "100.00"}]}, "2025-01-31",
     {"principal": "930.00", "interest": "0.00", "costs": "0.00"}),
]


@pytest.mark.parametrize(("label", "claim", "sale_date", "expected"), PAYMENT_CASES,
                         ids=[c[0] for c in PAYMENT_CASES])
def test_payments(label: str, claim: dict[str, Any], sale_date: str, expected: dict[str, str]) -> None:
    got = claim_of(claim, sale_date)
    assert {k: got[k] for k in ("principal", "interest", "costs")} == expected


def test_overpayment_is_reported_with_its_path() -> None:
    line = {"id": "h1", "kind": "haciz", "haciz_date": "2024-01-10", "takip_date": "2024-01-02",
            "claim": {"principal": "100.00", "payments": [{"date": "2025-01-01", "amount": "100.01"}]}}
    with pytest.raises(InvalidCase) as exc:
        distribute(base_case(creditors=[line]))
    assert [(p.path, p.code) for p in exc.value.problems] == [("creditors[0].claim.payments[0].amount",
                                                               "exceeds_claim")]


def test_example_05_h1_payments_as_in_examples_readme() -> None:
    """Example 05's h1: the first payment clears the costs and part of the interest; the second the rest
    of the interest and cuts the principal to 1,421,170.50, on which interest then runs."""
    got = claim_of({"principal": "1460000.00", "interest_accrued": "24310.50", "costs": "38700.00",
                    "interest": [{"from": "2024-11-18", "rate": "0.36"}],
                    "payments": [{"date": "2025-03-03", "amount": "60000.00"},
                                 {"date": "2025-06-20", "amount": "350000.00"}]}, "2025-09-09")
    assert got == {"total": "1534708.40", "principal": "1421170.50", "interest": "113537.90", "costs": "0.00"}
