"""S-13: the payment deadline passes unpaid (A-70 … A-72, D-60, TM-16).

One transaction per sale, claimed by the aftersale worker: the conditional transition (awarded, payment
due, deadline passed — a payment confirmed meanwhile holds the sale row and wins, see payments.py), then
- the teminat is forfeited: the sale costs first, the rest kept for the hak sahipleri (a `forfeitures`
  row the distribution shares later, OP-44);
- part payments are refunded (UNCERTAIN(OP-22): `default.refund_part_payments`, default true);
- an iptal tutanağı is written;
- round 2 runs on its announced dates when round 1 defaulted and round 2 has not started (A-71), else the
  sale ends (A-72: `sale.failed`);
- the defaulter is refused in that sale's later rounds (403 `bidder_barred`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction.aftersale import documents
from auction.aftersale import refunds as payment_refunds
from auction.aftersale.annulment import cancel_open_rounds, cancel_unconfirmed
from auction.aftersale.models import Forfeiture
from auction.audit import service as audit
from auction.bidding import eligibility
from auction.calendar import local_date
from auction.clock import iso_ms
from auction.deposits import buyer as buyer_teminat
from auction.events import service as events
from auction.lots.models import Lot, LotStatus
from auction.money import ZERO, fmt, fmt_tr
from auction.runtime import Runtime
from auction.sales import reads as sales
from auction.sales import state
from auction.sales.deadlines import sale_policy
from auction.sales.errors import InvalidTransition
from auction.sales.models import Round, RoundStatus, Sale, Tutanak
from auction.settlement.models import PaymentState, SalePayment
from auction.settlement.statement import statement_for


async def _round2(session: AsyncSession, sale_id: int) -> Round | None:
    stmt = select(Round).where(Round.sale_id == sale_id, Round.number == 2, Round.extension_of.is_(None))
    return (await session.scalars(stmt)).first()


async def awarded_artirma(session: AsyncSession, sale: Sale) -> int:
    """Which artırma the award came from (an outage extension belongs to the one it extends)."""
    rnd = (await session.scalars(select(Round).where(Round.sale_id == sale.id,
                                                     Round.number == (sale.awarded_round or 1)))).first()
    return rnd.artirma if rnd is not None else (sale.awarded_round or 1)


async def default(session: AsyncSession, runtime: Runtime, sale_id: int, now: datetime) -> bool:
    """Apply S-13 to a sale whose deadline passed. False when it no longer applies (paid meanwhile)."""
    sale = await sales.get_sale(session, sale_id)
    buyer = sale.winner_user_id
    if buyer is None:
        return False
    before = await statement_for(session, sale, runtime.policy)
    r2 = await _round2(session, sale.id)
    # rule: A-71 - a round-1 default leads to round 2 on its already announced dates (the A-21 guard makes
    # them later than this deadline); rule: A-72 - otherwise (round 2, or its dates passed) the sale ends.
    to_round2 = (await awarded_artirma(session, sale) == 1 and r2 is not None
                 and r2.status == RoundStatus.scheduled and r2.starts_at > now)
    try:
        if to_round2:
            await state.apply(session, sale.id, "default_to_round2", now=now)
        else:
            await state.apply(session, sale.id, "default_failed", now=now,
                              values={"closed_at": now, "end_reason": "payment_defaulted"})
    except InvalidTransition:
        return False
    await session.refresh(sale)
    # rule: A-70 - the teminat is not refunded: the satış masrafları first, the rest to the hak sahipleri.
    forfeited = await buyer_teminat.forfeit(session, sale.id, buyer, now)
    costs_left = sale.c_amount
    forfeits = []
    for deposit in forfeited:
        costs_part = min(deposit.amount, costs_left)
        costs_left -= costs_part
        row = Forfeiture(sale_id=sale.id, deposit_id=deposit.id, user_id=buyer, kind=deposit.kind,
                         amount=deposit.amount, costs_part=costs_part, rest_part=deposit.amount - costs_part,
                         status="held", created_at=now,
                         rules={"rules": ["A-70", "D-60", "OP-44"], "c_amount": fmt(sale.c_amount),
                                "forfeit.tahsil_rate": sale_policy(sale, runtime.policy, "forfeit.tahsil_rate").ref})
        session.add(row)
        forfeits.append(row)
    # UNCERTAIN(OP-22): part payments of the defaulter are refunded; only the teminat is forfeited.
    refund_policy = sale_policy(sale, runtime.policy, "default.refund_part_payments")
    part_payments = list((await session.scalars(select(SalePayment).where(
        SalePayment.sale_id == sale.id, SalePayment.user_id == buyer, SalePayment.purpose == "price",
        SalePayment.status == PaymentState.received.value).order_by(SalePayment.id))).all())
    refunded = []
    if refund_policy.value:
        for p in part_payments:
            if await payment_refunds.refund_payment(session, sale, p, reason="defaulted", now=now):
                refunded.append(p)
    await cancel_unconfirmed(session, sale.id, "defaulted", now)
    # The defaulter may not bid in this sale's later rounds.
    await eligibility.bar(session, sale, buyer, "ihale bedelini süresinde ödemedi (S-13, İİK 115/3)")
    lot = await session.get(Lot, sale.lot_id)
    assert lot is not None
    lot.status = (LotStatus.in_sale if to_round2 else LotStatus.appraised).value
    lot.updated_at = now
    if not to_round2:
        await cancel_open_rounds(session, sale.id, now)
    await session.flush()
    for row in forfeits:
        await session.refresh(row)
    await _iptal_tutanagi(session, sale, now, before_paid=before.price_paid if before else ZERO,
                          missing=before.price_due if before else ZERO, forfeits=forfeits, refunded=refunded,
                          r2=r2 if to_round2 else None, refund_ref=refund_policy.ref)
    payload = {
        "sale_id": sale.id, "lot_id": sale.lot_id, "buyer_user_id": buyer,
        "due_at": iso_ms(sale.payment_due_at) if sale.payment_due_at else None,
        "forfeited": fmt(sum((f.amount for f in forfeits), ZERO)),
        "refunded_part_payments": fmt(sum((p.amount for p in refunded), ZERO)),
        "next": "round2" if to_round2 else "failed",
        "round2_starts_at": iso_ms(r2.starts_at) if to_round2 and r2 is not None else None,
    }
    audit.record(session, "sale.defaulted", "sale", sale.id, office_id=sale.office_id,
                 data={**payload, "rule": "S-13", "forfeitures": [f.id for f in forfeits],
                       "op22": refund_policy.ref})
    events.emit(session, "payment.defaulted", payload, subject_type="sale", subject_id=sale.id,
                office_id=sale.office_id)
    if not to_round2:
        events.emit(session, "sale.failed", {"sale_id": sale.id, "lot_id": sale.lot_id, "reason": "payment_defaulted",
                                             "rule": "S-13"}, subject_type="sale", subject_id=sale.id,
                    office_id=sale.office_id)
    return True


async def _iptal_tutanagi(session: AsyncSession, sale: Sale, now: datetime, *, before_paid: object, missing: object,
                          forfeits: list[Forfeiture], refunded: list[SalePayment], r2: Round | None,
                          refund_ref: str) -> None:
    posted = await session.scalar(select(Tutanak.posted_at).where(Tutanak.sale_id == sale.id,
                                                                  Tutanak.posted_at.is_not(None))
                                  .order_by(Tutanak.posted_at.desc()).limit(1))
    data = await documents.base_data(session, sale, "iptal_tutanagi", now)
    data["default"] = {"posted_at": documents.local(posted), "due_at": documents.local(sale.payment_due_at),
                       "paid": documents.money(before_paid), "missing": documents.money(missing)}
    data["forfeits"] = [{"kind_text": "nakit" if f.kind == "cash" else "teminat mektubu",
                         "reference": f"#{f.deposit_id}",
                         "amount": fmt_tr(f.amount), "costs_part": fmt_tr(f.costs_part),
                         "rest_part": fmt_tr(f.rest_part)} for f in forfeits]
    data["refunds"] = [{"reference": p.reference, "amount": fmt_tr(p.amount)} for p in refunded]
    data["next_step"] = (
        f"Birinci artırmada alıcı ödeme yapmadığından ikinci artırma ilan edilen tarihte, "
        f"{documents.local(r2.starts_at)} – {documents.local(r2.scheduled_end)} arasında aynı şartlarla yapılacaktır "
        "(İcra ve İflas Kanunu'nun 115. maddesinin altıncı fıkrası)." if r2 is not None else
        "Satış sona ermiştir; alacaklı, satış isteme süresi içinde yeniden satış isteyebilir (İcra ve İflas "
        "Kanunu'nun 115. maddesinin yedinci fıkrası).")
    data["trail"]["rules"] = ["S-13", "A-70", "A-71" if r2 is not None else "A-72", "D-60", "OP-22", "OP-44", "TM-16"]
    data["trail"]["rows"] = [refund_ref, f"C={fmt(sale.c_amount)} (A-31)"]
    data["trail"]["records"].update({"forfeitures": ",".join(str(f.id) for f in forfeits),
                                     "refunded_payments": ",".join(str(p.id) for p in refunded),
                                     "deadline_local_day": local_date(sale.payment_due_at).isoformat()
                                     if sale.payment_due_at else None})
    await documents.issue(session, sale, "iptal_tutanagi", f"sale:{sale.id}:default:{sale.awarded_round}", data,
                          user_id=sale.winner_user_id, now=now)
