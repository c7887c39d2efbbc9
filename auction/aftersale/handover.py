"""Tescil and teslim (S-19 … S-22; A-90 … A-94; TM-21) and the hand-over to the distribution.

- S-19 (`start`, when the KDV and damga are paid): the handover record; for a taşınmaz the letter to the
  tapu with the İİK 144/4 deletions (the pledges on the lot; hacizler), for a taşınır a teslim tutanağı
  once the goods are delivered or ready.
- TM-21 (`tahliye`): the borçlu or an occupant without an earlier official document gets a 15-day
  tahliye emri (A-93); recorded with its deadline.
- S-21 (`record`, `POST /sales/{id}/handover`): the tapu letter sent, or the goods delivered / "teslime
  hazır" (A-94): the proceeds become distributable; the sale moves to `distributing` and `handoff` writes
  the hand-over point for the distribution (the internal outbox event `sale.distributing`; the
  distribution issue builds the cetvel from it and emits `distribution.ready`).
- S-20 / S-22 (`annul_for`): the müdür cancels the ihale for unpaid taxes after the muhtıra period, or
  because handover is impossible (İİK 134/9); everything goes back to the buyer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.aftersale import documents
from auction.aftersale.annulment import annul
from auction.aftersale.errors import DeadlineNotPassed, TaxesUnpaid
from auction.aftersale.models import Forfeiture, Handover
from auction.audit import service as audit
from auction.cases.models import Creditor, Pledge
from auction.clock import iso_ms
from auction.dbutil import insert_ignore
from auction.deposits import buyer as buyer_teminat
from auction.disbursement import versions as cetvel_versions
from auction.errors import Conflict
from auction.events import service as events
from auction.lots.models import Lot, LotKind
from auction.money import ZERO, fmt, fmt_tr
from auction.runtime import Runtime
from auction.sales import deadlines, state
from auction.sales import reads as sales
from auction.sales.errors import ManagerRequired
from auction.sales.models import Sale, SaleStatus
from auction.settlement.models import PaymentState, SalePayment
from auction.users.models import Role
from auction.users.principal import Principal, requires_role

from .schemas import AnnulCreate, HandoverCreate, TahliyeCreate

WHO = {"borclu": "borçlu", "third_party": "taşınmazı resmi bir belgeye dayanmadan kullanan kişi"}


async def _handover_of(session: AsyncSession, sale_id: int) -> Handover | None:
    return (await session.scalars(select(Handover).where(Handover.sale_id == sale_id)
                                  .execution_options(populate_existing=True))).first()


async def start(session: AsyncSession, runtime: Runtime, sale: Sale, now: datetime) -> Handover:
    """S-19 side effects: the handover record and, for a taşınmaz, the tapu letter (drafted now, sent by
    staff with `record`)."""
    lot = await session.get(Lot, sale.lot_id)
    assert lot is not None
    kind = "tescil" if lot.kind == LotKind.tasinmaz else "teslim"
    await insert_ignore(session, Handover, {"sale_id": sale.id, "kind": kind, "created_at": now, "updated_at": now},
                        ["sale_id"])
    h = await _handover_of(session, sale.id)
    assert h is not None
    if kind == "tescil":
        await _tapu_letter(session, sale, lot, h, now)
    audit.record(session, "sale.handover_started", "sale", sale.id, office_id=sale.office_id,
                 data={"rule": "S-19", "kind": kind})
    events.emit(session, "sale.handover", {"sale_id": sale.id, "lot_id": sale.lot_id, "kind": kind,
                                           "buyer_user_id": sale.winner_user_id}, subject_type="sale",
                subject_id=sale.id, office_id=sale.office_id)
    return h


def _finality_part(sale: Sale) -> dict[str, Any]:
    return {"final_at": documents.local(sale.finalised_at)}


async def _tapu_letter(session: AsyncSession, sale: Sale, lot: Lot, h: Handover, now: datetime) -> None:
    pledges = (await session.execute(select(Pledge, Creditor.name).join(Creditor, Creditor.id == Pledge.creditor_id)
                                     .where(Pledge.lot_id == lot.id).order_by(Pledge.degree, Pledge.id))).all()
    data = await documents.base_data(session, sale, "tapu_yazisi", now)
    data["finality"] = _finality_part(sale)
    data["tapu"] = {
        "registry": f"{lot.district or ''} Tapu Müdürlüğü".strip(),
        "place": " / ".join(x for x in (lot.province, lot.district) if x) or "—",
        "ada": lot.ada or "—", "parsel": lot.parsel or "—",
        # rule: A-92 (İİK 144/4) - the charges, servitudes and mortgages are deleted or transferred.
        "deletions": [{"what": f"{p.degree}. derece ipotek", "holder": name, "degree": p.degree,
                       "limit": fmt_tr(p.limit_amount)} for p, name in pledges],
    }
    data["tahliye"] = ({"who": WHO[h.occupied_by], "served_at": documents.local(h.tahliye_served_at),
                        "until": documents.local(h.tahliye_until)} if h.occupied_by else None)
    data["trail"]["rules"] = ["S-19", "A-90", "A-92", "A-93"]
    data["trail"]["records"].update({"pledges": ",".join(str(p.id) for p, _ in pledges) or "—"})
    await documents.issue(session, sale, "tapu_yazisi", f"sale:{sale.id}:{'t' if h.occupied_by else 'n'}", data,
                          user_id=sale.winner_user_id, now=now)


async def tahliye(session: AsyncSession, runtime: Runtime, actor: Principal, sale_id: int,
                  body: TahliyeCreate) -> Handover:
    """TM-21 (A-93): the tahliye emri, 15 days from service; the tapu letter mentions it."""
    sale = await sales.get_sale_for(session, actor, sale_id)
    lot = await session.get(Lot, sale.lot_id)
    assert lot is not None
    if sale.status not in (SaleStatus.handover, SaleStatus.distributing) or lot.kind != LotKind.tasinmaz:
        raise Conflict("Tahliye emri, kesinleşip vergileri ödenmiş bir taşınmaz satışında verilir (İİK 135/2).",
                       code="invalid_state", details={"status": sale.status})
    h = await _handover_of(session, sale.id)
    assert h is not None
    now = clock.now()
    served = body.served_at or now
    h.occupied_by = body.occupied_by
    h.tahliye_served_at = served
    h.tahliye_until = deadlines.tahliye_until(sale, served, runtime.policy)
    h.updated_at = now
    await session.flush()
    data = await documents.base_data(session, sale, "tahliye_emri", now)
    data["finality"] = _finality_part(sale)
    data["tahliye"] = {"who": WHO[body.occupied_by], "served_at": documents.local(served),
                       "until": documents.local(h.tahliye_until)}
    data["trail"]["rules"] = ["A-93", "TM-21"]
    data["trail"]["rows"] = [deadlines.sale_rule(sale, "tahliye.days").ref]
    await documents.issue(session, sale, "tahliye_emri", f"sale:{sale.id}", data, user_id=sale.winner_user_id,
                          now=now)
    await _tapu_letter(session, sale, lot, h, now)
    audit.record(session, "sale.tahliye", "sale", sale.id, actor=actor, office_id=sale.office_id, data={
        "rule": "A-93", "occupied_by": body.occupied_by, "served_at": iso_ms(served),
        "until": iso_ms(h.tahliye_until), "note": body.note})
    return h


async def record(session: AsyncSession, runtime: Runtime, actor: Principal, sale_id: int,
                 body: HandoverCreate) -> Sale:
    """S-21 (`POST /sales/{id}/handover`, staff)."""
    sale = await sales.get_sale_for(session, actor, sale_id)
    if sale.status == SaleStatus.final:
        raise TaxesUnpaid(details={"tax_due_at": iso_ms(sale.tax_due_at) if sale.tax_due_at else None})
    lot = await session.get(Lot, sale.lot_id)
    assert lot is not None
    allowed = ("tapu_letter_sent",) if lot.kind == LotKind.tasinmaz else ("delivered", "ready")
    if body.mode not in allowed:
        raise Conflict("Bu mal için geçerli teslim biçimi: " + ", ".join(allowed) + ".", code="handover_mode",
                       details={"allowed": list(allowed)})
    now = clock.now()
    at = body.at or now
    await state.apply(session, sale.id, "handed_over", now=now, values={"handed_over_at": at})
    await session.refresh(sale)
    h = await _handover_of(session, sale.id)
    assert h is not None
    h.mode = body.mode
    h.at = at
    h.recorded_by = actor.user_id
    h.note = body.note
    h.updated_at = now
    if lot.kind != LotKind.tasinmaz:
        data = await documents.base_data(session, sale, "teslim_tutanagi", now)
        data["finality"] = _finality_part(sale)
        data["teslim"] = {
            "plate": lot.plate or lot.serial_no, "at": documents.local(at),
            "mode_text": "teslim edildi" if body.mode == "delivered" else "teslime hazır (alıcının almasına hazır)",
            "mode_verb": "teslim edilmiştir" if body.mode == "delivered" else "teslime hazır hale getirilmiştir",
            "registry_note": ("Aracın alıcı adına tescili için trafik tescil kuruluşuna yazı yazılır; tescil ve "
                              "plaka giderleri alıcıya aittir (T-12)." if lot.use == "arac" else None),
        }
        data["trail"]["rules"] = ["S-21", "A-92", "A-94", "T-12"]
        await documents.issue(session, sale, "teslim_tutanagi", f"sale:{sale.id}", data, user_id=sale.winner_user_id,
                              now=now)
    audit.record(session, "sale.handed_over", "sale", sale.id, actor=actor, office_id=sale.office_id, data={
        "rule": "S-21", "mode": body.mode, "at": iso_ms(at), "note": body.note})
    await handoff(session, sale, now)
    # S-21 → D-50: the draft sıra cetveli of the sale, built by the system (docs/distribution.md).
    await cetvel_versions.on_handover(session, runtime, sale)
    return sale


async def handoff(session: AsyncSession, sale: Sale, now: datetime) -> dict[str, Any]:
    """The hand-over point to the distribution (A-94 → D-50): what the proceeds of this sale are, written
    as the internal outbox event `sale.distributing` in the transaction that moves the sale to
    `distributing`. The distribution issue consumes it (or calls `handoff_payload`) to build the sıra
    cetveli from the file (auction.cetvel.case_from_file) and emit `distribution.ready`."""
    payload = await handoff_payload(session, sale)
    audit.record(session, "distribution.handoff", "sale", sale.id, office_id=sale.office_id, data=payload)
    events.emit(session, "sale.distributing", payload, subject_type="sale", subject_id=sale.id,
                office_id=sale.office_id)
    return payload


async def handoff_payload(session: AsyncSession, sale: Sale) -> dict[str, Any]:
    paid: Any = await session.scalar(select(func.sum(SalePayment.amount)).where(
        SalePayment.sale_id == sale.id, SalePayment.purpose == "price",
        SalePayment.status == PaymentState.received.value))
    nema = await session.scalar(select(func.count(SalePayment.id)).where(
        SalePayment.sale_id == sale.id, SalePayment.nema.is_(True), SalePayment.status == PaymentState.received.value))
    forfeits = list((await session.scalars(select(Forfeiture).where(Forfeiture.sale_id == sale.id,
                                                                     Forfeiture.status == "held"))).all())
    credit = await buyer_teminat.credit(session, sale.id, sale.winner_user_id)
    return {
        "sale_id": sale.id, "lot_id": sale.lot_id, "case_id": sale.case_id, "price": fmt(sale.price or ZERO),
        "ihale_date": sale.ihale_date.isoformat() if sale.ihale_date else None,
        "paid_in_at": iso_ms(sale.paid_at) if sale.paid_at else None, "cash_received": fmt(paid or ZERO),
        "teminat_applied": fmt(credit), "held_with_nema": bool(nema),
        "forfeited_teminat_held": [{"forfeiture_id": f.id, "sale_id": f.sale_id, "amount": fmt(f.amount),
                                    "costs_part": fmt(f.costs_part), "rest_part": fmt(f.rest_part)} for f in forfeits],
        "handed_over_at": iso_ms(sale.handed_over_at) if sale.handed_over_at else None,
    }


@requires_role(Role.manager, Role.admin, error=ManagerRequired)
async def annul_for(session: AsyncSession, runtime: Runtime, actor: Principal, sale_id: int,
                    body: AnnulCreate) -> Sale:
    """S-20 (taxes unpaid after the muhtıra period, OP-26) or S-22 (handover impossible, İİK 134/9): a
    müdür decision; the price (and whatever else the buyer paid) is refunded, the teminat too."""
    sale = await sales.get_sale_for(session, actor, sale_id)
    now = clock.now()
    if body.reason == "taxes_unpaid":
        if sale.status == SaleStatus.final and sale.tax_due_at is not None and now < sale.tax_due_at:
            raise DeadlineNotPassed(details={"tax_due_at": iso_ms(sale.tax_due_at)})
        # UNCERTAIN(OP-26): the price is refunded; the teminat is not forfeited.
        await annul(session, sale, event="tax_default_annulled", reason="taxes_unpaid", actor=actor, now=now,
                    note=body.note)
    else:
        await annul(session, sale, event="handover_impossible", reason="handover_impossible", actor=actor, now=now,
                    note=body.note)
    await session.refresh(sale)
    return sale
