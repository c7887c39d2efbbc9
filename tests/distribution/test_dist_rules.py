"""Steps 2–9 rule by rule: deductions, pledges, asset taxes, dereceler, sıralar, statuses, fees, check."""

from __future__ import annotations

from typing import Any

import pytest

from auction.distribution import distribute
from tests.distribution.dist_helpers import D, base_case, by_id, haciz, kamu, rehin

TASINMAZ = {"kind": "tasinmaz", "use": "isyeri", "kdv_rate": None}


def stage(result: dict[str, Any], kind: str, number: int | None = None) -> dict[str, Any]:
    for s in result["stages"]:
        if s["stage"] == kind and (number is None or s.get("derece", s.get("degree")) == number):
            return s  # type: ignore[no-any-return]
    raise AssertionError(f"no {kind} stage {number}")


def assert_balanced(result: dict[str, Any]) -> None:
    c = result["check"]
    assert D(c["price"]) == D(c["deductions"]) + D(c["shares"]) + D(c["debtor_surplus"])
    assert D(c["shares"]) == sum(D(a["share"]) for a in result["allocations"])


# ------------------------------------------------------------------------- docs/law/distribution.md §12 example


def section_12_case() -> dict[str, Any]:
    """docs/law/distribution.md §12: Lot L-1, taşınmaz konut, 1,982,000.00 sold 2026-04-06, paid in 2026-04-14."""
    return base_case(
        sale_date="2026-04-06", paid_in_date="2026-04-14", price="1982000.00",
        asset={"kind": "tasinmaz", "use": "konut", "net_area_m2": "120", "permit_date": "2023-05-01"},
        costs=[{"id": "C", "label": "Costs", "amount": "18400.00"}],
        creditors=[
            rehin("bank", 1, "1420000.00", "1500000.00"),
            rehin("r2", 2, "260000.00", "200000.00"),
            {"id": "muni", "name": "Belediye", "kind": "asset_tax", "claim": {"principal": "8960.00"}},
            haciz("h1", "2025-06-10", "2025-05-20", "240000.00", sira=4),
            haciz("h2", "2025-09-15", "2025-09-01", "60000.00", sira=1, document_date="2025-03-01"),
            kamu("k1", "2026-01-12", "40000.00"),
            haciz("h3", "2025-11-03", "2025-10-20", "90000.00", sira=4),
        ])


def test_distribution_md_section_12_worked_example() -> None:
    result = distribute(section_12_case())
    a = by_id(result)
    assert {d["id"]: d["amount"] for d in result["deductions"]} == {"C": "18400.00",
                                                                     "tapu_harci_satici": "39640.00"}
    assert result["distributable"] == "1923960.00"
    assert (a["bank"]["share"], a["r2"]["share"], a["muni"]["share"]) == ("1420000.00", "200000.00", "8960.00")
    assert (a["r2"]["shortfall"], a["r2"]["certificate"]) == ("60000.00", "rehin_acigi_belgesi")
    d1 = stage(result, "haciz", 1)
    assert d1["members"] == ["h1", "h2", "k1"]
    assert d1["available"] == "295000.00"
    # 295,000 × 40,000 / 340,000 = 34,705.88…; × 300,000 / 340,000 = 260,294.11…; the kuruş to private.
    assert (d1["kamu_part"], d1["private_part"]) == ("34705.88", "260294.12")
    assert d1["sira"] == [{"sira": 1, "demanded": "60000.00", "paid": "60000.00"},
                          {"sira": 4, "demanded": "240000.00", "paid": "200294.12"}]
    assert (a["h2"]["share"], a["h1"]["share"], a["k1"]["share"]) == ("60000.00", "200294.12", "34705.88")
    assert (a["h1"]["shortfall"], a["h1"]["certificate"]) == ("39705.88", "aciz_vesikasi")
    assert (a["h3"]["derece"], a["h3"]["share"], a["h3"]["certificate"]) == (2, "0.00", "aciz_vesikasi")
    # Fees on payouts (T-30).
    fees = {cid: (a[cid]["tahsil_harci"], a[cid]["cezaevi_harci"], a[cid]["net_payout"])
            for cid in ("bank", "r2", "h2", "h1", "muni", "k1")}
    assert fees == {
        "bank": ("161596.00", "28400.00", "1230004.00"),
        "r2": ("22760.00", "4000.00", "173240.00"),
        "h2": ("6828.00", "1200.00", "51972.00"),
        "h1": ("22793.47", "4005.88", "173494.77"),
        "muni": ("0.00", "0.00", "8960.00"),
        "k1": ("0.00", "0.00", "34705.88"),
    }
    assert result["debtor_surplus"] == "0.00"
    assert result["check"] == {"price": "1982000.00", "deductions": "58040.00", "shares": "1923960.00",
                               "debtor_surplus": "0.00"}
    assert result["sira_cetveli_required"] is True  # D-02: shortfalls exist


