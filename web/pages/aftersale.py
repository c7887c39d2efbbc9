"""Pages after the award: the buyer pays with the SMS code and follows the sale on his won-lot page
(`/hesabim/kazandiklarim/{id}`, rendered by web/pages/account.py with `buyer_context`); staff see every
step on the sale's page (`/buro/satislar/{id}`, `data-testid="sale-status"`) with the finality and
handover actions. Forms post and redirect (303); the services do the work."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Form, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from auction.aftersale import fesih, finality, handover, payments, views
from auction.aftersale import refunds as payment_refunds
from auction.aftersale.payments import OTP_PURPOSE
from auction.aftersale.schemas import FinalityConfirm, HandoverCreate
from auction.errors import DomainError
from auction.lots.models import Lot
from auction.money import MoneyError, parse_money
from auction.otp.service import current as current_code
from auction.runtime import Runtime
from auction.sales.models import Sale, SaleStatus
from auction.settlement.models import PaymentState, SalePayment
from auction.settlement.statement import statement_for
from auction.users.models import User
from auction.users.principal import Principal
from web.deps import BidderUser, DbSession, RuntimeDep, StaffUser
from web.pages import aftersale_texts  # noqa: F401 - registers the texts
from web.pages.aftersale_texts import PAY_ERRORS
from web.templating import render

router = APIRouter()

_AFTER_AWARD = [s.value for s in (SaleStatus.awarded, SaleStatus.awaiting_finality_check, SaleStatus.final,
                                  SaleStatus.handover, SaleStatus.distributing, SaleStatus.closed,
                                  SaleStatus.annulled, SaleStatus.failed, SaleStatus.awaiting_round2)]


def _won_url(sale_id: int, **query: Any) -> str:
    q = "&".join(f"{k}={v}" for k, v in query.items() if v is not None)
    return f"/hesabim/kazandiklarim/{sale_id}" + (f"?{q}" if q else "") + "#odeme"


async def buyer_context(db: AsyncSession, runtime: Runtime, me: Principal, sale: Sale,
                        query: dict[str, str]) -> dict[str, Any]:
    """What the won-lot page shows after the award, besides the settlement table."""
    st = await statement_for(db, sale, runtime.policy)
    mine = await payments.payments_of(db, sale.id, me.user_id)
    awaiting = next((p for p in reversed(mine) if p.status == PaymentState.awaiting_code), None)
    code = await current_code(db, OTP_PURPOSE, awaiting.id) if awaiting is not None else None
    phone = await db.scalar(select(User.phone).where(User.id == me.user_id))
    error = query.get("hata")
    return {
        "st_now": st, "payments": mine, "awaiting": awaiting, "code": code, "phone": phone,
        "steps": await views.timeline(db, sale), "documents": await views.documents_for(db, me, sale),
        "pay_error": error if error in PAY_ERRORS else ("other" if error else None),
        "remaining": query.get("kalan"), "paid": query.get("odendi"), "pending": query.get("bekliyor"),
        "form_key": uuid.uuid4().hex,
    }


async def _own_sale(db: AsyncSession, me: Principal, sale_id: int) -> Sale:
    return await payments.buyer_sale(db, me, sale_id)


@router.post("/hesabim/kazandiklarim/{sale_id}/odeme")
async def start_payment(sale_id: int, db: DbSession, runtime: RuntimeDep, me: BidderUser,
                        amount: str = Form(..., max_length=32), key: str = Form("", max_length=64)) -> Response:
    try:
        value = parse_money(amount.replace(".", "").replace(",", ".") if "," in amount else amount)
        if value <= Decimal("0"):
            raise MoneyError("not positive")
    except MoneyError:
        return RedirectResponse(_won_url(sale_id, hata="amount_exceeds_due"), status_code=303)
    try:
        await _own_sale(db, me, sale_id)
        await payments.start(db, runtime, me, sale_id, value, key or None)
    except DomainError as exc:
        await db.rollback()  # nothing half-made survives (a payment whose code could not be sent)
        return RedirectResponse(_won_url(sale_id, hata=exc.code), status_code=303)
    return RedirectResponse(_won_url(sale_id), status_code=303)


@router.post("/hesabim/odemeler/{payment_id}/onay")
async def confirm_payment(payment_id: int, db: DbSession, runtime: RuntimeDep, me: BidderUser,
                          code: str = Form(..., max_length=16)) -> Response:
    payment = await db.get(SalePayment, payment_id)
    sale_id = payment.sale_id if payment is not None and payment.user_id == me.user_id else 0
    if not code.strip().isdigit():
        return RedirectResponse(_won_url(sale_id, hata="code_invalid"), status_code=303)
    try:
        result = await payments.confirm(db, runtime, me, payment_id, code)
    except DomainError as exc:
        await db.rollback()
        return RedirectResponse(_won_url(sale_id, hata=exc.code), status_code=303)
    if result.error is not None:
        # The counted try (or the cancellation) commits with this redirect.
        return RedirectResponse(_won_url(sale_id, hata=result.error.code,
                                         kalan=result.error.details.get("remaining_attempts")), status_code=303)
    if result.payment.status == PaymentState.pending:
        return RedirectResponse(_won_url(sale_id, bekliyor=payment_id), status_code=303)
    return RedirectResponse(_won_url(sale_id, odendi=payment_id), status_code=303)


@router.post("/hesabim/odemeler/{payment_id}/yeni-kod")
async def resend_code(payment_id: int, db: DbSession, runtime: RuntimeDep, me: BidderUser) -> Response:
    payment = await db.get(SalePayment, payment_id)
    sale_id = payment.sale_id if payment is not None and payment.user_id == me.user_id else 0
    try:
        await payments.resend(db, runtime, me, payment_id)
    except DomainError as exc:
        await db.rollback()
        return RedirectResponse(_won_url(sale_id, hata=exc.code), status_code=303)
    return RedirectResponse(_won_url(sale_id), status_code=303)


@router.get("/hesabim/kazandiklarim/{sale_id}/asamalar")
async def steps_fragment(request: Request, sale_id: int, db: DbSession, me: BidderUser) -> Response:
    """The status and the steps, for the page's periodic refresh (htmx)."""
    sale = await _own_sale(db, me, sale_id)
    return render(request, "aftersale/_steps.html", {"sale": sale, "steps": await views.timeline(db, sale),
                                                     "poll_url": f"/hesabim/kazandiklarim/{sale.id}/asamalar"},
                  headers={"Cache-Control": "no-store"})


