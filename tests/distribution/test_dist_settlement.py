"""Step 1, the buyer settlement (T-01 … T-11), table-driven; includes docs/law/taxes-and-fees.md worked examples."""

from __future__ import annotations

from typing import Any

import pytest

from auction.distribution import distribute
from tests.distribution.dist_helpers import D, base_case


def settle(price: str, sale_date: str, asset: dict[str, Any], bank: bool = False) -> dict[str, str]:
    case = base_case(price=price, sale_date=sale_date, paid_in_date=sale_date, asset=asset,
                     buyer={"bank_17_4_r": bank})
    result = distribute(case)
    return result["buyer_settlement"]  # type: ignore[no-any-return]


def konut(area: str, permit: str | None, kind: str = "tasinmaz") -> dict[str, Any]:
    asset: dict[str, Any] = {"kind": kind, "use": "konut", "net_area_m2": area, "kdv_rate": None}
    if permit is not None:
        asset["permit_date"] = permit
    return asset


TASINMAZ_ISYERI = {"kind": "tasinmaz", "use": "isyeri", "kdv_rate": None}
ARAC = {"kind": "tasinir", "use": "arac", "kdv_rate": None}

# (id, price, sale_date, asset, bank, kdv_rate, kdv, damga, tapu_alici, total_due)
CASES = [
    # docs/law/taxes-and-fees.md worked example (a): new-stock konut 212 m², 3,400,000.00, 2026-03-02.
    ("T-04 example (a) split", "3400000.00", "2026-03-02", konut("212", "2023-02-01"), False,
     "0.1292", "439433.96", "19346.00", "68000.00", "3926779.96"),
    # … and the same sale before 2023-07-10 (8 % / 18 %): 371,433.96.
    ("T-04 example (a) before CK 7346", "3400000.00", "2023-07-09", konut("212", "2022-06-01"), False,
     "0.1092", "371433.96", "19346.00", "68000.00", "3858779.96"),
    # docs/law/taxes-and-fees.md worked example (b): used car 640,000.00 at the general rate, no tapu harcı.
    ("T-07 example (b) used car", "640000.00", "2026-03-02", ARAC, False,
     "0.2000", "128000.00", "3641.60", "0.00", "771641.60"),
    # … and with a 1 % rate stated in the şartname (T-05): 6,400.00, total 650,041.60.
    ("T-05 example (b) şartname 1 %", "640000.00", "2026-03-02", {**ARAC, "kdv_rate": "0.01"}, False,
     "0.0100", "6400.00", "3641.60", "0.00", "650041.60"),
    ("T-06 bank buyer, taşınmaz: exempt", "1000000.00", "2026-03-02", TASINMAZ_ISYERI, True,
     "0.0000", "0.00", "5690.00", "20000.00", "1025690.00"),
    ("T-06 bank buyer, taşınır: not exempt", "1000000.00", "2026-03-02", ARAC, True,
     "0.2000", "200000.00", "5690.00", "0.00", "1205690.00"),
    ("T-06 exemption wins over a şartname rate", "1000000.00", "2026-03-02",
     {**TASINMAZ_ISYERI, "kdv_rate": "0.20"}, True, "0.0000", "0.00", "5690.00", "20000.00", "1025690.00"),
    ("T-03 general rate the day before CK 7346", "1000000.00", "2023-07-09", TASINMAZ_ISYERI, False,
     "0.1800", "180000.00", "5690.00", "20000.00", "1205690.00"),
    ("T-03 general rate on the day of CK 7346", "1000000.00", "2023-07-10", TASINMAZ_ISYERI, False,
     "0.2000", "200000.00", "5690.00", "20000.00", "1225690.00"),
    ("T-04 new stock, exactly 150 m²: reduced on the whole", "1000000.00", "2026-03-02",
     konut("150", "2022-04-01"), False, "0.1000", "100000.00", "5690.00", "20000.00", "1125690.00"),
    ("T-04 ruhsat the day before new stock: old stock 1 %", "1000000.00", "2026-03-02",
     konut("150", "2022-03-31"), False, "0.0100", "10000.00", "5690.00", "20000.00", "1035690.00"),
    ("T-04 old stock above 150 m²: general on the whole", "1000000.00", "2026-03-02",
     konut("150.01", "2010-01-01"), False, "0.2000", "200000.00", "5690.00", "20000.00", "1225690.00"),
    ("T-09 konut without ruhsat date: old stock", "1000000.00", "2026-03-02",
     konut("90", None), False, "0.0100", "10000.00", "5690.00", "20000.00", "1035690.00"),
    ("T-07 arsa: general rate", "2500000.00", "2026-03-02", {"kind": "tasinmaz", "use": "arsa"}, False,
     "0.2000", "500000.00", "14225.00", "50000.00", "3064225.00"),
    ("T-10 damga rounds half up once", "1234.57", "2026-03-02", {"kind": "tasinir", "use": "diger"}, False,
     "0.2000", "246.91", "7.02", "0.00", "1488.50"),
    ("example 06: 187.3 m² split", "12640000.00", "2026-01-20", konut("187.3", "2023-09-14"), False,
     "0.1199", "1515720.23", "71921.60", "252800.00", "14480441.83"),
]