# ------------------------------------------------------------------------------------- deductions


def test_price_smaller_than_deductions_shares_it_pro_rata_and_pays_nothing_else() -> None:
    case = base_case(price="50000.00", asset=TASINMAZ,
                     costs=[{"id": "a", "label": "A", "amount": "60000.00"},
                            {"id": "b", "label": "B", "amount": "30000.00"}],
                     creditors=[rehin("r", 1, "1000.00"), haciz("h", "2025-01-02", "2025-01-01", "10.00")])
    result = distribute(case)
    # Demands 60,000 + 30,000 + tapu 1,000 = 91,000 share 50,000: 32,967.03|29 / 16,483.51|64 /
    # 549.45|05; the kuruş left goes to the largest remainder (b).
    amounts = {d["id"]: d["amount"] for d in result["deductions"]}
    assert amounts == {"a": "32967.03", "b": "16483.52", "tapu_harci_satici": "549.45"}
    assert sum(D(v) for v in amounts.values()) == D("50000.00")
    assert result["distributable"] == "0.00"
    assert all(a["share"] == "0.00" for a in result["allocations"])
    assert stage(result, "rehin", 1)["available"] == "0.00"
    assert result["debtor_surplus"] == "0.00"
    assert_balanced(result)


def test_price_exactly_equal_to_deductions() -> None:
    case = base_case(price="1000.00", costs=[{"id": "a", "label": "A", "amount": "1000.00"}],
                     creditors=[haciz("h", "2025-01-02", "2025-01-01", "10.00")])
    result = distribute(case)
    assert result["deductions"][0]["amount"] == "1000.00"
    assert result["distributable"] == "0.00"
    assert by_id(result)["h"]["certificate"] == "aciz_vesikasi"


def test_no_creditors_everything_to_the_debtor() -> None:
    result = distribute(base_case(costs=[{"id": "a", "label": "A", "amount": "100.00"}]))
    assert result["stages"] == []
    assert result["allocations"] == []
    assert result["debtor_surplus"] == "99900.00"
    assert result["sira_cetveli_required"] is False  # D-02
    assert_balanced(result)


# ----------------------------------------------------------------------------------------- pledges


def test_seed_002_limit_raised_without_consent_d23() -> None:
    """docs/law/distribution.md D-23: seed 002's example, 100,000,000 with no costs: D2-increase takes 55,250,000."""
    lines = [rehin("D1", 1, "4000000.00", "4000000.00"), rehin("D2", 2, "750000.00", "750000.00"),
             rehin("D3", 3, "40000000.00", "40000000.00"),
             rehin("D2inc", 4, "98118000.00", "98118000.00")]
    result = distribute(base_case(price="100000000.00", creditors=lines))
    a = by_id(result)
    assert [a[x]["share"] for x in ("D1", "D2", "D3", "D2inc")] == ["4000000.00", "750000.00", "40000000.00",
                                                                    "55250000.00"]
    # Run as a taşınmaz, the seller's tapu harcı (2,000,000) comes off first: 53,250,000.
    result = distribute(base_case(price="100000000.00", creditors=lines, asset=TASINMAZ))
    assert by_id(result)["D2inc"]["share"] == "53250000.00"


def test_equal_degrees_share_pro_rata_by_claim_capped_at_limit() -> None:
    lines = [rehin("a", 1, "900.00", "300.00"), rehin("b", 1, "300.00"), rehin("c", 2, "50.00")]
    result = distribute(base_case(price="300.00", creditors=lines))
    a = by_id(result)
    assert stage(result, "rehin", 1)["demanded"] == "600.00"
    assert (a["a"]["share"], a["b"]["share"], a["c"]["share"]) == ("150.00", "150.00", "0.00")
    # shortfall includes the part above the limit (docs/law/examples/README.md)
    assert a["a"]["shortfall"] == "750.00"
    assert a["c"]["certificate"] == "rehin_acigi_belgesi"


