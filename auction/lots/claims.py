"""The claims on a lot besides its pledges: the file's hacizler with their claims, and the taxes on the asset
(docs/law/distribution-contract.md, "Fields"). The sıra cetveli of the lot's sale is built from them
(auction.cetvel.case_from_file), so they are checked here against what the engine accepts: a record the
engine would refuse is refused at entry (422 with every problem), not at the cetvel.

Interest: a period carries either a fixed yearly rate (what the creditor's takip talebi states, e.g. a
contractual or avans faizi rate) or "kanuni", the dated kanuni faiz table (T-40, auction/rules/data/
interest.toml) which the engine splits at every rate change (T-44). No other rate table exists yet, so a
rate of another kind (avans faizi, gecikme zammı) is entered as explicit periods with their rates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.audit import service as audit
from auction.calendar import local_date
from auction.cases import service as cases
from auction.cases.errors import AssetTaxInvalid, DuplicateHaciz, HacizInvalid, PledgeAndHaciz
from auction.cases.models import AssetTax, Haciz, HacizInterest, HacizKind, HacizPayment, Pledge
from auction.cases.schemas import AssetTaxCreate, HacizCreate
from auction.dbutil import insert_ignore
from auction.distribution.schema import DEFAULT_SIRA, KANUNI, MAX_RATE
from auction.lots.models import Lot
from auction.lots.service import get_lot_for
from auction.money import ZERO
from auction.users.principal import Principal

# Which dates and references each kind takes (the engine's own table, auction.distribution.schema): a field
# the kind does not take is refused rather than silently dropped from the cetvel.
_REQUIRED: dict[str, tuple[str, ...]] = {
    HacizKind.haciz: ("haciz_date", "takip_date"),
    HacizKind.ihtiyati_haciz: ("haciz_date", "takip_date"),
    HacizKind.kamu_haczi: ("haciz_date",),
    HacizKind.takipsiz: ("joins_creditor_id", "sira"),
}
_NOT_TAKEN: dict[str, tuple[str, ...]] = {
    HacizKind.haciz: ("joins_creditor_id",),
    HacizKind.ihtiyati_haciz: ("joins_creditor_id",),
    HacizKind.kamu_haczi: ("takip_date", "document_date", "sira", "joins_creditor_id"),
    HacizKind.takipsiz: ("haciz_date", "takip_date", "document_date"),
}
# A takipsiz creditor joins the derece of a creditor placed by its own haciz (İİK 101).
_JOINABLE = frozenset({HacizKind.haciz, HacizKind.ihtiyati_haciz, HacizKind.kamu_haczi})
# Which asset each tax is on: emlak vergisi on a taşınmaz, MTV on a vehicle.
_TAX_ASSET: dict[str, tuple[str, str | None]] = {"emlak_vergisi": ("tasinmaz", None), "mtv": ("tasinir", "arac")}


@dataclass(frozen=True)
class HacizRecord:
    haciz: Haciz
    interest: list[HacizInterest]
    payments: list[HacizPayment]

    def view(self) -> dict[str, Any]:
        h = self.haciz
        return {
            "id": h.id, "lot_id": h.lot_id, "creditor_id": h.creditor_id, "kind": h.kind,
            "haciz_date": h.haciz_date, "takip_date": h.takip_date, "document_date": h.document_date,
            "sira": h.sira, "joins_creditor_id": h.joins_creditor_id, "principal": h.principal,
            "interest_accrued": h.interest_accrued, "costs": h.costs, "vekalet_ucreti": h.vekalet_ucreti,
            "interest": [{"start": p.start_date, "end": p.end_date, "rate": period_rate(p)} for p in self.interest],
            "payments": [{"paid_on": p.paid_on, "amount": p.amount} for p in self.payments],
            "imputation": h.imputation,
        }


def period_rate(p: HacizInterest) -> str:
    """The period's rate as the contract writes it: a decimal string, or "kanuni"."""
    if p.rate_table is not None:
        return p.rate_table
    assert p.rate is not None
    return str(p.rate)


