"""Pages after the award: the buyer pays with the SMS code and follows the sale on his won-lot page
(`/hesabim/kazandiklarim/{id}`, rendered by web/pages/account.py with `buyer_context`); staff see every
step on the desk's sale page (web/pages/desk_sale.py, `/staff/sales/{id}`). Forms post and redirect (303);
the services do the work."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Form, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from auction.aftersale import payments, views
from auction.bidder.won import after_award
from auction.errors import DomainError
from auction.money import MoneyError, parse_typed_money
from auction.runtime import Runtime
from auction.sales.models import Sale
from auction.settlement.models import PaymentState
from auction.users.principal import Principal
from web.deps import BidderUser, DbSession, OtpConfirmLimit, OtpSendLimit, RuntimeDep
from web.params import Id
from web.templating import render

router = APIRouter()

# The refusals the pay and code forms explain in their own words (web/messages/aftersale.toml,
# `after.pay.err.*`); any other code reads "other".
PAY_ERRORS = ("code_invalid", "code_expired", "code_exhausted", "code_used", "payment_cancelled",
              "payment_already_confirmed", "payment_deadline_passed", "amount_exceeds_due", "nothing_due",
              "phone_required", "too_many_codes", "rate_limited", "other")


def _won_url(sale_id: Id, **query: Any) -> str:
    q = "&".join(f"{k}={v}" for k, v in query.items() if v is not None)
    return f"/hesabim/kazandiklarim/{sale_id}" + (f"?{q}" if q else "") + "#odeme"


async def buyer_context(db: AsyncSession, runtime: Runtime, me: Principal, sale: Sale,
                        query: dict[str, str]) -> dict[str, Any]:
    """What the won-lot page shows after the award, besides the settlement table."""
    after = await after_award(db, runtime.policy, me, sale)
    error = query.get("hata")
    return {
        "st_now": after.statement, "payments": after.payments, "awaiting": after.awaiting, "code": after.code,
        "phone": after.phone, "steps": after.steps, "documents": after.documents, "period": after.period,
        "default": after.default,
        "pay_error": error if error in PAY_ERRORS else ("other" if error else None),
        "remaining": query.get("kalan"), "paid": query.get("odendi"), "pending": query.get("bekliyor"),
        "form_key": uuid.uuid4().hex,
    }


async def _own_sale(db: AsyncSession, me: Principal, sale_id: Id) -> Sale:
    return await payments.buyer_sale(db, me, sale_id)


@router.post("/hesabim/kazandiklarim/{sale_id}/odeme")
async def start_payment(sale_id: Id, db: DbSession, runtime: RuntimeDep, me: BidderUser, _limit: OtpSendLimit,
                        amount: str = Form(..., max_length=32), key: str = Form("", max_length=64)) -> Response:
    try:
        value = parse_typed_money(amount)
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
async def confirm_payment(payment_id: Id, db: DbSession, runtime: RuntimeDep, me: BidderUser,
                          _limit: OtpConfirmLimit, code: str = Form(..., max_length=16)) -> Response:
    sale_id = await payments.sale_of_payment(db, me, payment_id) or 0
    if not (code.strip().isascii() and code.strip().isdigit()):
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
async def resend_code(payment_id: Id, db: DbSession, runtime: RuntimeDep, me: BidderUser,
                      _limit: OtpSendLimit) -> Response:
    sale_id = await payments.sale_of_payment(db, me, payment_id) or 0
    try:
        await payments.resend(db, runtime, me, payment_id)
    except DomainError as exc:
        await db.rollback()
        return RedirectResponse(_won_url(sale_id, hata=exc.code), status_code=303)
    return RedirectResponse(_won_url(sale_id), status_code=303)


@router.get("/hesabim/kazandiklarim/{sale_id}/asamalar")
async def steps_fragment(request: Request, sale_id: Id, db: DbSession, me: BidderUser) -> Response:
    """The status and the steps, for the page's periodic refresh (htmx)."""
    sale = await _own_sale(db, me, sale_id)
    return render(request, "aftersale/_steps.html", {"sale": sale, "steps": await views.timeline(db, sale),
                                                     "poll_url": f"/hesabim/kazandiklarim/{sale.id}/asamalar"},
                  headers={"Cache-Control": "no-store"})