# --- Staff -------------------------------------------------------------------------------------------------


@router.get("/buro/satislar")
async def staff_sales(request: Request, db: DbSession, actor: StaffUser) -> Response:
    stmt = (select(Sale, Lot.title).join(Lot, Lot.id == Sale.lot_id).where(Sale.price.is_not(None),
                                                                          Sale.status.in_(_AFTER_AWARD))
            .order_by(Sale.id.desc()).limit(200))
    if not actor.is_admin:
        stmt = stmt.where(Sale.office_id == actor.office_id)
    rows = (await db.execute(stmt)).all()
    return render(request, "aftersale/staff_sales.html", {"rows": rows})


@router.get("/buro/satislar/{sale_id}")
async def staff_sale(request: Request, sale_id: int, db: DbSession, runtime: RuntimeDep, actor: StaffUser,
                     kaydedildi: str | None = None, hata: str | None = None) -> Response:
    sale = await views.viewable_sale(db, actor, sale_id)
    lot = await db.get(Lot, sale.lot_id)
    buyer = await db.get(User, sale.winner_user_id) if sale.winner_user_id else None
    return render(request, "aftersale/staff_sale.html", {
        "sale": sale, "lot": lot, "buyer": buyer, "st": await statement_for(db, sale, runtime.policy)
        if sale.price is not None else None,
        "steps": await views.timeline(db, sale), "payments": await payments.payments_of(db, sale.id),
        "applications": await fesih.applications_of(db, sale.id),
        "refunds": await payment_refunds.refunds_of(db, sale.id),
        "documents": await views.documents_for(db, actor, sale), "handover": await views.handover_of(db, sale.id),
        "notice": "staff.sale.done" if kaydedildi else None, "error": hata,
        "poll_url": None}, headers={"Cache-Control": "no-store"})


@router.post("/buro/satislar/{sale_id}/kesinlestir")
async def staff_finality(sale_id: int, db: DbSession, runtime: RuntimeDep, actor: StaffUser,
                         note: str = Form("", max_length=2000)) -> Response:
    try:
        await finality.confirm(db, runtime, actor, sale_id, FinalityConfirm(note=note or None))
    except DomainError as exc:
        await db.rollback()
        return RedirectResponse(f"/buro/satislar/{sale_id}?hata={exc.code}", status_code=303)
    return RedirectResponse(f"/buro/satislar/{sale_id}?kaydedildi=1", status_code=303)


@router.post("/buro/satislar/{sale_id}/teslim")
async def staff_handover(sale_id: int, db: DbSession, runtime: RuntimeDep, actor: StaffUser,
                         mode: str = Form(..., max_length=20), note: str = Form("", max_length=2000)) -> Response:
    try:
        body = HandoverCreate.model_validate({"mode": mode, "note": note or None})
        await handover.record(db, runtime, actor, sale_id, body)
    except (DomainError, ValueError) as exc:
        await db.rollback()
        code = exc.code if isinstance(exc, DomainError) else "validation_error"
        return RedirectResponse(f"/buro/satislar/{sale_id}?hata={code}", status_code=303)
    return RedirectResponse(f"/buro/satislar/{sale_id}?kaydedildi=1", status_code=303)