def parse_rate(raw: str) -> Decimal | str | None:
    """A fixed rate within the engine's bounds (0 … 10, i.e. up to 1000 % a year), or "kanuni"; None when
    it is neither."""
    text = raw.strip()
    if text == KANUNI:
        return KANUNI
    try:
        d = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if not d.is_finite() or d < 0 or d > MAX_RATE or d != d.quantize(Decimal("0.000001")):
        return None
    return d


def haciz_problems(data: HacizCreate, today: date) -> list[dict[str, Any]]:
    """What the engine (or the law behind it) would refuse in this record, each with its field and code.
    Pure: the references to other records are checked by `add_haciz`."""
    problems: list[dict[str, Any]] = []

    def problem(path: str, code: str) -> None:
        problems.append({"path": path, "code": code})

    for name in _REQUIRED[data.kind]:
        if getattr(data, name) is None:
            problem(name, "required")
    for name in _NOT_TAKEN[data.kind]:
        if getattr(data, name) is not None:
            problem(name, "not_for_kind")
    for name in ("haciz_date", "takip_date", "document_date"):
        day = getattr(data, name)
        if day is not None and day > today:
            problem(name, "in_future")
    if data.sira is not None and not 1 <= data.sira <= 4:
        problem("sira", "out_of_range")
    if data.principal <= ZERO:
        problem("principal", "not_positive")
    for i, period in enumerate(data.interest):
        if parse_rate(period.rate) is None:
            problem(f"interest[{i}].rate", "invalid_rate")
        if period.end is not None and period.end <= period.start:
            problem(f"interest[{i}].end", "not_after_start")
        if period.start > today:
            problem(f"interest[{i}].start", "in_future")
    # Interest runs on the principal once (contract, "Conventions"): two periods over the same days would
    # charge it twice. `end` is exclusive, so a period may start on the day the one before it ends.
    spans = sorted(((p.start, p.end, i) for i, p in enumerate(data.interest) if p.end is None or p.end > p.start),
                   key=lambda span: (span[0], span[2]))
    for (_, end, _), (start, _, i) in pairwise(spans):
        if end is None or end > start:
            problem(f"interest[{i}].start", "overlaps")
    for i, payment in enumerate(data.payments):
        if payment.paid_on > today:
            problem(f"payments[{i}].paid_on", "in_future")
        if payment.amount <= ZERO:
            problem(f"payments[{i}].amount", "not_positive")
    return problems


async def _pledge_on(session: AsyncSession, lot_id: int, creditor_id: int) -> bool:
    return await session.scalar(select(Pledge.id).where(Pledge.lot_id == lot_id, Pledge.creditor_id == creditor_id)) \
        is not None


async def add_haciz(session: AsyncSession, actor: Principal, lot_id: int, data: HacizCreate) -> HacizRecord:
    """Record a creditor's haciz on the lot and its claim. 422 `haciz_invalid` lists every problem; 409 when
    the creditor already has a haciz or a pledge on this lot (it would be two lines of one creditor)."""
    lot = await get_lot_for(session, actor, lot_id)
    creditor = await cases.get_creditor(session, lot.case_id, data.creditor_id)
    problems = haciz_problems(data, local_date(clock.now()))
    if data.joins_creditor_id is not None:
        joined = await session.scalar(select(Haciz).where(Haciz.lot_id == lot.id,
                                                          Haciz.creditor_id == data.joins_creditor_id))
        if data.joins_creditor_id == creditor.id:
            problems.append({"path": "joins_creditor_id", "code": "joins_itself"})
        elif joined is None or joined.kind not in _JOINABLE:
            # Only a creditor of this file with its own haciz on this lot has a derece to join.
            problems.append({"path": "joins_creditor_id", "code": "not_a_haciz_creditor_of_lot"})
    if problems:
        raise HacizInvalid(details={"problems": problems})
    if await _pledge_on(session, lot.id, creditor.id):
        raise PledgeAndHaciz(details={"lot_id": lot.id, "creditor_id": creditor.id})
    now = clock.now()
    sira = data.sira if data.sira is not None or data.kind == HacizKind.kamu_haczi else DEFAULT_SIRA
    haciz_id = await insert_ignore(session, Haciz, {
        "lot_id": lot.id, "creditor_id": creditor.id, "kind": data.kind, "haciz_date": data.haciz_date,
        "takip_date": data.takip_date, "document_date": data.document_date, "sira": sira,
        "joins_creditor_id": data.joins_creditor_id, "principal": data.principal,
        "interest_accrued": data.interest_accrued, "costs": data.costs, "vekalet_ucreti": data.vekalet_ucreti,
        "imputation": data.imputation, "created_at": now, "updated_at": now}, ["lot_id", "creditor_id"])
    if haciz_id is None:
        raise DuplicateHaciz(details={"lot_id": lot.id, "creditor_id": creditor.id})
    periods = []
    for p in data.interest:
        rate = parse_rate(p.rate)
        periods.append(HacizInterest(haciz_id=haciz_id, start_date=p.start, end_date=p.end,
                                     rate=rate if isinstance(rate, Decimal) else None,
                                     rate_table=rate if isinstance(rate, str) else None))
    payments = [HacizPayment(haciz_id=haciz_id, paid_on=p.paid_on, amount=p.amount) for p in data.payments]
    session.add_all([*periods, *payments])
    await session.flush()
    haciz = await session.get(Haciz, haciz_id)
    assert haciz is not None
    record = HacizRecord(haciz, periods, payments)
    # The record as entered, dates and amounts as strings (the audit data is JSON).
    audit.record(session, "haciz.added", "lot", lot.id, actor=actor, office_id=lot.office_id,
                 data={"haciz_id": haciz_id, **data.model_dump(mode="json"), "sira": sira})
    return record


