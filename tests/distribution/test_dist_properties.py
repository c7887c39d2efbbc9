"""Property tests (hypothesis): the invariants of the contract hold for any valid case.

- shares + deductions + surplus == price, always, with every amount a string with two decimals;
- no creditor gets more than its claim_total, nor a rehin more than its limit; nothing negative;
- a later stage, degree, derece or sıra gets nothing while an earlier one is short;
- permuting creditors (no two hacizler on the same day, so the dereceler cannot change) changes nothing
  but the documented kuruş tie-break: every group total is the same and each share moves by at most one
  kuruş (plus whatever its group's total moved by, when a kamu/private split tie moved a kuruş).
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auction.distribution import distribute

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MONEY_RE = re.compile(r"^\d+\.\d{2}$")
BASE = date(2024, 1, 1)
SALE = date(2026, 3, 2)
CENT = Decimal("0.01")


def money(draw: st.DrawFn, lo: int, hi: int) -> str:
    k = draw(st.integers(lo, hi))
    return f"{k // 100}.{k % 100:02d}"


def day(offset: int) -> str:
    return (BASE + timedelta(days=offset)).isoformat()


@st.composite
def claims(draw: st.DrawFn) -> dict[str, Any]:
    principal_k = draw(st.integers(0, 50_000_000))
    claim: dict[str, Any] = {"principal": f"{principal_k // 100}.{principal_k % 100:02d}"}
    if draw(st.booleans()):
        claim["costs"] = money(draw, 0, 500_000)
    if draw(st.booleans()):
        claim["interest_accrued"] = money(draw, 0, 500_000)
    if draw(st.booleans()):
        start = draw(st.integers(0, 700))
        claim["interest"] = [{"from": day(start), "rate": draw(st.sampled_from(["0.09", "0.24", "0.5", "kanuni"]))}]
    if principal_k >= 300 and draw(st.booleans()):
        # Each payment at most a third of the principal: never more than the claim outstanding.
        claim["payments"] = [{"date": day(draw(st.integers(0, 780))),
                              "amount": money(draw, 0, principal_k // 3)} for _ in range(draw(st.integers(1, 2)))]
        claim["imputation"] = draw(st.sampled_from(["tbk100", "orantili"]))
    return claim


@st.composite
def cases(draw: st.DrawFn, distinct_haciz_days: bool = False) -> dict[str, Any]:
    n = draw(st.integers(0, 12))
    kinds = draw(st.lists(st.sampled_from(["rehin", "asset_tax", "haciz", "haciz", "ihtiyati_haciz",
                                           "kamu_haczi", "takipsiz"]), min_size=n, max_size=n))
    dated = sum(1 for k in kinds if k in ("haciz", "ihtiyati_haciz", "kamu_haczi"))
    if distinct_haciz_days:
        days = draw(st.lists(st.integers(0, 800), min_size=dated, max_size=dated, unique=True))
    else:
        days = draw(st.lists(st.integers(0, 800), min_size=dated, max_size=dated))
    creditors: list[dict[str, Any]] = []
    joinable: list[str] = []
    for i, kind in enumerate(kinds):
        line: dict[str, Any] = {"id": f"c{i}", "name": f"C{i}", "kind": kind, "claim": draw(claims())}
        if kind == "rehin":
            line["degree"] = draw(st.integers(1, 3))
            if draw(st.booleans()):
                line["limit"] = money(draw, 0, 30_000_000)
        elif kind in ("haciz", "ihtiyati_haciz", "kamu_haczi"):
            h = days.pop()
            line["haciz_date"] = day(h)
            if kind != "kamu_haczi":
                line["takip_date"] = day(h - draw(st.integers(0, 60)))
                line["sira"] = draw(st.integers(1, 4))
                if draw(st.booleans()):
                    line["document_date"] = day(h - draw(st.integers(0, 400)))
                joinable.append(line["id"])
        elif kind == "takipsiz":
            if not joinable:
                continue
            line["joins"] = draw(st.sampled_from(joinable))
            line["sira"] = draw(st.integers(1, 4))
        creditors.append(line)
    asset = draw(st.sampled_from([{"kind": "tasinir", "use": "arac"}, {"kind": "tasinmaz", "use": "isyeri"}]))
    costs = [{"id": f"k{j}", "label": f"K{j}", "amount": money(draw, 0, 2_000_000)}
             for j in range(draw(st.integers(0, 2)))]
    return {"sale_date": SALE.isoformat(), "paid_in_date": day(draw(st.integers(791, 840))),
            "price": money(draw, 0, 200_000_000), "asset": asset, "buyer": {"bank_17_4_r": False},
            "costs": costs, "creditors": creditors}


def D(s: str) -> Decimal:
    return Decimal(s)


@SETTINGS
@given(cases())
def test_balance_bounds_and_format(case: dict[str, Any]) -> None:
    result = distribute(case)
    assert distribute(case, explain=False) == {k: v for k, v in result.items() if k != "explain"}
    deductions = sum((D(d["amount"]) for d in result["deductions"]), Decimal(0))
    shares = sum((D(a["share"]) for a in result["allocations"]), Decimal(0))
    assert deductions + shares + D(result["debtor_surplus"]) == D(case["price"])
    assert result["check"] == {"price": f"{D(case['price']):.2f}", "deductions": f"{deductions:.2f}",
                               "shares": f"{shares:.2f}", "debtor_surplus": result["debtor_surplus"]}
    lines = {c["id"]: c for c in case["creditors"]}
    for a in result["allocations"]:
        for key in ("claim_total", "share", "shortfall", "tahsil_harci", "cezaevi_harci", "net_payout"):
            assert MONEY_RE.match(a[key]), (key, a[key])
        share, total = D(a["share"]), D(a["claim_total"])
        assert Decimal(0) <= share <= total
        assert D(a["shortfall"]) == total - share
        assert D(a["net_payout"]) == share - D(a["tahsil_harci"]) - D(a["cezaevi_harci"])
        line = lines[a["creditor_id"]]
        if line["kind"] == "rehin" and "limit" in line:
            assert share <= D(line["limit"])
        if line["kind"] in ("kamu_haczi", "asset_tax", "ihtiyati_haciz"):
            assert a["tahsil_harci"] == a["cezaevi_harci"] == "0.00"
        assert a["status"] == ("reserved" if line["kind"] == "ihtiyati_haciz" else "paid")
        if a["certificate"] == "aciz_vesikasi":
            assert line["kind"] in ("haciz", "takipsiz")
            assert D(a["shortfall"]) > 0
        if a["certificate"] == "rehin_acigi_belgesi":
            assert line["kind"] == "rehin"
            assert D(a["shortfall"]) > 0
    for d in result["deductions"]:
        assert MONEY_RE.match(d["amount"])


@SETTINGS
@given(cases())
def test_nothing_later_while_something_earlier_is_short(case: dict[str, Any]) -> None:
    result = distribute(case, explain=False)
    stages = result["stages"]
    # Stages are in payment order; once one has not paid all it demanded, every later one gets nothing.
    short_seen = D(result["distributable"]) == 0 and any(D(s["demanded"]) > 0 for s in stages)
    for s in stages:
        if short_seen:
            assert D(s["available"]) == 0, s
            assert D(s["paid"]) == 0, s
        if D(s["paid"]) < D(s["demanded"]):
            short_seen = True
            assert D(s["paid"]) == D(s["available"])
        if s["stage"] == "haciz":
            sira_short = False
            for row in s["sira"]:
                if sira_short:
                    assert D(row["paid"]) == 0, s
                if D(row["paid"]) < D(row["demanded"]):
                    sira_short = True
    if D(result["debtor_surplus"]) > 0:
        # Money reached the borçlu: every line got all it can take (a rehin only up to its limit; the part
        # of its claim above the limit stays a shortfall, D-22 / D-26).
        lines = {c["id"]: c for c in case["creditors"]}
        for a in result["allocations"]:
            line = lines[a["creditor_id"]]
            cap = D(a["claim_total"])
            if line["kind"] == "rehin" and "limit" in line:
                cap = min(cap, D(line["limit"]))
            assert D(a["share"]) == cap, a


def _group(a: dict[str, Any], kinds: dict[str, str]) -> tuple[Any, ...]:
    kind = kinds[a["creditor_id"]]
    if a["stage"] == "haciz":
        return ("haciz", a["derece"], "kamu" if kind == "kamu_haczi" else "private", a["sira"])
    return (a["stage"], a.get("basis", {}).get("degree"))


@SETTINGS
@given(cases(distinct_haciz_days=True), st.randoms(use_true_random=False))
def test_order_of_creditors_changes_only_the_kurus_tie_break(case: dict[str, Any], rnd: Any) -> None:
    before = distribute(case, explain=False)
    shuffled = dict(case, creditors=list(case["creditors"]))
    rnd.shuffle(shuffled["creditors"])
    after = distribute(shuffled, explain=False)
    kinds = {c["id"]: c["kind"] for c in case["creditors"]}

    assert after["deductions"] == before["deductions"]
    assert after["debtor_surplus"] == before["debtor_surplus"]
    assert len(after["stages"]) == len(before["stages"])
    for s1, s2 in zip(before["stages"], after["stages"], strict=True):
        for key in ("stage", "degree", "derece", "founder", "available", "demanded", "paid"):
            assert s1.get(key) == s2.get(key), key
        if s1["stage"] == "haciz":
            assert sorted(s1["members"]) == sorted(s2["members"])
            assert abs(D(s1["kamu_part"]) - D(s2["kamu_part"])) <= CENT

    totals: dict[str, dict[tuple[Any, ...], Decimal]] = {"b": defaultdict(Decimal), "a": defaultdict(Decimal)}
    for tag, res in (("b", before), ("a", after)):
        for a in res["allocations"]:
            totals[tag][_group(a, kinds)] += D(a["share"])
    a_by = {a["creditor_id"]: a for a in after["allocations"]}
    for b in before["allocations"]:
        a = a_by[b["creditor_id"]]
        assert (a["derece"], a["sira"], a["claim_total"], a["status"]) == (b["derece"], b["sira"],
                                                                            b["claim_total"], b["status"])
        group = _group(b, kinds)
        moved = abs(totals["b"][group] - totals["a"][group])
        assert moved <= CENT  # only a kamu/private split tie can move a group total, by one kuruş
        assert abs(D(a["share"]) - D(b["share"])) <= CENT + moved
