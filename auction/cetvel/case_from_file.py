"""The distribution case (docs/law/distribution-contract.md, "Input") built from the file's records — the single
entry point for every caller (the buyer settlement, alacağa mahsuben, later the sale's sıra cetveli).

What the file holds today, and therefore what the case holds:
- the sale: price (ihale bedeli), ihale date, the asset as sold (kind, use, net area, yapı ruhsatı date,
  the şartname KDV rate, T-05) and the T-06 bank flag set by staff;
- `costs`: the sale costs C entered for the sale (A-31: appraisal, ilan, tebligat … up to the auction);
- `creditors`: the pledges (rehin) registered on this lot, each with its degree, limit and the claim
  amount the file records for the sale (`pledges.claim_amount`).

What it does NOT hold yet, listed in `FileCase.omitted` so that no caller mistakes the case for the
cetvel: haciz, ihtiyati haciz and kamu haczi creditors (the file has no haciz dates, takip dates, sıra or
interest periods for them), asset taxes, costs after the auction, payments. A pledgee's share does not
depend on any of these (contract steps 2–3: costs, then pledges by degree, before asset taxes and the
haciz dereceler), which is why alacağa mahsuben can be computed for a pledgee today and is refused for
anyone else (auction/settlement/mahsup.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction.cases.models import Creditor, Pledge
from auction.lots.models import Lot
from auction.money import ZERO, fmt
from auction.sales.models import Sale

COST_C_ID = "satis_masraflari"


def asset_of(lot: Lot, kdv_rate: Decimal | None) -> dict[str, Any]:
    asset: dict[str, Any] = {"kind": lot.kind, "use": lot.use,
                             "kdv_rate": str(kdv_rate) if kdv_rate is not None else None}
    if lot.net_area_m2 is not None:
        asset["net_area_m2"] = str(lot.net_area_m2)
    if lot.permit_date is not None:
        asset["permit_date"] = lot.permit_date.isoformat()
    return asset


def kdv_override(sale: Sale, lot: Lot) -> Decimal | None:
    """T-05 / T-09: the rate published in the şartname binds; the lot's own override is the fallback."""
    if sale.kdv_rate is not None:
        return sale.kdv_rate
    return lot.kdv_rate


def buyer_case(*, price: Decimal, ihale_date: date, lot: Lot, kdv_rate: Decimal | None,
               paid_in_date: date | None = None, bank_17_4_r: bool = False) -> dict[str, Any]:
    """The case of a price for a lot with no creditors and no costs: what step 1 (the buyer settlement)
    needs, for a lot page's estimate as much as for the sale."""
    return {
        "sale_date": ihale_date.isoformat(),
        # With no creditors the paid-in day changes nothing; the ihale date keeps the case valid.
        "paid_in_date": (paid_in_date or ihale_date).isoformat(),
        "price": fmt(price),
        "asset": asset_of(lot, kdv_rate),
        "buyer": {"bank_17_4_r": bank_17_4_r},
        "costs": [],
        "creditors": [],
    }


@dataclass(frozen=True)
class Omission:
    record: str  # "creditor:12"
    name: str
    reason: str


@dataclass(frozen=True)
class FileCase:
    payload: dict[str, Any]
    # case creditor id ("cr12") → the file's Creditor.id
    creditor_ids: dict[str, int] = field(default_factory=dict)
    omitted: list[Omission] = field(default_factory=list)

    def case_id_of(self, creditor_id: int) -> str | None:
        for case_id, cid in self.creditor_ids.items():
            if cid == creditor_id:
                return case_id
        return None


async def sale_case(session: AsyncSession, sale: Sale, *, price: Decimal | None = None,
                    paid_in_date: date | None = None) -> FileCase:
    """The case of an awarded sale from the file's records (see the module docstring for what it holds).
    `price` defaults to the sale's price (A-57 computes the draft distribution "with this price")."""
    lot = await session.get(Lot, sale.lot_id)
    assert lot is not None
    the_price = price if price is not None else sale.price
    if the_price is None or sale.ihale_date is None:
        raise ValueError(f"sale {sale.id} has no price yet")
    payload = buyer_case(price=the_price, ihale_date=sale.ihale_date, lot=lot, kdv_rate=kdv_override(sale, lot),
                         paid_in_date=paid_in_date, bank_17_4_r=sale.bank_17_4_r)
    if sale.c_amount > ZERO:
        payload["costs"].append({"id": COST_C_ID, "label": "Satış masrafları (C, A-31)", "amount": fmt(sale.c_amount)})
    pledges = {p.creditor_id: p for p in (await session.scalars(
        select(Pledge).where(Pledge.lot_id == lot.id).order_by(Pledge.degree, Pledge.id))).all()}
    creditors = list((await session.scalars(
        select(Creditor).where(Creditor.case_id == sale.case_id).order_by(Creditor.id))).all())
    ids: dict[str, int] = {}
    omitted: list[Omission] = []
    for c in creditors:
        pledge = pledges.get(c.id)
        if pledge is None:
            omitted.append(Omission(f"creditor:{c.id}", c.name,
                                    "dosyada haciz tarihi, takip tarihi, sıra ve faiz bilgisi yok (sıra cetveli "
                                    "için tamamlanmalı)"))
            continue
        case_id = f"cr{c.id}"
        ids[case_id] = c.id
        payload["creditors"].append({
            "id": case_id, "name": c.name, "kind": "rehin", "degree": pledge.degree, "limit": fmt(pledge.limit_amount),
            "claim": {"principal": fmt(pledge.claim_amount)}})
    return FileCase(payload=payload, creditor_ids=ids, omitted=omitted)
