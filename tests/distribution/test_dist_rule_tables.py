"""The dated rule tables the distribution reads (G-01): taxes.toml and interest.toml."""

from __future__ import annotations

import re
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from auction.rules.table import RuleError, rulebook

DATA = Path(__file__).resolve().parents[2] / "auction" / "rules" / "data"
PACKAGE = Path(__file__).resolve().parents[2] / "auction" / "distribution"


@pytest.mark.parametrize("table", ["taxes.toml", "interest.toml"])
def test_every_row_is_sourced_dated_and_tagged(table: str) -> None:
    rows = tomllib.loads((DATA / table).read_text(encoding="utf-8"))["row"]
    assert rows
    for row in rows:
        assert row["source"].strip(), row
        assert row["status"] in ("VERIFIED", "UNCERTAIN", "PRODUCT"), row
        assert re.fullmatch(r"(T|OP|D|A)-\d+", row["rule"]), row
        assert row.get("key_date"), row
        if row["status"] == "UNCERTAIN":
            assert row["rule"].startswith("OP-") or "OP-" in row.get("note", ""), row
        if "effective_from" in row and "effective_to" in row:
            assert row["effective_from"] < row["effective_to"]


# (key, day, value, ref) — boundaries are effective_from inclusive, effective_to exclusive.
LOOKUPS = [
    ("faiz.kanuni", date(2006, 1, 1), "0.09", "T-40 faiz.kanuni@2006-01-01"),
    ("faiz.kanuni", date(2024, 5, 31), "0.09", "T-40 faiz.kanuni@2006-01-01"),
    ("faiz.kanuni", date(2024, 6, 1), "0.24", "T-40 faiz.kanuni@2024-06-01"),
    ("faiz.kanuni", date(2026, 5, 14), "0.24", "T-40 faiz.kanuni@2024-06-01"),
    ("kdv.general", date(2023, 7, 9), "0.18", "T-03 kdv.general@…"),
    ("kdv.general", date(2023, 7, 10), "0.20", "T-03 kdv.general@2023-07-10"),
    ("kdv.reduced", date(2023, 7, 9), "0.08", "T-03 kdv.reduced@…"),
    ("kdv.reduced", date(2023, 7, 10), "0.10", "T-03 kdv.reduced@2023-07-10"),
    ("kdv.lowest", date(2026, 1, 1), "0.01", "T-03 kdv.lowest@…"),
    ("kdv.konut_area_limit_m2", date(2026, 1, 1), "150", "T-04 kdv.konut_area_limit_m2@…"),
    ("damga.ihale_karari", date(2026, 1, 1), "0.00569", "T-10 damga.ihale_karari@…"),
    ("tapu.alici", date(2026, 1, 1), "0.020", "T-11 tapu.alici@…"),
    ("tapu.satici", date(2026, 1, 1), "0.020", "T-21 tapu.satici@…"),
    ("tahsil.satis", date(2026, 1, 1), "0.1138", "T-25 tahsil.satis@…"),
    ("tahsil.haciz_sonrasi", date(2026, 1, 1), "0.0910", "T-25 tahsil.haciz_sonrasi@…"),
    ("tahsil.haciz_oncesi", date(2026, 1, 1), "0.0455", "T-25 tahsil.haciz_oncesi@…"),
    ("tahsil.maas", date(2026, 1, 1), "0.0455", "T-25 tahsil.maas@…"),
    ("tahsil.m125_3", date(2026, 1, 1), "0.0227", "T-25 tahsil.m125_3@…"),
    ("cezaevi", date(2026, 1, 1), "0.02", "T-26 cezaevi@…"),
    ("pesin_harc.ilamsiz", date(2026, 1, 1), "0.005", "T-27 pesin_harc.ilamsiz@…"),
    ("nispi_harc.karar_ilam", date(2026, 1, 1), "0.06831", "T-33 nispi_harc.karar_ilam@…"),
    ("fesih.teminat", date(2026, 1, 1), "0.05", "T-31 fesih.teminat@2021-11-30"),
    ("fesih.fine_max", date(2026, 1, 1), "0.10", "T-31 fesih.fine_max@2021-11-30"),
    ("fesih.fine_max_konut_fin", date(2026, 1, 1), "0.20", "T-31 fesih.fine_max_konut_fin@2021-11-30"),
]


@pytest.mark.parametrize(("key", "on", "value", "ref"), LOOKUPS, ids=[f"{k}@{d}" for k, d, _, _ in LOOKUPS])
def test_lookup_by_date(key: str, on: date, value: str, ref: str) -> None:
    row = rulebook().row(key, on)
    assert row.decimal() == Decimal(value)
    assert row.ref == ref


def test_no_kanuni_faiz_before_2006_is_loaded() -> None:
    with pytest.raises(RuleError):
        rulebook().row("faiz.kanuni", date(2005, 12, 31))


def test_rates_are_not_literals_in_the_distribution_code() -> None:
    """G-01: rates live in the tables; the code holds none of the tables' rates."""
    rates = {"0.1138", "0.0910", "0.091", "0.02", "0.00569", "0.020", "0.18", "0.20", "0.08", "0.10", "0.01",
             "0.24", "0.09", "0.01138", "0.0227", "0.06831"}
    for path in PACKAGE.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for literal in re.findall(r"Decimal\(\"([0-9.]+)\"\)", text):
            assert literal not in rates, f"{path.name}: rate literal {literal}"
        assert not re.search(r"\b0\.1138\b|\b0\.00569\b", text), path.name
