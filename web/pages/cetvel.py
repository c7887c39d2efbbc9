"""The staff page of a sale's sıra cetveli and its payouts (`/staff/sales/{sale_id}/cetvel`,
`data-testid` `sale-status`, `cetvel`, `payouts`): lines with their states, versions, objections, and the
actions of each step (build, correct, serve, finalise, decide, prepare, approve, cancel, export, release
a reserved line). Forms post and
redirect (303); the services of auction.disbursement do the work, the same ones the API calls."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from auction.disbursement import service, versions, views
from auction.disbursement.schemas import CorrectionCreate, ObjectionDecision, PayoutCancel, ReservedRelease
from auction.errors import DomainError
from web.deps import DbSession, ManagerUser, RuntimeDep, StaffUser
from web.params import Id
from web.templating import render

router = APIRouter(prefix="/staff/sales/{sale_id}/cetvel")

# The reasons the system gives its own versions (auction/disbursement: at handover, on demand) are stored
# as fixed strings; the page says them in the reader's language. Staff's correction reasons are their words.
SYSTEM_REASONS = {versions.HANDOVER_REASON: "handover", service.ON_DEMAND_REASON: "on_demand"}


def _back(sale_id: Id, *, error: str | None = None) -> RedirectResponse:
    query = f"?hata={error}" if error else "?kaydedildi=1"
    return RedirectResponse(f"/staff/sales/{sale_id}/cetvel{query}", status_code=303)


def _unconfirmed(sale_id: Id, confirm: str) -> RedirectResponse | None:
    """Serving, finalising and approving a payout have legal effect: the form shows the rule and asks for an
    explicit confirmation, and nothing happens without it."""
    return None if confirm == "1" else _back(sale_id, error="confirm_required")


async def _failed(db: Any, sale_id: Id, exc: Exception) -> RedirectResponse:
    await db.rollback()
    return _back(sale_id, error=exc.code if isinstance(exc, DomainError) else "validation_error")


@router.get("")
async def page(request: Request, sale_id: Id, db: DbSession, runtime: RuntimeDep, actor: StaffUser,
               kaydedildi: str | None = None, hata: str | None = None) -> Response:
    v = await views.staff_page(db, runtime, actor, sale_id)
    return render(request, "cetvel/staff.html", {
        "v": v, "is_manager": actor.role.value in ("manager", "admin"), "me": actor.user_id,
        "case_json": json.dumps(v.versions[0].case, ensure_ascii=False, indent=1) if v.versions else "",
        "notice": bool(kaydedildi), "error": hata, "system_reasons": SYSTEM_REASONS},
        headers={"Cache-Control": "no-store"})


@router.post("/build")
async def build(sale_id: Id, db: DbSession, runtime: RuntimeDep, actor: StaffUser) -> Response:
    try:
        await service.build_for_sale(db, runtime, actor, sale_id)
    except DomainError as exc:
        return await _failed(db, sale_id, exc)
    return _back(sale_id)


async def _cetvel_id(db: Any, actor: Any, sale_id: Id) -> int:
    return (await views.staff_cetvel_of_sale(db, actor, sale_id)).id


@router.post("/correct")
async def correct(sale_id: Id, db: DbSession, runtime: RuntimeDep, actor: StaffUser,
                  reason: str = Form("", max_length=2000), case_json: str = Form("", max_length=5_000_000)) -> Response:
    try:
        body = CorrectionCreate.model_validate({"reason": reason,
                                                "case": json.loads(case_json) if case_json.strip() else None})
        await service.correct(db, runtime, actor, await _cetvel_id(db, actor, sale_id), body)
    except (DomainError, ValueError) as exc:
        return await _failed(db, sale_id, exc)
    return _back(sale_id)


@router.post("/reserved-releases")
async def release_reserved(sale_id: Id, db: DbSession, runtime: RuntimeDep, actor: StaffUser,
                           creditor_id: str = Form("", max_length=64), outcome: str = Form("", max_length=12),
                           reason: str = Form("", max_length=2000),
                           document_date: str = Form("", max_length=10)) -> Response:
    """D-14: the outcome of an ihtiyati haciz whose share is reserved, as a new version."""
    try:
        body = ReservedRelease.model_validate({"creditor_id": creditor_id, "outcome": outcome, "reason": reason,
                                               "document_date": document_date})
        await service.release_reserved(db, runtime, actor, await _cetvel_id(db, actor, sale_id), body)
    except (DomainError, ValueError) as exc:
        return await _failed(db, sale_id, exc)
    return _back(sale_id)


@router.post("/serve")
async def serve(sale_id: Id, db: DbSession, runtime: RuntimeDep, actor: StaffUser,
                confirm: str = Form("", max_length=1)) -> Response:
    if refused := _unconfirmed(sale_id, confirm):
        return refused
    try:
        await service.serve(db, runtime, actor, await _cetvel_id(db, actor, sale_id))
    except DomainError as exc:
        return await _failed(db, sale_id, exc)
    return _back(sale_id)


@router.post("/finalise")
async def finalise(sale_id: Id, db: DbSession, actor: ManagerUser, confirm: str = Form("", max_length=1)) -> Response:
    if refused := _unconfirmed(sale_id, confirm):
        return refused
    try:
        await service.finalise(db, actor, await _cetvel_id(db, actor, sale_id))
    except DomainError as exc:
        return await _failed(db, sale_id, exc)
    return _back(sale_id)


@router.post("/objections/{objection_id}/decision")
async def decide(sale_id: Id, objection_id: Id, db: DbSession, actor: ManagerUser,
                 outcome: str = Form(..., max_length=10), note: str = Form("", max_length=4000)) -> Response:
    try:
        await service.decide(db, actor, objection_id, ObjectionDecision.model_validate({"outcome": outcome,
                                                                                         "note": note}))
    except (DomainError, ValueError) as exc:
        return await _failed(db, sale_id, exc)
    return _back(sale_id)


@router.post("/payouts")
async def prepare(sale_id: Id, db: DbSession, runtime: RuntimeDep, actor: StaffUser) -> Response:
    try:
        await service.prepare(db, runtime, actor, await _cetvel_id(db, actor, sale_id))
    except DomainError as exc:
        return await _failed(db, sale_id, exc)
    return _back(sale_id)


@router.post("/payouts/{payout_id}/approve")
async def approve(sale_id: Id, payout_id: Id, db: DbSession, actor: ManagerUser,
                  confirm: str = Form("", max_length=1)) -> Response:
    if refused := _unconfirmed(sale_id, confirm):
        return refused
    try:
        await service.approve(db, actor, payout_id)
    except DomainError as exc:
        return await _failed(db, sale_id, exc)
    return _back(sale_id)


@router.post("/payouts/{payout_id}/cancel")
async def cancel_payout(sale_id: Id, payout_id: Id, db: DbSession, actor: StaffUser,
                        reason: str = Form("", max_length=2000)) -> Response:
    try:
        await service.cancel_payout(db, actor, payout_id, PayoutCancel.model_validate({"reason": reason}))
    except (DomainError, ValueError) as exc:
        return await _failed(db, sale_id, exc)
    return _back(sale_id)


@router.post("/payout-file")
async def export(sale_id: Id, db: DbSession, runtime: RuntimeDep, actor: StaffUser) -> Response:
    try:
        f = await service.export(db, runtime, actor, await _cetvel_id(db, actor, sale_id))
    except DomainError as exc:
        return await _failed(db, sale_id, exc)
    return Response(f.content.encode("utf-8"), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="odeme-dosyasi-{f.id}.csv"'})
