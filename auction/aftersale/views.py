"""What staff and the buyer see of a sale after the award: the steps S-09 … S-22 as a timeline (each with
its moment, its deadline and its rule), the payments, the documents and the refunds; the staff sale page's
list and view."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction.aftersale import documents, fesih
from auction.aftersale import refunds as payment_refunds
from auction.aftersale.models import FesihApplication, Handover, SaleDocument
from auction.aftersale.payments import payments_of
from auction.clock import iso_ms
from auction.errors import NotFound
from auction.lots.models import Lot
from auction.rules.policy import Policy
from auction.sales import reads as sales
from auction.sales.models import FesihStatus, PaymentStatus, Sale, SaleStatus, Tutanak
from auction.settlement.models import PaymentRefund, SalePayment
from auction.settlement.statement import Statement, statement_for
from auction.users.models import User
from auction.users.principal import Principal
from auction.users.scope import in_office

StepState = Literal["done", "current", "waiting", "failed", "skipped"]


@dataclass(frozen=True)
class Step:
    key: str
    rule: str
    state: StepState
    at: datetime | None = None  # when it happened
    due: datetime | None = None  # its deadline, while it runs
    detail: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "rule": self.rule, "state": self.state, "at": iso_ms(self.at) if self.at else None,
                "due": iso_ms(self.due) if self.due else None, "detail": self.detail}


async def viewable_sale(session: AsyncSession, actor: Principal, sale_id: int) -> Sale:
    """Staff of the office, or the buyer of the sale (the contract's "staff, and the winner")."""
    if actor.is_staff:
        return await sales.get_sale_for(session, actor, sale_id)
    sale = await sales.get_sale(session, sale_id)
    if sale.winner_user_id is not None and sale.winner_user_id == actor.user_id:
        return sale
    raise NotFound("Satış bulunamadı.", code="sale_not_found", details={"sale_id": sale_id})


async def timeline(session: AsyncSession, sale: Sale) -> list[Step]:
    if sale.price is None:
        return []
    status = SaleStatus(sale.status)
    steps: list[Step] = []
    posted = await session.scalar(select(Tutanak.posted_at).where(Tutanak.sale_id == sale.id,
                                                                  Tutanak.posted_at.is_not(None))
                                  .order_by(Tutanak.posted_at.desc()).limit(1))
    steps.append(Step("award", "S-09", "done", at=posted, detail={
        "ihale_date": sale.ihale_date.isoformat() if sale.ihale_date else None, "round": sale.awarded_round}))
    pay = PaymentStatus(sale.payment_status) if sale.payment_status else None
    pay_state: StepState = ("done" if pay == PaymentStatus.paid else "failed" if pay == PaymentStatus.defaulted
                            else "current" if status == SaleStatus.awarded else "skipped")
    steps.append(Step("payment", "S-12" if pay != PaymentStatus.defaulted else "S-13", pay_state, at=sale.paid_at,
                      due=sale.payment_due_at))
    apps = await fesih.applications_of(session, sale.id)
    fs = FesihStatus(sale.fesih_status) if sale.fesih_status else None
    f_state: StepState = {FesihStatus.window: "current", FesihStatus.none: "done", FesihStatus.pending: "current",
                          FesihStatus.rejected: "done"}.get(fs, "skipped") if fs else "skipped"  # type: ignore[assignment]
    if status == SaleStatus.annulled and sale.end_reason == "annulled_fesih":
        f_state = "failed"
    steps.append(Step("fesih", "S-14" if apps else "TM-17", f_state, due=sale.fesih_until,
                      detail={"status": sale.fesih_status, "applications": [
                          {"id": a.id, "applicant_kind": a.applicant_kind, "status": a.status,
                           "filed_on": a.filed_on.isoformat()} for a in apps]}))
    order = [SaleStatus.awarded, SaleStatus.awaiting_finality_check, SaleStatus.final, SaleStatus.handover,
             SaleStatus.distributing, SaleStatus.closed]
    rank = order.index(status) if status in order else -1
    ended = status in (SaleStatus.failed, SaleStatus.annulled, SaleStatus.awaiting_round2, SaleStatus.cancelled)
    # A defaulted award (S-13) has no later steps even while the sale goes on in round 2 (round_open …):
    # they belong to another award, not "waiting" for this one.
    lapsed = ended or pay == PaymentStatus.defaulted

    def state_for(step_rank: int, done_at: datetime | None) -> StepState:
        if done_at is not None or rank > step_rank:
            return "done"
        if rank == step_rank:
            return "current"
        return "skipped" if lapsed else "waiting"

    steps.append(Step("finality", "S-18", state_for(1, sale.finalised_at), at=sale.finalised_at,
                      due=sale.finality_alert_at))
    steps.append(Step("taxes", "S-19", state_for(2, sale.taxes_paid_at), at=sale.taxes_paid_at, due=sale.tax_due_at))
    steps.append(Step("handover", "S-21", state_for(3, sale.handed_over_at), at=sale.handed_over_at))
    steps.append(Step("distribution", "D-50", "current" if status == SaleStatus.distributing else
                      "done" if status == SaleStatus.closed else "skipped" if lapsed else "waiting"))
    if ended:
        steps.append(Step("end", {"failed": "S-13", "annulled": "S-16/S-20/S-22", "awaiting_round2": "S-13"}.get(
            status.value, "§12"), "failed", at=sale.closed_at or sale.updated_at,
            detail={"status": sale.status, "reason": sale.end_reason}))
    return steps


async def handover_of(session: AsyncSession, sale_id: int) -> Handover | None:
    return (await session.scalars(select(Handover).where(Handover.sale_id == sale_id))).first()


async def documents_for(session: AsyncSession, actor: Principal, sale: Sale) -> list[SaleDocument]:
    docs = await documents.documents_of(session, sale.id)
    if actor.is_staff:
        return docs
    return [d for d in docs if d.user_id == actor.user_id]


# --- The staff sale page ------------------------------------------------------------------------------------

AFTER_AWARD = (SaleStatus.awarded, SaleStatus.awaiting_finality_check, SaleStatus.final, SaleStatus.handover,
               SaleStatus.distributing, SaleStatus.closed, SaleStatus.annulled, SaleStatus.failed,
               SaleStatus.awaiting_round2)


async def awarded_sales(session: AsyncSession, actor: Principal, limit: int = 200) -> list[tuple[Sale, str]]:
    """The office's sales that reached an award, newest first, with the lot's title (an admin sees all)."""
    stmt = (select(Sale, Lot.title).join(Lot, Lot.id == Sale.lot_id)
            .where(Sale.price.is_not(None), Sale.status.in_([s.value for s in AFTER_AWARD]))
            .order_by(Sale.id.desc()).limit(limit))
    stmt = in_office(stmt, actor, Sale.office_id)
    return [(sale, title) for sale, title in (await session.execute(stmt)).all()]


@dataclass(frozen=True)
class StaffSale:
    sale: Sale
    lot: Lot
    buyer: User | None
    statement: Statement | None
    steps: list[Step]
    payments: list[SalePayment]
    applications: list[FesihApplication]
    refunds: list[PaymentRefund]
    documents: list[SaleDocument]
    handover: Handover | None


async def staff_sale(session: AsyncSession, policy: Policy, actor: Principal, sale_id: int) -> StaffSale:
    """Everything the staff sale page shows: the buyer, his statement, every step, payment, complaint, refund
    and document of the sale (staff of its office)."""
    sale = await viewable_sale(session, actor, sale_id)
    lot = await session.get(Lot, sale.lot_id)
    assert lot is not None
    return StaffSale(
        sale=sale, lot=lot, buyer=await session.get(User, sale.winner_user_id) if sale.winner_user_id else None,
        statement=await statement_for(session, sale, policy) if sale.price is not None else None,
        steps=await timeline(session, sale), payments=await payments_of(session, sale.id),
        applications=await fesih.applications_of(session, sale.id),
        refunds=await payment_refunds.refunds_of(session, sale.id),
        documents=await documents_for(session, actor, sale), handover=await handover_of(session, sale.id))