def test_empty_degrees_are_ignored_d21() -> None:
    result = distribute(base_case(price="500.00", creditors=[rehin("r3", 3, "400.00")]))
    assert [s["degree"] for s in result["stages"]] == [3]
    assert by_id(result)["r3"]["share"] == "400.00"
    assert result["debtor_surplus"] == "100.00"


def test_rehin_shortfall_does_not_move_into_the_haciz_stages() -> None:
    lines = [rehin("r", 1, "1000.00", "400.00"), haciz("h", "2025-01-02", "2025-01-01", "100.00")]
    result = distribute(base_case(price="600.00", creditors=lines))
    a = by_id(result)
    assert (a["r"]["share"], a["h"]["share"]) == ("400.00", "100.00")
    assert result["debtor_surplus"] == "100.00"


def test_asset_taxes_pro_rata_after_pledges_and_before_hacizler_d29() -> None:
    lines = [haciz("h", "2025-01-02", "2025-01-01", "100.00"),
             {"id": "t1", "kind": "asset_tax", "claim": {"principal": "200.00"}},
             {"id": "t2", "kind": "asset_tax", "claim": {"principal": "100.00"}},
             rehin("r", 1, "100.00")]
    result = distribute(base_case(price="250.00", creditors=lines))
    a = by_id(result)
    assert [s["stage"] for s in result["stages"]] == ["rehin", "asset_tax", "haciz"]
    assert (a["r"]["share"], a["t1"]["share"], a["t2"]["share"], a["h"]["share"]) == (
        "100.00", "100.00", "50.00", "0.00")
    assert a["t1"]["certificate"] is None  # asset taxes get no certificate
    assert (a["t1"]["tahsil_harci"], a["t1"]["cezaevi_harci"]) == ("0.00", "0.00")  # T-28


# ---------------------------------------------------------------------------------- dereceler (D-10 …)

# (label, lines, paid_in_date, expected derece of each line)
JOIN_CASES = [
    ("document one day before the founder's takip joins",
     [haciz("f", "2025-02-01", "2025-01-20", "1.00"),
      haciz("j", "2025-03-01", "2025-02-20", "1.00", document_date="2025-01-19")],
     "2026-03-10", {"f": 1, "j": 1}),
    ("document ON the founder's takip day does not join (strict)",
     [haciz("f", "2025-02-01", "2025-01-20", "1.00"),
      haciz("j", "2025-03-01", "2025-02-20", "1.00", document_date="2025-01-20")],
     "2026-03-10", {"f": 1, "j": 2}),
    ("a haciz ON the paid-in day does not join (strict)",
     [haciz("f", "2025-02-01", "2025-01-20", "1.00"),
      haciz("j", "2026-03-10", "2025-02-20", "1.00", document_date="2025-01-01")],
     "2026-03-10", {"f": 1, "j": 2}),
    ("a haciz the day before the paid-in day joins",
     [haciz("f", "2025-02-01", "2025-01-20", "1.00"),
      haciz("j", "2026-03-09", "2025-02-20", "1.00", document_date="2025-01-01")],
     "2026-03-10", {"f": 1, "j": 1}),
    ("without a document no joining",
     [haciz("f", "2025-02-01", "2025-01-20", "1.00"), haciz("j", "2025-03-01", "2025-02-20", "1.00")],
     "2026-03-10", {"f": 1, "j": 2}),
    ("same haciz date: input order decides who founds; the other may join",
     [haciz("a", "2025-02-01", "2025-01-20", "1.00"),
      haciz("b", "2025-02-01", "2025-01-25", "1.00", document_date="2025-01-10")],
     "2026-03-10", {"a": 1, "b": 1}),
    ("same haciz date, reversed input order: b founds, a (no document) founds derece 2",
     [haciz("b", "2025-02-01", "2025-01-25", "1.00", document_date="2025-01-10"),
      haciz("a", "2025-02-01", "2025-01-20", "1.00")],
     "2026-03-10", {"b": 1, "a": 2}),
    ("the earliest derece the document qualifies for",
     [haciz("f1", "2025-02-01", "2025-01-10", "1.00"), haciz("f2", "2025-03-01", "2025-02-20", "1.00"),
      haciz("j", "2025-04-01", "2025-03-20", "1.00", document_date="2025-01-15")],
     "2026-03-10", {"f1": 1, "f2": 2, "j": 2}),
    ("a later founder with an earlier takip still takes joiners (not only the newest maximum)",
     [haciz("f1", "2025-02-01", "2025-01-30", "1.00"), haciz("f2", "2025-03-01", "2025-01-05", "1.00"),
      haciz("j", "2025-04-01", "2025-03-20", "1.00", document_date="2025-01-01")],
     "2026-03-10", {"f1": 1, "f2": 2, "j": 1}),
    ("kamu joins derece 1 whatever its date, if before the paid-in day (6183 m.21)",
     [haciz("f1", "2025-02-01", "2025-01-10", "1.00"), haciz("f2", "2025-03-01", "2025-02-20", "1.00"),
      kamu("k", "2026-03-09", "1.00")],
     "2026-03-10", {"f1": 1, "f2": 2, "k": 1}),
    ("kamu on the paid-in day founds its own derece",
     [haciz("f1", "2025-02-01", "2025-01-10", "1.00"), kamu("k", "2026-03-10", "1.00")],
     "2026-03-10", {"f1": 1, "k": 2}),
    ("a derece founded by kamu takes no private joiners (D-16), later kamu join derece 1",
     [kamu("k1", "2025-01-05", "1.00"), haciz("h", "2025-02-01", "2025-01-20", "1.00", document_date="2024-01-01"),
      kamu("k2", "2025-03-01", "1.00")],
     "2026-03-10", {"k1": 1, "h": 2, "k2": 1}),
    ("ihtiyati haciz joins like a haciz with a document (contract v1, OP-40)",
     [haciz("f", "2025-02-01", "2025-01-20", "1.00"),
      haciz("i", "2025-03-01", "2025-02-20", "1.00", document_date="2025-01-01", kind="ihtiyati_haciz")],
     "2026-03-10", {"f": 1, "i": 1}),
    ("an ihtiyati haciz can found a derece and take joiners",
     [haciz("i", "2025-02-01", "2025-01-20", "1.00", kind="ihtiyati_haciz"),
      haciz("j", "2025-03-01", "2025-02-20", "1.00", document_date="2025-01-01")],
     "2026-03-10", {"i": 1, "j": 1}),
]


