"""The contract lines built from the file's haciz and asset-tax records (auction.cetvel.case_from_file): each
kind gives exactly the fields the engine takes, and the engine accepts the case they make."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from auction.cases.models import AssetTax, Creditor, Haciz, HacizInterest, HacizPayment
from auction.cetvel.case_from_file import haciz_line, tax_line
from auction.distribution.schema import parse_case

D = Decimal


def _haciz(kind: str, **kw: Any) -> Haciz:
    base: dict[str, Any] = {"id": 7, "lot_id": 1, "creditor_id": 12, "kind": kind, "haciz_date": None,
                            "takip_date": None, "document_date": None, "sira": None, "joins_creditor_id": None,
                            "principal": D("300000.00"), "interest_accrued": D(0), "costs": D(0),
                            "vekalet_ucreti": D(0), "imputation": "tbk100"}
    base.update(kw)
    return Haciz(**base)


CREDITOR = Creditor(id=12, case_id=1, name="B Ltd.", kind="haciz", claim_total=D("300000.00"))


@pytest.mark.parametrize(("haciz", "periods", "payments", "expected"), [
    # A plain haciz: only what it has; zero amounts are left out (the engine's defaults).
    (_haciz("haciz", haciz_date=date(2026, 3, 2), takip_date=date(2026, 2, 10), sira=4), [], [],
     {"id": "cr12", "name": "B Ltd.", "kind": "haciz", "haciz_date": "2026-03-02", "takip_date": "2026-02-10",
      "sira": 4, "claim": {"principal": "300000.00"}}),
    # The whole claim: costs and vekalet ücreti summed into `costs`, a fixed and a kanuni period, a payment.
    (_haciz("ihtiyati_haciz", haciz_date=date(2026, 3, 2), takip_date=date(2026, 2, 10),
            document_date=date(2025, 12, 1), sira=1, interest_accrued=D("8000.00"), costs=D("4000.00"),
            vekalet_ucreti=D("5000.50"), imputation="orantili"),
     [HacizInterest(haciz_id=7, start_date=date(2026, 2, 10), end_date=date(2026, 6, 1), rate=D("0.30")),
      HacizInterest(haciz_id=7, start_date=date(2026, 6, 1), end_date=None, rate_table="kanuni")],
     [HacizPayment(haciz_id=7, paid_on=date(2026, 7, 1), amount=D("20000.00"))],
     {"id": "cr12", "name": "B Ltd.", "kind": "ihtiyati_haciz", "haciz_date": "2026-03-02",
      "takip_date": "2026-02-10", "document_date": "2025-12-01", "sira": 1,
      "claim": {"principal": "300000.00", "interest_accrued": "8000.00", "costs": "9000.50",
                "interest": [{"from": "2026-02-10", "to": "2026-06-01", "rate": "0.30"},
                             {"from": "2026-06-01", "rate": "kanuni"}],
                "payments": [{"date": "2026-07-01", "amount": "20000.00"}], "imputation": "orantili"}}),
    # A kamu haczi has its date only.
    (_haciz("kamu_haczi", haciz_date=date(2026, 1, 10)), [], [],
     {"id": "cr12", "name": "B Ltd.", "kind": "kamu_haczi", "haciz_date": "2026-01-10",
      "claim": {"principal": "300000.00"}}),
    # A takipsiz line names the case id of the creditor whose derece it joins.
    (_haciz("takipsiz", sira=2, joins_creditor_id=5), [], [],
     {"id": "cr12", "name": "B Ltd.", "kind": "takipsiz", "sira": 2, "joins": "cr5",
      "claim": {"principal": "300000.00"}}),
])
def test_haciz_line(haciz, periods, payments, expected):
    assert haciz_line(CREDITOR, haciz, periods, payments) == expected


@pytest.mark.parametrize(("tax", "expected"), [
    (AssetTax(id=3, lot_id=1, tax="emlak_vergisi", authority="Kadıköy Belediyesi", amount=D("12000.00")),
     {"id": "tax3", "name": "Kadıköy Belediyesi (emlak vergisi)", "kind": "asset_tax",
      "claim": {"principal": "12000.00"}}),
    (AssetTax(id=4, lot_id=1, tax="mtv", authority="Kadıköy Vergi Dairesi", amount=D("3500.40")),
     {"id": "tax4", "name": "Kadıköy Vergi Dairesi (motorlu taşıtlar vergisi)", "kind": "asset_tax",
      "claim": {"principal": "3500.40"}}),
])
def test_tax_line(tax, expected):
    assert tax_line(tax) == expected


def test_the_engine_accepts_every_kind_of_line():
    founder = Creditor(id=5, case_id=1, name="A Ltd.", kind="haciz", claim_total=D("1"))
    lines = [
        haciz_line(founder, _haciz("haciz", creditor_id=5, haciz_date=date(2026, 3, 2),
                                   takip_date=date(2026, 2, 10), sira=4), [], []),
        haciz_line(CREDITOR, _haciz("takipsiz", sira=2, joins_creditor_id=5),
                   [HacizInterest(haciz_id=7, start_date=date(2026, 6, 1), end_date=None, rate_table="kanuni")],
                   [HacizPayment(haciz_id=7, paid_on=date(2026, 7, 1), amount=D("1000.00"))]),
        tax_line(AssetTax(id=3, lot_id=1, tax="emlak_vergisi", authority="Belediye", amount=D("12000.00"))),
    ]
    case = parse_case({"sale_date": "2026-11-02", "paid_in_date": "2026-11-09", "price": "1000000.00",
                       "asset": {"kind": "tasinmaz", "use": "arsa", "kdv_rate": None},
                       "buyer": {"bank_17_4_r": False}, "costs": [], "creditors": lines})
    assert [(c.id, c.kind, c.joins) for c in case.creditors] == \
        [("cr5", "haciz", None), ("cr12", "takipsiz", "cr5"), ("tax3", "asset_tax", None)]
    assert case.creditors[1].claim.interest[0].rate is None  # kanuni: the dated table (T-40)
