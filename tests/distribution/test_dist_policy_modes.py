"""Open points (G-03): each default the distribution applies is pinned here, and shown to be a setting.

Also the contract extensions `mode: "forfeit"` (D-60 / OP-44) and `mode: "share_split"` (A-100 / OP-27).
"""

from __future__ import annotations

from typing import Any

import pytest

from auction.distribution import InvalidCase, distribute
from auction.rules.policy import Policy
from auction.rules.table import RuleError, rulebook
from tests.distribution.dist_helpers import D, base_case, by_id, haciz, rehin

# Every open point the distribution reads, with the default docs/law/open-points.md gives it.
DEFAULTS = [
    ("aciz.include_tahsil_harci", True, "OP-35"),
    ("forfeit.tahsil_rate", "0.0910", "OP-44"),
    ("ortaklik.karar_harci", "0.01138", "OP-27"),
    ("kdv.konut_old_small", "0.01", "OP-28"),
    ("kdv.vehicle", "general", "OP-28"),
    ("damga.max_per_document", "none", "OP-30"),
    ("tapu.base", "price", "OP-31"),
]


@pytest.mark.parametrize(("key", "value", "op"), DEFAULTS, ids=[d[0] for d in DEFAULTS])
def test_open_point_defaults_are_pinned(default_policy: Policy, key: str, value: Any, op: str) -> None:
    pv = default_policy.get(key)
    assert (pv.value, pv.op, pv.overridden) == (value, op, False)


def policy(**overrides: Any) -> Policy:
    return Policy(rulebook(), {k.replace("__", "."): v for k, v in overrides.items()})


SHORT = base_case(price="1000.00", creditors=[haciz("h", "2025-02-01", "2025-01-20", "2000.00")])


def test_op35_aciz_vesikasi_amount_includes_tahsil_harci_by_default() -> None:
    h = by_id(distribute(SHORT))["h"]
    assert (h["shortfall"], h["tahsil_harci"], h["certificate_amount"]) == ("1000.00", "113.80", "1113.80")


def test_op35_can_be_switched_off_by_configuration() -> None:
    h = by_id(distribute(SHORT, policy=policy(aciz__include_tahsil_harci=False)))["h"]
    assert h["certificate_amount"] == "1000.00"
    entry = next(e for e in distribute(SHORT, policy=policy(aciz__include_tahsil_harci=False))["explain"]
                 if e["path"] == "allocations[h].certificate")
    assert "OP-35 aciz.include_tahsil_harci=False (configured)" in entry["refs"]


def test_rehin_acigi_belgesi_amount_is_the_shortfall() -> None:
    r = by_id(distribute(base_case(price="100.00", creditors=[rehin("r", 1, "300.00")])))["r"]
    assert (r["certificate"], r["certificate_amount"]) == ("rehin_acigi_belgesi", "200.00")


def test_op28_old_stock_rate_and_vehicle_rate_are_settings() -> None:
    old = base_case(asset={"kind": "tasinmaz", "use": "konut", "net_area_m2": "100", "permit_date": "2015-01-01"})
    assert distribute(old)["buyer_settlement"]["kdv"] == "1000.00"
    assert distribute(old, policy=policy(kdv__konut_old_small="0.08"))["buyer_settlement"]["kdv"] == "8000.00"
    car = base_case(asset={"kind": "tasinir", "use": "arac"})
    assert distribute(car)["buyer_settlement"]["kdv"] == "20000.00"
    assert distribute(car, policy=policy(kdv__vehicle="0.01"))["buyer_settlement"]["kdv_rate"] == "0.0100"


def test_op30_damga_cap_when_a_yearly_maximum_is_loaded() -> None:
    assert distribute(base_case())["buyer_settlement"]["damga_vergisi"] == "569.00"
    capped = distribute(base_case(), policy=policy(damga__max_per_document="100.00"))
    assert capped["buyer_settlement"]["damga_vergisi"] == "100.00"


def test_op31_an_unsupported_tapu_base_is_refused_not_guessed() -> None:
    case = base_case(asset={"kind": "tasinmaz", "use": "arsa"})
    with pytest.raises(InvalidCase) as exc:
        distribute(case, policy=policy(tapu__base="tax_value"))
    assert exc.value.problems[0].code == "no_rule"