@pytest.mark.parametrize(("label", "lines", "paid_in", "expected"), JOIN_CASES, ids=[c[0] for c in JOIN_CASES])
def test_joining(label: str, lines: list[dict[str, Any]], paid_in: str, expected: dict[str, int]) -> None:
    result = distribute(base_case(paid_in_date=paid_in, creditors=lines))
    assert {cid: a["derece"] for cid, a in by_id(result).items()} == expected
    founders = {s["derece"]: s["founder"] for s in result["stages"]}
    for cid, derece in expected.items():
        assert cid in next(s["members"] for s in result["stages"] if s["derece"] == derece)
    assert sorted(founders) == list(range(1, len(founders) + 1))


def test_what_a_derece_does_not_use_passes_to_the_next_d19() -> None:
    lines = [haciz("f1", "2025-02-01", "2025-01-10", "100.00"), haciz("f2", "2025-03-01", "2025-02-20", "500.00")]
    result = distribute(base_case(price="300.00", creditors=lines))
    d1, d2 = stage(result, "haciz", 1), stage(result, "haciz", 2)
    assert (d1["available"], d1["paid"], d2["available"], d2["paid"]) == ("300.00", "100.00", "200.00", "200.00")
    assert by_id(result)["f2"]["shortfall"] == "300.00"


def test_sira_order_and_207_pro_rata_d30_d33() -> None:
    lines = [haciz("f", "2025-02-01", "2025-01-20", "300.00", sira=4),
             haciz("w", "2025-03-01", "2025-02-20", "200.00", sira=1, document_date="2025-01-01"),
             haciz("p", "2025-03-02", "2025-02-20", "100.00", sira=3, document_date="2025-01-01"),
             haciz("g", "2025-03-03", "2025-02-20", "300.00", sira=4, document_date="2025-01-01")]
    result = distribute(base_case(price="400.00", creditors=lines))
    a = by_id(result)
    assert (a["w"]["share"], a["p"]["share"], a["f"]["share"], a["g"]["share"]) == (
        "200.00", "100.00", "50.00", "50.00")
    assert [s["sira"] for s in stage(result, "haciz", 1)["sira"]] == [1, 3, 4]