async def list_hacizler(session: AsyncSession, lot_id: int) -> list[HacizRecord]:
    """The lot's hacizler by haciz date (a takipsiz one, which has none, after them), each with its claim."""
    hacizler = list((await session.scalars(select(Haciz).where(Haciz.lot_id == lot_id).order_by(Haciz.id))).all())
    if not hacizler:
        return []
    ids = [h.id for h in hacizler]
    periods = (await session.scalars(select(HacizInterest).where(HacizInterest.haciz_id.in_(ids))
                                     .order_by(HacizInterest.start_date, HacizInterest.id))).all()
    payments = (await session.scalars(select(HacizPayment).where(HacizPayment.haciz_id.in_(ids))
                                      .order_by(HacizPayment.paid_on, HacizPayment.id))).all()
    hacizler.sort(key=lambda h: (h.haciz_date is None, h.haciz_date or date.min, h.id))
    return [HacizRecord(h, [p for p in periods if p.haciz_id == h.id], [p for p in payments if p.haciz_id == h.id])
            for h in hacizler]


def tax_problems(lot: Lot, data: AssetTaxCreate) -> list[dict[str, Any]]:
    problems: list[dict[str, Any]] = []
    kind, use = _TAX_ASSET[data.tax]
    if lot.kind != kind or (use is not None and lot.use != use):
        problems.append({"path": "tax", "code": "not_for_asset"})
    if data.amount <= ZERO:
        problems.append({"path": "amount", "code": "not_positive"})
    return problems


async def add_asset_tax(session: AsyncSession, actor: Principal, lot_id: int, data: AssetTaxCreate) -> AssetTax:
    """Record a tax on the asset (emlak vergisi, MTV) to be paid from the price after the pledges."""
    lot = await get_lot_for(session, actor, lot_id)
    problems = tax_problems(lot, data)
    if problems:
        raise AssetTaxInvalid(details={"problems": problems})
    now = clock.now()
    tax = AssetTax(lot_id=lot.id, tax=data.tax, authority=data.authority, amount=data.amount,
                   created_at=now, updated_at=now)
    session.add(tax)
    await session.flush()
    audit.record(session, "asset_tax.added", "lot", lot.id, actor=actor, office_id=lot.office_id,
                 data={"asset_tax_id": tax.id, "tax": tax.tax, "authority": tax.authority, "amount": str(tax.amount)})
    return tax


async def list_asset_taxes(session: AsyncSession, lot_id: int) -> list[AssetTax]:
    return list((await session.scalars(select(AssetTax).where(AssetTax.lot_id == lot_id).order_by(AssetTax.id))).all())
