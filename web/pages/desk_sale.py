"""One sale on the desk (`/staff/sales/{id}`, docs/desk.md): its record, rounds, tutanaks, teminat and
steps after the award, with a form for every decision open on it. Each form states the rule it applies,
asks for an explicit confirmation, and posts to a route that calls the same service function as the API;
the answer is a redirect (303) back to the page with what was done or the refusal's code. The old
`/buro/satislar` addresses redirect here (308)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Form, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from auction import clock
from auction.aftersale import finality, handover
from auction.aftersale.schemas import FinalityConfirm, HandoverCreate
from auction.bidding import eligibility
from auction.calendar import ISTANBUL
from auction.deposits import service as deposits
from auction.deposits.schemas import ExemptionCreate, MektupCreate
from auction.desk import audit_log
from auction.desk import cancel as cancellation
from auction.desk import sale as desk
from auction.errors import DomainError
from auction.sales import outage, reads, threshold, tutanak
from auction.sales.schemas import CancelSale, OutageExtensionCreate, OutageReview, ThresholdUpdate
from web.deps import DbSession, ManagerUser, RuntimeDep, StaffUser
from web.pages.common import is_htmx
from web.params import Id
from web.templating import render

router = APIRouter()

# The decisions of the page (the forms' keys, `desk.decision.<key>` and `desk.done.<key>` in the texts).
DECISIONS = ("outage_review", "tutanak_post", "outage_extension", "threshold", "mektup", "exemption", "exclusion",
             "cancel", "finality", "handover")
# What the page confirms after a redirect (`desk.done.<key>`): its own decisions and the sale decision taken
# on the file's page (web/pages/desk_files.py).
DONE = (*DECISIONS, "sale_decided")


def _page(sale_id: Id, **query: str) -> str:
    q = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/staff/sales/{sale_id}" + (f"?{q}" if q else "")


async def _decide(db: DbSession, sale_id: Id, key: str, confirm: str, act: Callable[[], Awaitable[Any]]) -> Response:
    """Run one decision: refused without the confirmation; a refusal rolls back and names its code."""
    if confirm != "1":
        return RedirectResponse(_page(sale_id, hata="confirm_required"), status_code=303)
    try:
        await act()
    except DomainError as exc:
        await db.rollback()
        return RedirectResponse(_page(sale_id, hata=exc.code), status_code=303)
    except (ValidationError, ValueError):
        await db.rollback()
        return RedirectResponse(_page(sale_id, hata="validation_error"), status_code=303)
    return RedirectResponse(_page(sale_id, kaydedildi=key), status_code=303)


def _money(value: str) -> str:
    """A figure as typed on a Turkish page ("1.234.567,89") or plainly ("1234567.89")."""
    value = value.strip().replace(" ", "")
    return value.replace(".", "").replace(",", ".") if "," in value else value


@router.get("/staff/sales")
async def sales_list(request: Request, db: DbSession, actor: StaffUser) -> Response:
    return render(request, "desk/sales.html", {"rows": await desk.office_sales(db, actor)})


@router.get("/staff/sales/{sale_id}")
async def sale_page(request: Request, sale_id: Id, db: DbSession, runtime: RuntimeDep, actor: StaffUser,
                    kaydedildi: str | None = None, hata: str | None = None) -> Response:
    v = await desk.desk_sale(db, runtime, actor, sale_id)
    a = v.after
    history = await audit_log.sale_history(db, actor, sale_id)
    return render(request, "desk/sale.html", {
        "sale": a.sale, "lot": a.lot, "buyer": a.buyer, "st": a.statement, "steps": a.steps, "payments": a.payments,
        "applications": a.applications, "refunds": a.refunds, "documents": a.documents, "handover": a.handover,
        "rounds": v.rounds, "tutanaklar": v.tutanaklar, "outage": v.outage, "deposits": v.deposits,
        "decisions": {d.key: d for d in v.decisions}, "done": kaydedildi if kaydedildi in DONE else None,
        "error": hata, "poll_url": None,
        "is_manager": actor.role.value in ("manager", "admin"), "rows": history}, headers={"Cache-Control": "no-store"})


@router.get("/staff/sales/{sale_id}/live")
async def live_page(request: Request, sale_id: Id, db: DbSession, actor: StaffUser) -> Response:
    """The running round with who bid (staff of the office only, A-34; each view audited) and the outage
    record beside it. The refresh button reloads the fragment: each reload is a view, and is audited too."""
    v = await desk.live_round(db, actor, sale_id, clock.now())
    name = "desk/_live.html" if is_htmx(request) else "desk/live.html"
    return render(request, name, {"v": v}, headers={"Cache-Control": "no-store"})


# --- The müdür's decisions ----------------------------------------------------------------------------------


@router.post("/staff/sales/{sale_id}/outage-review")
async def outage_review(sale_id: Id, db: DbSession, runtime: RuntimeDep, actor: ManagerUser,
                        note: str = Form("", max_length=2000), confirm: str = Form("", max_length=4)) -> Response:
    return await _decide(db, sale_id, "outage_review", confirm, lambda: outage.review(
        db, runtime, actor, sale_id, OutageReview(note=note or None)))


@router.post("/staff/sales/{sale_id}/tutanak")
async def post_tutanak(sale_id: Id, db: DbSession, runtime: RuntimeDep, actor: ManagerUser,
                       confirm: str = Form("", max_length=4)) -> Response:
    return await _decide(db, sale_id, "tutanak_post", confirm,
                         lambda: tutanak.post_tutanak(db, runtime, actor, sale_id))


@router.post("/staff/sales/{sale_id}/outage-extension")
async def outage_extension(sale_id: Id, db: DbSession, runtime: RuntimeDep, actor: ManagerUser,
                           starts_at: str = Form(..., max_length=32), override_reason: str = Form("", max_length=2000),
                           confirm: str = Form("", max_length=4)) -> Response:
    async def act() -> Any:
        start = datetime.fromisoformat(starts_at).replace(tzinfo=ISTANBUL)  # datetime-local: the office's time
        body = OutageExtensionCreate(starts_at=start, override_reason=override_reason or None)
        return await outage.order_extension(db, runtime, actor, sale_id, body)

    return await _decide(db, sale_id, "outage_extension", confirm, act)


@router.post("/staff/sales/{sale_id}/cancel")
async def cancel(sale_id: Id, db: DbSession, runtime: RuntimeDep, actor: ManagerUser,
                 reason: str = Form(..., max_length=32), note: str = Form("", max_length=1000),
                 confirm: str = Form("", max_length=4)) -> Response:
    return await _decide(db, sale_id, "cancel", confirm, lambda: cancellation.cancel_with_tutanak(
        db, runtime, actor, sale_id, CancelSale.model_validate({"reason": reason, "note": note or None})))


# --- The satış bürosu's decisions ---------------------------------------------------------------------------


@router.post("/staff/sales/{sale_id}/threshold")
async def set_threshold(sale_id: Id, db: DbSession, actor: StaffUser, r_amount: str = Form(..., max_length=32),
                        c_amount: str = Form(..., max_length=32), reason: str = Form("", max_length=1000),
                        confirm: str = Form("", max_length=4)) -> Response:
    return await _decide(db, sale_id, "threshold", confirm, lambda: threshold.update_threshold(
        db, actor, sale_id, ThresholdUpdate.model_validate({"r_amount": _money(r_amount), "c_amount": _money(c_amount),
                                                            "reason": reason or None})))


@router.post("/staff/sales/{sale_id}/mektup")
async def record_mektup(sale_id: Id, db: DbSession, actor: StaffUser, email: str = Form(..., max_length=254),
                        bank: str = Form(..., max_length=120), mektup_no: str = Form(..., max_length=64),
                        amount: str = Form("", max_length=32), confirm: str = Form("", max_length=4)) -> Response:
    async def act() -> Any:
        body = MektupCreate.model_validate({"user_id": await desk.person_id(db, email), "bank": bank,
                                            "mektup_no": mektup_no, "amount": _money(amount) or None})
        return await deposits.record_mektup(db, actor, sale_id, body)

    return await _decide(db, sale_id, "mektup", confirm, act)


@router.post("/staff/sales/{sale_id}/exemption")
async def record_exemption(sale_id: Id, db: DbSession, actor: StaffUser, email: str = Form(..., max_length=254),
                           basis: str = Form(..., max_length=16), creditor_id: str = Form("", max_length=12),
                           share: str = Form("", max_length=16), note: str = Form("", max_length=1000),
                           confirm: str = Form("", max_length=4)) -> Response:
    async def act() -> Any:
        body = ExemptionCreate.model_validate({
            "user_id": await desk.person_id(db, email), "basis": basis,
            "creditor_id": int(creditor_id) if creditor_id else None, "share": share.replace(",", ".") or None,
            "note": note or None})
        return await deposits.record_exemption(db, actor, sale_id, body)

    return await _decide(db, sale_id, "exemption", confirm, act)


@router.post("/staff/sales/{sale_id}/exclusion")
async def exclude(sale_id: Id, db: DbSession, actor: StaffUser, email: str = Form(..., max_length=254),
                  reason: str = Form(..., max_length=200), confirm: str = Form("", max_length=4)) -> Response:
    async def act() -> Any:
        if len(reason.strip()) < 3:
            raise ValueError("reason")
        sale = await reads.get_sale_for(db, actor, sale_id)
        return await eligibility.exclude(db, actor, sale, await desk.person_id(db, email), reason.strip())

    return await _decide(db, sale_id, "exclusion", confirm, act)


@router.post("/staff/sales/{sale_id}/finality")
async def confirm_finality(sale_id: Id, db: DbSession, runtime: RuntimeDep, actor: StaffUser,
                           note: str = Form("", max_length=2000), confirm: str = Form("", max_length=4)) -> Response:
    return await _decide(db, sale_id, "finality", confirm, lambda: finality.confirm(
        db, runtime, actor, sale_id, FinalityConfirm(note=note or None)))


@router.post("/staff/sales/{sale_id}/handover")
async def record_handover(sale_id: Id, db: DbSession, runtime: RuntimeDep, actor: StaffUser,
                          mode: str = Form(..., max_length=20), note: str = Form("", max_length=2000),
                          confirm: str = Form("", max_length=4)) -> Response:
    return await _decide(db, sale_id, "handover", confirm, lambda: handover.record(
        db, runtime, actor, sale_id, HandoverCreate.model_validate({"mode": mode, "note": note or None})))


# --- The old addresses ----------------------------------------------------------------------------------------


@router.get("/buro/satislar")
async def old_list(_actor: StaffUser) -> Response:
    return RedirectResponse("/staff/sales", status_code=308)


@router.get("/buro/satislar/{sale_id}")
async def old_page(sale_id: Id, _actor: StaffUser) -> Response:
    return RedirectResponse(f"/staff/sales/{sale_id}", status_code=308)


@router.post("/buro/satislar/{sale_id}/kesinlestir")
async def old_finality(sale_id: Id, _actor: StaffUser) -> Response:
    return RedirectResponse(f"/staff/sales/{sale_id}/finality", status_code=308)


@router.post("/buro/satislar/{sale_id}/teslim")
async def old_handover(sale_id: Id, _actor: StaffUser) -> Response:
    return RedirectResponse(f"/staff/sales/{sale_id}/handover", status_code=308)
