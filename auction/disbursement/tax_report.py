"""The tax side of the office's sales (seed 000: the satış işlemleri bürosu files the KDV and damga
vergisi returns): per period, the KDV and damga vergisi the buyers paid, from the taxes payments already
recorded (`sale_payments`, purpose `taxes`, received), office-scoped (an admin sees every office).

A taxes payment carries KDV and damga together (A-90, T-01). Each payment is split in the proportion of
the sale's settlement (KDV : damga), cumulatively over the sale's taxes payments in order: the KDV part of
the first n payments is round-half-up(paid so far × KDV / (KDV + damga)), so partial payments split
without drift and the complete payment gives exactly the settlement's KDV and damga. A payment later
refunded (annulment, S-16) is no longer `received` and is left out: the report shows what the office
holds. The period is of local days (Europe/Istanbul), by the day the money was received.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction.calendar import local_date, local_datetime
from auction.cases.models import Case
from auction.disbursement.errors import PeriodInvalid
from auction.lots.models import Lot
from auction.money import ZERO, fmt, round_half_up
from auction.runtime import Runtime
from auction.sales.models import Sale
from auction.settlement.models import PaymentState, Purpose, SalePayment
from auction.settlement.service import settlement_for_sale
from auction.users.principal import Principal
from auction.users.scope import in_office

MAX_DAYS = 366


@dataclass(frozen=True)
class Row:
    sale_id: int
    file_no: str
    lot: str
    received_on: date
    reference: str
    amount: Decimal
    kdv_rate: Decimal
    kdv: Decimal
    damga: Decimal


@dataclass(frozen=True)
class Report:
    start: date
    end: date
    rows: list[Row]
    unsplit: list[dict[str, Any]]  # payments whose sale's settlement cannot be computed (T-09)

    @property
    def kdv(self) -> Decimal:
        return sum((r.kdv for r in self.rows), ZERO)

    @property
    def damga(self) -> Decimal:
        return sum((r.damga for r in self.rows), ZERO)

    def kdv_by_rate(self) -> list[tuple[Decimal, Decimal, Decimal]]:
        """(rate, KDV base = KDV / rate, KDV) per rate, for the return's lines."""
        out: dict[Decimal, Decimal] = {}
        for r in self.rows:
            out[r.kdv_rate] = out.get(r.kdv_rate, ZERO) + r.kdv
        return [(rate, round_half_up(k / rate) if rate > 0 else ZERO, k) for rate, k in sorted(out.items())]

    def to_json(self) -> dict[str, Any]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "kdv": fmt(self.kdv),
                "damga_vergisi": fmt(self.damga), "total": fmt(self.kdv + self.damga),
                "kdv_by_rate": [{"rate": str(rate), "base": fmt(b), "kdv": fmt(k)}
                                for rate, b, k in self.kdv_by_rate()],
                "payments": [{"sale_id": r.sale_id, "file_no": r.file_no, "lot": r.lot,
                              "received_on": r.received_on.isoformat(), "reference": r.reference,
                              "amount": fmt(r.amount), "kdv_rate": str(r.kdv_rate), "kdv": fmt(r.kdv),
                              "damga_vergisi": fmt(r.damga)} for r in self.rows],
                "unsplit": self.unsplit, "rules": ["T-01", "A-90"]}


def period(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """Default: the current month to today."""
    s = start or today.replace(day=1)
    e = end or today
    if e < s or (e - s).days >= MAX_DAYS:
        raise PeriodInvalid(details={"from": s.isoformat(), "to": e.isoformat()})
    return s, e


def split(paid_before: Decimal, amount: Decimal, kdv: Decimal, damga: Decimal) -> tuple[Decimal, Decimal]:
    """The KDV and damga parts of one taxes payment (cumulative, see the module docstring)."""
    total = kdv + damga
    if total <= ZERO:
        return ZERO, amount

    def kdv_of(paid: Decimal) -> Decimal:
        return min(kdv, round_half_up(min(paid, total) * kdv / total))

    k = kdv_of(paid_before + amount) - kdv_of(paid_before)
    return k, amount - k


async def report(session: AsyncSession, runtime: Runtime, actor: Principal, start: date, end: date) -> Report:
    lo = local_datetime(start, time(0, 0))
    hi = local_datetime(end + timedelta(days=1), time(0, 0))
    stmt = in_office(select(SalePayment).where(
        SalePayment.purpose == Purpose.taxes.value, SalePayment.status == PaymentState.received.value,
        SalePayment.received_at >= lo, SalePayment.received_at < hi), actor, SalePayment.office_id)
    in_period = list((await session.scalars(stmt.order_by(SalePayment.received_at, SalePayment.id))).all())
    rows: list[Row] = []
    unsplit: list[dict[str, Any]] = []
    by_sale: dict[int, list[SalePayment]] = {}
    for p in in_period:
        by_sale.setdefault(p.sale_id, []).append(p)
    for sale_id, payments in by_sale.items():
        sale = await session.get(Sale, sale_id)
        assert sale is not None
        st = await settlement_for_sale(session, sale, policy=runtime.policy)
        if st is None:
            unsplit.extend({"sale_id": sale_id, "reference": p.reference, "amount": fmt(p.amount)} for p in payments)
            continue
        case = await session.get(Case, sale.case_id)
        lot = await session.get(Lot, sale.lot_id)
        # Every received taxes payment of the sale, in order, so that the cumulative split is the same
        # whatever the period asked.
        every = list((await session.scalars(select(SalePayment).where(
            SalePayment.sale_id == sale_id, SalePayment.purpose == Purpose.taxes.value,
            SalePayment.status == PaymentState.received.value)
            .order_by(SalePayment.received_at, SalePayment.id))).all())
        wanted = {p.id for p in payments}
        paid = ZERO
        for p in every:
            k, d = split(paid, p.amount, st.kdv, st.damga_vergisi)
            paid += p.amount
            if p.id in wanted:
                assert p.received_at is not None
                rows.append(Row(sale_id=sale_id, file_no=case.file_no if case else "", lot=lot.title if lot else "",
                                received_on=local_date(p.received_at), reference=p.reference, amount=p.amount,
                                kdv_rate=st.kdv_rate, kdv=k, damga=d))
    rows.sort(key=lambda r: (r.received_on, r.sale_id, r.reference))
    return Report(start=start, end=end, rows=rows, unsplit=unsplit)


def to_csv(r: Report) -> str:
    """`;`-separated like the bank file: one line per payment, then the totals and one line per KDV rate."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\n")
    w.writerow(["tahsil_tarihi", "satis_no", "dosya_no", "mal", "odeme_ref", "tutar", "kdv_orani", "kdv",
                "damga_vergisi"])
    for x in r.rows:
        w.writerow([x.received_on.isoformat(), x.sale_id, x.file_no, x.lot, x.reference, fmt(x.amount),
                    str(x.kdv_rate), fmt(x.kdv), fmt(x.damga)])
    w.writerow(["TOPLAM", r.start.isoformat(), r.end.isoformat(), "", "", fmt(r.kdv + r.damga), "", fmt(r.kdv),
                fmt(r.damga)])
    for rate, base, k in r.kdv_by_rate():
        w.writerow(["KDV_ORANI", "", "", "", "", fmt(base), str(rate), fmt(k), ""])
    return buf.getvalue()