def test_unknown_override_is_refused() -> None:
    with pytest.raises(RuleError):
        policy(no__such_point=True)


# --------------------------------------------------------------------------------- forfeit (D-60)


def forfeit_case(**extra: Any) -> dict[str, Any]:
    return base_case(mode="forfeit", price="50000.00", asset={"kind": "tasinmaz", "use": "konut"},
                     costs=[{"id": "ilan", "label": "İlan", "amount": "5000.00"}],
                     creditors=[haciz("h", "2025-02-01", "2025-01-20", "100000.00")], **extra)


def test_forfeit_mode_no_settlement_no_tapu_harci_and_the_forfeit_tahsil_rate() -> None:
    result = distribute(forfeit_case())
    assert result["mode"] == "forfeit"
    assert result["buyer_settlement"] is None
    assert [d["id"] for d in result["deductions"]] == ["ilan"]  # no tapu harcı on a forfeit (OP-44)
    h = by_id(result)["h"]
    assert h["share"] == "45000.00"
    assert h["tahsil_harci"] == "4095.00"  # 9,10 % (OP-44 default), not 11,38 %
    assert h["cezaevi_harci"] == "900.00"
    assert result["check"]["price"] == "50000.00"


def test_forfeit_tahsil_rate_is_a_setting() -> None:
    h = by_id(distribute(forfeit_case(), policy=policy(forfeit__tahsil_rate="0.1138")))["h"]
    assert h["tahsil_harci"] == "5121.00"


def test_sale_mode_is_the_default_and_is_not_echoed() -> None:
    assert "mode" not in distribute(base_case())
    assert "mode" not in distribute(base_case(mode="sale"))


# ---------------------------------------------------------------------------- share_split


def split_case(**extra: Any) -> dict[str, Any]:
    case = base_case(mode="share_split", price="1000000.00", asset={"kind": "tasinmaz", "use": "arsa"},
                     costs=[{"id": "ilan", "label": "İlan", "amount": "4620.00"}],
                     creditors=[rehin("r", 1, "100000.00"),
                                {"id": "t", "kind": "asset_tax", "claim": {"principal": "5000.00"}}],
                     co_owners=[{"id": "a", "name": "A", "share": "1/2"}, {"id": "b", "name": "B", "share": "1/3"},
                                {"id": "c", "name": "C", "share": "1/6"}])
    case.update(extra)
    return case


def test_share_split_karar_harci_then_pledges_then_shares() -> None:
    result = distribute(split_case())
    assert {d["id"]: d["amount"] for d in result["deductions"]} == {
        "ilan": "4620.00", "karar_ilam_harci": "11380.00", "tapu_harci_satici": "20000.00"}
    # 1,000,000 − 36,000 = 964,000; rehin 100,000; tax 5,000; net 859,000 by 1/2, 1/3, 1/6.
    shares = {s["co_owner_id"]: s["amount"] for s in result["co_owner_shares"]}
    assert shares == {"a": "429500.00", "b": "286333.33", "c": "143166.67"}
    assert sum(D(v) for v in shares.values()) == D("859000.00")
    assert result["debtor_surplus"] == "0.00"
    assert result["check"]["co_owner_shares"] == "859000.00"


def test_share_split_refuses_haciz_lines_and_requires_shares_adding_up_to_one() -> None:
    case = split_case(creditors=[haciz("h", "2025-02-01", "2025-01-20", "1.00")],
                      co_owners=[{"id": "a", "share": "1/2"}, {"id": "b", "share": "0.4"}])
    with pytest.raises(InvalidCase) as exc:
        distribute(case)
    assert {(p.path, p.code) for p in exc.value.problems} == {("creditors[0].kind", "not_allowed_in_mode"),
                                                               ("co_owners", "shares_not_one")}


def test_co_owners_outside_share_split_is_an_error() -> None:
    with pytest.raises(InvalidCase) as exc:
        distribute(base_case(co_owners=[{"id": "a", "share": "1"}]))
    assert [(p.path, p.code) for p in exc.value.problems] == [("co_owners", "not_applicable")]