@pytest.mark.parametrize(("label", "price", "sale_date", "asset", "bank", "kdv_rate", "kdv", "damga", "tapu",
                          "total"), CASES, ids=[c[0] for c in CASES])
def test_buyer_settlement(label: str, price: str, sale_date: str, asset: dict[str, Any], bank: bool,
                          kdv_rate: str, kdv: str, damga: str, tapu: str, total: str) -> None:
    s = settle(price, sale_date, asset, bank)
    assert s["kdv_rate"] == kdv_rate
    assert D(s["kdv"]) == D(kdv)
    assert D(s["damga_vergisi"]) == D(damga)
    assert D(s["tapu_harci_alici"]) == D(tapu)
    assert D(s["total_due"]) == D(total)
    assert D(s["total_due"]) == D(s["price"]) + D(s["kdv"]) + D(s["damga_vergisi"]) + D(s["tapu_harci_alici"])


def test_split_is_rounded_once_not_per_part() -> None:
    """T-04: one rounding of price × (a_low × r_low + a_high × r_high) / area, not two rounded parts."""
    s = settle("999999.99", "2026-03-02", konut("151.7", "2023-01-01"))
    exact = D("999999.99") * (D("150") * D("0.10") + D("1.7") * D("0.20")) / D("151.7")
    assert D(s["kdv"]) == exact.quantize(D("0.01"), rounding="ROUND_HALF_UP")


def test_seller_tapu_harci_is_a_deduction_for_tasinmaz_only() -> None:
    tasinmaz = distribute(base_case(asset=TASINMAZ_ISYERI))
    tasinir = distribute(base_case(asset=ARAC))
    assert [d["id"] for d in tasinmaz["deductions"]] == ["tapu_harci_satici"]
    assert tasinmaz["deductions"][0]["amount"] == "2000.00"  # binde 20 of 100,000.00 (T-11, T-21)
    assert tasinir["deductions"] == []


def test_rates_are_named_by_their_rule_rows() -> None:
    """G-11: the explain entry of the KDV names the rule rows that produced it."""
    result = distribute(base_case(asset=konut("212", "2023-02-01"), price="3400000.00"))
    entry = next(e for e in result["explain"] if e["path"] == "buyer_settlement.kdv")
    assert "T-04" in entry["rules"]
    assert "T-03 kdv.reduced@2023-07-10" in entry["refs"]
    assert "T-03 kdv.general@2023-07-10" in entry["refs"]
    used = {u["ref"] for u in result["rules_used"]}
    assert "T-10 damga.ihale_karari@…" in used