def test_a_later_sira_gets_nothing_while_an_earlier_is_short() -> None:
    lines = [haciz("f", "2025-02-01", "2025-01-20", "300.00", sira=4),
             haciz("w", "2025-03-01", "2025-02-20", "500.00", sira=1, document_date="2025-01-01")]
    result = distribute(base_case(price="400.00", creditors=lines))
    a = by_id(result)
    assert (a["w"]["share"], a["f"]["share"]) == ("400.00", "0.00")
    assert stage(result, "haciz", 1)["sira"] == [{"sira": 1, "demanded": "500.00", "paid": "400.00"},
                                                 {"sira": 4, "demanded": "300.00", "paid": "0.00"}]


def test_pro_rata_ties_go_by_the_creditors_array_not_the_haciz_order() -> None:
    """docs/law/examples/README.md: ties by the order of the creditors array (example 04: 333.34 / 333.33 / 333.33)."""
    lines = [haciz("late", "2025-05-01", "2025-04-20", "250.00", document_date="2025-01-01"),
             haciz("mid", "2025-03-01", "2025-02-20", "250.00", document_date="2025-01-01"),
             haciz("first", "2025-02-01", "2025-01-20", "250.00")]
    a = by_id(distribute(base_case(price="1000.00", creditors=lines)))
    assert a["first"]["derece"] == a["mid"]["derece"] == a["late"]["derece"] == 1
    a = by_id(distribute(base_case(price="1.00", creditors=lines)))
    assert (a["late"]["share"], a["mid"]["share"], a["first"]["share"]) == ("0.34", "0.33", "0.33")


def test_kamu_private_split_tie_goes_to_the_group_listed_first() -> None:
    """Equal remainders between kamu_part and private_part: the group whose first line comes first in the
    creditors array takes the kuruş (our reading of "ties by input order" at group level)."""
    h = haciz("h", "2025-02-01", "2025-01-20", "100.00")
    k = kamu("k", "2025-03-01", "100.00")
    first_private = stage(distribute(base_case(price="0.01", creditors=[h, k])), "haciz", 1)
    first_kamu = stage(distribute(base_case(price="0.01", creditors=[k, h])), "haciz", 1)
    # Either way h (the earlier haciz) founds derece 1 and k joins it; only the array order differs.
    assert first_private["founder"] == first_kamu["founder"] == "h"
    assert (first_private["private_part"], first_private["kamu_part"]) == ("0.01", "0.00")
    assert (first_kamu["private_part"], first_kamu["kamu_part"]) == ("0.00", "0.01")


def test_kamu_part_shared_garameten_among_public_claims() -> None:
    lines = [haciz("h", "2025-02-01", "2025-01-20", "600.00"), kamu("k1", "2025-03-01", "300.00"),
             kamu("k2", "2025-04-01", "100.00")]
    result = distribute(base_case(price="500.00", creditors=lines))
    a, d1 = by_id(result), stage(result, "haciz", 1)
    assert (d1["kamu_part"], d1["private_part"]) == ("200.00", "300.00")
    assert (a["k1"]["share"], a["k2"]["share"], a["h"]["share"]) == ("150.00", "50.00", "300.00")
    assert a["k1"]["sira"] is None
    assert a["k1"]["certificate"] is None  # public creditors get no aciz vesikası from us


def test_takipsiz_joins_the_derece_of_the_named_line_even_a_joiner() -> None:
    lines = [haciz("f", "2025-02-01", "2025-01-20", "300.00"),
             haciz("j", "2025-03-01", "2025-02-20", "300.00", document_date="2025-01-01"),
             haciz("x", "2025-04-01", "2025-03-20", "300.00"),
             {"id": "t", "name": "Eş (nafaka)", "kind": "takipsiz", "joins": "j", "sira": 1,
              "claim": {"principal": "100.00"}},
             {"id": "u", "kind": "takipsiz", "joins": "x", "sira": 4, "claim": {"principal": "50.00"}}]
    result = distribute(base_case(price="400.00", creditors=lines))
    a = by_id(result)
    assert (a["t"]["derece"], a["t"]["sira"], a["t"]["share"]) == (1, 1, "100.00")  # D-34: sıra 1 first
    assert (a["f"]["share"], a["j"]["share"]) == ("150.00", "150.00")
    assert stage(result, "haciz", 1)["members"] == ["f", "j", "t"]
    assert (a["u"]["derece"], a["u"]["share"], a["u"]["certificate"]) == (2, "0.00", "aciz_vesikasi")


