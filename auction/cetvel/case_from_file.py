"""The distribution case (docs/law/distribution-contract.md, "Input") built from the file's records — the single
entry point for every caller (the buyer settlement, alacağa mahsuben, the sale's sıra cetveli).

What the file holds, and therefore what the case holds:
- the sale: price (ihale bedeli), ihale date, the asset as sold (kind, use, net area, yapı ruhsatı date,
  the şartname KDV rate, T-05) and the T-06 bank flag set by staff;
- `costs`: the sale costs C entered for the sale (A-31: appraisal, ilan, tebligat … up to the auction);
- `creditors`:
  - the pledges (rehin) registered on this lot, each with its degree, limit and the claim amount the
    file records for the sale (`pledges.claim_amount`);
  - the taxes on the asset (`asset_taxes`: emlak vergisi, MTV) as `asset_tax` lines;
  - the hacizler on this lot (`hacizler`: haciz, ihtiyati haciz, kamu haczi, takipsiz) with their dates,
    sıra and claim (principal, accrued interest, costs + vekalet ücreti, interest periods at a fixed rate
    or the dated kanuni faiz table, part payments, imputation), the engine placing them in dereceler.

A creditor of the file with neither a pledge nor a haciz on this lot is listed in `FileCase.omitted`: it
has no claim on this price (its haciz, if any, is on another asset) unless staff record one. Costs after
the auction are not in the file yet either; staff add them through a correction of the cetvel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction.cases.models import AssetTax, Creditor, Haciz, HacizInterest, HacizPayment, Pledge
from auction.lots.models import Lot
from auction.money import ZERO, fmt
from auction.sales.models import Sale

COST_C_ID = "satis_masraflari"
TAX_LABELS = {"emlak_vergisi": "emlak vergisi", "mtv": "motorlu taşıtlar vergisi"}
OMITTED_REASON = ("bu mal üzerinde rehni ya da haczi kayıtlı değil (haczi başka bir mal üzerindeyse bu satıştan "
                  "pay almaz; bu mal üzerindeyse dosyaya haciz kaydı girilmeli)")


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


def creditor_id(creditor: int) -> str:
    """The case id of a file's creditor (`cr12`): cetvel lines and corrections rely on this form."""
    return f"cr{creditor}"


def tax_line(tax: AssetTax) -> dict[str, Any]:
    return {"id": f"tax{tax.id}", "name": f"{tax.authority} ({TAX_LABELS.get(tax.tax, tax.tax)})",
            "kind": "asset_tax", "claim": {"principal": fmt(tax.amount)}}


def haciz_line(creditor: Creditor, haciz: Haciz, periods: list[HacizInterest],
               payments: list[HacizPayment]) -> dict[str, Any]:
    """A haciz record as a contract creditor line: only the fields its kind takes (the engine refuses
    others), amounts as strings, a takipsiz line joining its founder's case id."""
    line: dict[str, Any] = {"id": creditor_id(creditor.id), "name": creditor.name, "kind": haciz.kind}
    for key in ("haciz_date", "takip_date", "document_date"):
        day: date | None = getattr(haciz, key)
        if day is not None:
            line[key] = day.isoformat()
    if haciz.sira is not None:
        line["sira"] = haciz.sira
    if haciz.joins_creditor_id is not None:
        line["joins"] = creditor_id(haciz.joins_creditor_id)
    claim: dict[str, Any] = {"principal": fmt(haciz.principal)}
    if haciz.interest_accrued > ZERO:
        claim["interest_accrued"] = fmt(haciz.interest_accrued)
    if haciz.costs + haciz.vekalet_ucreti > ZERO:
        claim["costs"] = fmt(haciz.costs + haciz.vekalet_ucreti)
    if periods:
        claim["interest"] = [_period(p) for p in periods]
    if payments:
        claim["payments"] = [{"date": p.paid_on.isoformat(), "amount": fmt(p.amount)} for p in payments]
    if haciz.imputation != "tbk100":
        claim["imputation"] = haciz.imputation
    line["claim"] = claim
    return line


def _period(p: HacizInterest) -> dict[str, str]:
    out = {"from": p.start_date.isoformat()}
    if p.end_date is not None:
        out["to"] = p.end_date.isoformat()
    # "kanuni": the engine takes the dated kanuni faiz table (T-40) and splits the period at its changes.
    out["rate"] = p.rate_table if p.rate_table is not None else str(p.rate)
    return out


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
    hacizler = {h.creditor_id: h for h in (await session.scalars(
        select(Haciz).where(Haciz.lot_id == lot.id).order_by(Haciz.id))).all()}
    periods = (await session.scalars(select(HacizInterest).join(Haciz, Haciz.id == HacizInterest.haciz_id)
                                     .where(Haciz.lot_id == lot.id)
                                     .order_by(HacizInterest.start_date, HacizInterest.id))).all()
    payments = (await session.scalars(select(HacizPayment).join(Haciz, Haciz.id == HacizPayment.haciz_id)
                                      .where(Haciz.lot_id == lot.id)
                                      .order_by(HacizPayment.paid_on, HacizPayment.id))).all()
    taxes = (await session.scalars(select(AssetTax).where(AssetTax.lot_id == lot.id).order_by(AssetTax.id))).all()
    creditors = list((await session.scalars(
        select(Creditor).where(Creditor.case_id == sale.case_id).order_by(Creditor.id))).all())
    ids: dict[str, int] = {}
    omitted: list[Omission] = []
    # Lines in rank order (pledges by degree, the asset taxes, hacizler by date, takipsiz last) so that the
    # case and the cetvel read in the order the money goes; the engine ranks by the fields, input order only
    # breaks ties (then the file's registration order, the creditor id).
    rehin: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    haciz: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    for c in creditors:
        pledge, h = pledges.get(c.id), hacizler.get(c.id)
        case_id = creditor_id(c.id)
        if pledge is not None:
            rehin.append(((pledge.degree, c.id), {
                "id": case_id, "name": c.name, "kind": "rehin", "degree": pledge.degree,
                "limit": fmt(pledge.limit_amount), "claim": {"principal": fmt(pledge.claim_amount)}}))
        elif h is not None:
            haciz.append(((h.haciz_date is None, h.haciz_date or date.min, c.id),
                          haciz_line(c, h, [p for p in periods if p.haciz_id == h.id],
                                     [p for p in payments if p.haciz_id == h.id])))
        else:
            omitted.append(Omission(f"creditor:{c.id}", c.name, OMITTED_REASON))
            continue
        ids[case_id] = c.id
    payload["creditors"].extend(line for _, line in sorted(rehin, key=lambda x: x[0]))
    payload["creditors"].extend(tax_line(t) for t in taxes)
    payload["creditors"].extend(line for _, line in sorted(haciz, key=lambda x: x[0]))
    return FileCase(payload=payload, creditor_ids=ids, omitted=omitted)
