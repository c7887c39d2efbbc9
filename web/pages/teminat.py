"""Teminat from the bidder's side (`/lots/{id}/teminat`): pay (the configured provider; `simulated` in demos
confirms at once), send a teminat mektubu scan, see the status, where the money is and when it comes
back, withdraw while allowed (OP-16). And the satış bürosu's list of sent mektup scans, which it records
through the engine's own `record_mektup` once it holds the original."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.responses import RedirectResponse, Response

from auction.bidder import teminat
from auction.db import rollback
from auction.deposits.models import DepositStatus
from auction.errors import DomainError
from auction.mektup import service as mektup
from auction.storage import storage_for
from auction.watch.search import parse_amount_input
from web.deps import BidderUser, DbSession, RuntimeDep, StaffUser
from web.i18n import translator
from web.pages.common import error_text, safe_next
from web.params import Id
from web.templating import render, request_lang
from web.uploads import upload_response

router = APIRouter()

_SCAN_READ_LIMIT = mektup.MAX_SCAN_BYTES + 1


async def _page(request: Request, db: DbSession, runtime: RuntimeDep, viewer: BidderUser, lot_id: Id, *,
                notice: str | None = None, error: DomainError | None = None, status: int = 200) -> Response:
    view = await teminat.teminat_view(db, runtime, lot_id, viewer)
    state = view.state
    ctx: dict[str, Any] = {
        "s": state, "lot": state.lot, "sale": state.sale, "target": view.target, "submissions": view.submissions,
        "notice": notice, "error": error,
        "error_text": error_text(translator(request_lang(request)), error) if error else None,
        "can_pay": view.can_pay, "can_mektup": view.can_mektup, "can_withdraw": view.can_withdraw,
        "refund_estimate": view.refund_estimate, "carry_to_round2": view.carry_to_round2,
        "user_iban": view.user_iban,
    }
    return render(request, "lot/teminat.html", ctx, status_code=status, headers={"Cache-Control": "no-store"})


@router.get("/lots/{lot_id}/teminat")
async def teminat_page(request: Request, lot_id: Id, db: DbSession, runtime: RuntimeDep, viewer: BidderUser,
                       ok: str | None = None) -> Response:
    notices = {"odendi": "teminat.paid", "mektup": "teminat.mektup_received", "geri": "teminat.withdrawn_ok"}
    notice = notices.get(ok or "")
    return await _page(request, db, runtime, viewer, lot_id, notice=notice)


@router.post("/lots/{lot_id}/teminat/ode")
async def pay(request: Request, lot_id: Id, db: DbSession, runtime: RuntimeDep, viewer: BidderUser,
              sartname: str = Form(""), next: str = Form("", max_length=300)) -> Response:
    """Start the cash teminat. Paying records the şartname acceptance (A-23); the box must be ticked."""
    try:
        deposit = await teminat.pay(db, runtime, viewer, lot_id, sartname_accepted=sartname == "1")
    except DomainError as exc:
        await rollback(db)
        return await _page(request, db, runtime, viewer, lot_id, error=exc, status=exc.status)
    if deposit.status == DepositStatus.confirmed:
        # Straight back to bidding: the lot page now shows the bid form.
        target = f"{safe_next(next)}?ok=odendi" if next else f"/lots/{lot_id}#teklif"
        return RedirectResponse(target, status_code=303)
    return RedirectResponse(f"/lots/{lot_id}/teminat", status_code=303)


@router.post("/lots/{lot_id}/teminat/mektup")
async def send_mektup(request: Request, lot_id: Id, db: DbSession, runtime: RuntimeDep, viewer: BidderUser,
                      bank: str = Form(..., min_length=2, max_length=120),
                      mektup_no: str = Form(..., min_length=1, max_length=64),
                      amount: str = Form("", max_length=40), sartname: str = Form(""),
                      scan: UploadFile = File(...)) -> Response:
    data = await scan.read(_SCAN_READ_LIMIT)
    try:
        await teminat.send_mektup(db, storage_for(runtime.settings), viewer, lot_id, sartname_accepted=sartname == "1",
                                  bank=bank, mektup_no=mektup_no, amount=parse_amount_input(amount) if amount else None,
                                  data=data, content_type=scan.content_type or "")
    except DomainError as exc:
        await rollback(db)
        return await _page(request, db, runtime, viewer, lot_id, error=exc, status=exc.status)
    return RedirectResponse(f"/lots/{lot_id}/teminat?ok=mektup", status_code=303)


@router.post("/lots/{lot_id}/teminat/geri-al")
async def withdraw(request: Request, lot_id: Id, db: DbSession, runtime: RuntimeDep, viewer: BidderUser,
                   confirm: str = Form("")) -> Response:
    try:
        await teminat.withdraw(db, runtime, viewer, lot_id, confirmed=confirm == "1")
    except DomainError as exc:
        await rollback(db)
        return await _page(request, db, runtime, viewer, lot_id, error=exc, status=exc.status)
    return RedirectResponse(f"/lots/{lot_id}/teminat?ok=geri", status_code=303)


# --- The satış bürosu: mektup scans sent by bidders ------------------------------------------------------


@router.get("/buro/teminat-mektuplari")
async def staff_list(request: Request, db: DbSession, actor: StaffUser) -> Response:
    rows, users = await mektup.office_submissions(db, actor)
    return render(request, "staff/mektup.html", {"rows": rows, "users": users})


@router.get("/buro/teminat-mektuplari/{submission_id}/tarama")
async def staff_scan(submission_id: Id, db: DbSession, runtime: RuntimeDep, actor: StaffUser) -> Response:
    row = await mektup.get_for(db, actor, submission_id)
    data = await storage_for(runtime.settings).get(row.storage_key)
    return upload_response(data, row.content_type, name=f"mektup-{row.id}", cache_control="private, no-store")


@router.post("/buro/teminat-mektuplari/{submission_id}/kaydet")
async def staff_record(submission_id: Id, db: DbSession, actor: StaffUser) -> Response:
    await mektup.record(db, actor, submission_id)
    return RedirectResponse("/buro/teminat-mektuplari", status_code=303)


@router.post("/buro/teminat-mektuplari/{submission_id}/reddet")
async def staff_reject(submission_id: Id, db: DbSession, actor: StaffUser,
                       note: str = Form(..., min_length=3, max_length=500)) -> Response:
    await mektup.reject(db, actor, submission_id, note)
    return RedirectResponse("/buro/teminat-mektuplari", status_code=303)