def test_ihtiyati_haciz_is_reserved_without_fees_or_certificate() -> None:
    lines = [haciz("f", "2025-02-01", "2025-01-20", "300.00"),
             haciz("i", "2025-03-01", "2025-02-20", "300.00", document_date="2025-01-01", kind="ihtiyati_haciz")]
    result = distribute(base_case(price="400.00", creditors=lines))
    i = by_id(result)["i"]
    assert (i["status"], i["share"], i["tahsil_harci"], i["cezaevi_harci"], i["net_payout"]) == (
        "reserved", "200.00", "0.00", "0.00", "200.00")
    assert (i["shortfall"], i["certificate"]) == ("100.00", None)
    assert by_id(result)["f"]["status"] == "paid"


def test_reserved_even_with_a_zero_share() -> None:
    lines = [haciz("f", "2025-02-01", "2025-01-20", "300.00"),
             haciz("i", "2025-03-01", "2025-02-20", "300.00", kind="ihtiyati_haciz")]
    i = by_id(distribute(base_case(price="100.00", creditors=lines)))["i"]
    assert (i["status"], i["share"]) == ("reserved", "0.00")


def test_fees_on_each_payout_t30() -> None:
    """T-30 example: share 500,000.00 → tahsil 56,900.00, cezaevi 10,000.00, net 433,100.00."""
    result = distribute(base_case(price="500000.00",
                                  creditors=[haciz("h", "2025-02-01", "2025-01-20", "500000.00")]))
    h = by_id(result)["h"]
    assert (h["tahsil_harci"], h["cezaevi_harci"], h["net_payout"]) == ("56900.00", "10000.00", "433100.00")


def test_zero_share_zero_fees_and_everything_paid_no_certificate() -> None:
    lines = [haciz("f", "2025-02-01", "2025-01-20", "100.00"), haciz("g", "2025-03-01", "2025-02-20", "1.00")]
    a = by_id(distribute(base_case(price="100.00", creditors=lines)))
    assert (a["f"]["certificate"], a["f"]["shortfall"]) == (None, "0.00")
    assert (a["g"]["share"], a["g"]["tahsil_harci"], a["g"]["net_payout"]) == ("0.00", "0.00", "0.00")


def test_zero_claims_are_fine() -> None:
    lines = [haciz("f", "2025-02-01", "2025-01-20", "0"), kamu("k", "2025-03-01", "0.00"), rehin("r", 1, "0")]
    result = distribute(base_case(price="10.00", creditors=lines))
    assert result["debtor_surplus"] == "10.00"
    assert all(a["certificate"] is None for a in result["allocations"])


def test_explain_names_a_rule_for_every_allocation_figure() -> None:
    result = distribute(section_12_case())
    paths = {e["path"] for e in result["explain"]}
    for a in result["allocations"]:
        base = f"allocations[{a['creditor_id']}]"
        assert f"{base}.claim_total" in paths
        assert f"{base}.share" in paths
        if a["tahsil_harci"] != "0.00":
            assert f"{base}.net_payout" in paths
            assert f"{base}.tahsil_harci" in paths
        if a["certificate"]:
            assert f"{base}.certificate" in paths
    for e in result["explain"]:
        assert e["rules"], e
        assert e["step"], e
    assert "debtor_surplus" in paths
    assert "check" in paths


def test_explain_value_matches_the_output_figure() -> None:
    result = distribute(section_12_case())
    a = by_id(result)
    for e in result["explain"]:
        for cid, line in a.items():
            for field in ("share", "tahsil_harci", "cezaevi_harci", "net_payout", "claim_total"):
                if e["path"] == f"allocations[{cid}].{field}":
                    assert e["value"] == line[field]


def test_warnings_for_the_points_contract_v1_does_not_model() -> None:
    lines = [haciz("i", "2025-01-10", "2025-01-05", "10.00", kind="ihtiyati_haciz"),
             haciz("h", "2025-02-01", "2025-01-20", "10.00"),
             kamu("k", "2026-03-05", "10.00")]
    result = distribute(base_case(sale_date="2026-03-02", paid_in_date="2026-03-10", creditors=lines))
    assert {(w["code"], w["creditor_id"]) for w in result["warnings"]} == {("OP-40", "i"), ("OP-41", "k")}
