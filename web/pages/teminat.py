"""Teminat from the bidder's side (`/lots/{id}/teminat`): pay (the configured provider; `simulated` in demos
confirms at once), send a teminat mektubu scan, see the status, where the money is and when it comes
back, withdraw while allowed (OP-16). And the satış bürosu's list of sent mektup scans, which it records
through the engine's own `record_mektup` once it holds the original."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from auction.bidding.errors import SartnameNotAccepted
from auction.calendar import add_working_days, local_datetime, office_closing_time, tutanak_due
from auction.db import rollback
from auction.deposits import service as deposits
from auction.deposits.errors import DepositsClosed
from auction.deposits.models import DepositStatus
from auction.errors import DomainError
from auction.mektup import service as mektup
from auction.mektup.models import MektupSubmission
from auction.rules.table import rulebook
from auction.sales import reads
from auction.sales.models import Round, RoundStatus
from auction.storage import storage_for
from auction.users.models import User
from auction.watch.search import parse_amount_input
from web.deps import BidderUser, DbSession, RuntimeDep, StaffUser
from web.i18n import translator
from web.pages import texts  # noqa: F401 - registers the texts of these pages
from web.pages.common import error_text, safe_next
from web.pages.lot import LotState, load_state
from web.templating import local_time, render, request_lang

router = APIRouter()

_SCAN_READ_LIMIT = mektup.MAX_SCAN_BYTES + 1


def _target(state: LotState) -> Round | None:
    """The round a new teminat would be for (the open one, else the next scheduled one)."""
    for r in state.rounds:
        if r.status == RoundStatus.open:
            return r
    for r in state.rounds:
        if r.status == RoundStatus.scheduled:
            return r
    return None


def refund_estimate(state: LotState, runtime: Any) -> dict[str, str] | None:
    """A-55 / OP-17 in dates: the tutanak is due on the first working day after the round's close; the
    refund instruction within 3 working days of its posting (İİK 9/2 by analogy)."""
    cur = state.current
    if state.sale is None or cur is None or cur.status not in (RoundStatus.open, RoundStatus.scheduled):
        return None
    if state.sale.ruleset == "demo":
        return None  # the demo ruleset posts the tutanak seconds after the close: no calendar dates to give
    due = tutanak_due(cur.ends_at, on=state.sale.ilan_date, policy=runtime.policy)
    days = rulebook().row("auction.refund.instruct_working_days", due.day).integer()
    last = add_working_days(due.day, days, policy=runtime.policy)
    refund_at: datetime = local_datetime(last, office_closing_time(last))
    return {"tutanak": due.day.strftime("%d.%m.%Y"), "refund": local_time(refund_at)}


async def _page(request: Request, db: DbSession, runtime: RuntimeDep, viewer: BidderUser, lot_id: int, *,
                notice: str | None = None, error: DomainError | None = None, status: int = 200) -> Response:
    state = await load_state(db, runtime, lot_id, viewer)
    if state.sale is None:
        from auction.sales.errors import NoSale

        raise NoSale(details={"lot_id": lot_id})
    target = _target(state)
    now = state.now
    subs = await mektup.mine(db, viewer.user_id, state.sale.id)
    pending_sub = any(m.status == "submitted" for m in subs)
    has_current = state.deposit is not None
    open_ok = state.accepting_deposits and target is not None and not (state.part and state.part.withdrawn_at)
    snap = reads.snapshot_of(state.sale)
    ctx: dict[str, Any] = {
        "s": state, "lot": state.lot, "sale": state.sale, "target": target, "submissions": subs,
        "notice": notice, "error": error,
        "error_text": error_text(translator(request_lang(request)), error) if error else None,
        "can_pay": open_ok and not has_current and not pending_sub and target is not None
        and now <= target.cash_deadline,
        "can_mektup": open_ok and not has_current and not pending_sub and target is not None
        and now <= target.mektup_deadline,
        "can_withdraw": (has_current and state.deposit is not None
                         and state.deposit.status == DepositStatus.confirmed and state.accepting_deposits
                         and not state.is_leader and bool(snap.pol("teminat.allow_withdraw_when_not_highest"))),
        "refund_estimate": refund_estimate(state, runtime),
        # Proposed OP-49 (engine): a failed round 1's teminat stays for round 2 unless taken back.
        "carry_to_round2": bool(state.sale.policy.get("teminat.carry_to_round2", {}).get("value"))
        and any(r.number == 2 and r.status == RoundStatus.scheduled for r in state.rounds),
        "user_iban": await db.scalar(select(User.iban).where(User.id == viewer.user_id)),
    }
    return render(request, "lot/teminat.html", ctx, status_code=status, headers={"Cache-Control": "no-store"})


@router.get("/lots/{lot_id}/teminat")
async def teminat_page(request: Request, lot_id: int, db: DbSession, runtime: RuntimeDep, viewer: BidderUser,
                       ok: str | None = None) -> Response:
    notices = {"odendi": "teminat.paid", "mektup": "teminat.mektup_received", "geri": "teminat.withdrawn_ok"}
    notice = notices.get(ok or "")
    return await _page(request, db, runtime, viewer, lot_id, notice=notice)


@router.post("/lots/{lot_id}/teminat/ode")
async def pay(request: Request, lot_id: int, db: DbSession, runtime: RuntimeDep, viewer: BidderUser,
              sartname: str = Form(""), next: str = Form("", max_length=300)) -> Response:
    """Start the cash teminat. Paying records the şartname acceptance (A-23); the box must be ticked."""
    try:
        if sartname != "1":
            raise SartnameNotAccepted()
        deposit, _created = await deposits.create_deposit(db, runtime, viewer, lot_id)
    except DomainError as exc:
        await rollback(db)
        return await _page(request, db, runtime, viewer, lot_id, error=exc, status=exc.status)
    if deposit.status == DepositStatus.confirmed:
        # Straight back to bidding: the lot page now shows the bid form.
        target = f"{safe_next(next)}?ok=odendi" if next else f"/lots/{lot_id}#teklif"
        return RedirectResponse(target, status_code=303)
    return RedirectResponse(f"/lots/{lot_id}/teminat", status_code=303)


@router.post("/lots/{lot_id}/teminat/mektup")
async def send_mektup(request: Request, lot_id: int, db: DbSession, runtime: RuntimeDep, viewer: BidderUser,
                      bank: str = Form(..., min_length=2, max_length=120),
                      mektup_no: str = Form(..., min_length=1, max_length=64),
                      amount: str = Form("", max_length=40), sartname: str = Form(""),
                      scan: UploadFile = File(...)) -> Response:
    data = await scan.read(_SCAN_READ_LIMIT)
    try:
        if sartname != "1":
            raise SartnameNotAccepted()
        from auction.bidding import service as bidding

        await bidding.accept_sartname(db, viewer, lot_id)
        await mektup.submit(db, storage_for(runtime.settings), viewer, lot_id, bank=bank, mektup_no=mektup_no,
                            amount=parse_amount_input(amount) if amount else None, data=data,
                            content_type=scan.content_type or "")
    except DomainError as exc:
        await rollback(db)
        return await _page(request, db, runtime, viewer, lot_id, error=exc, status=exc.status)
    return RedirectResponse(f"/lots/{lot_id}/teminat?ok=mektup", status_code=303)


@router.post("/lots/{lot_id}/teminat/geri-al")
async def withdraw(request: Request, lot_id: int, db: DbSession, runtime: RuntimeDep, viewer: BidderUser,
                   confirm: str = Form("")) -> Response:
    try:
        if confirm != "1":
            raise DepositsClosed("Geri almak için kutuyu işaretleyerek onaylayın.", code="confirm_required")
        await deposits.withdraw(db, runtime, viewer, lot_id)
    except DomainError as exc:
        await rollback(db)
        return await _page(request, db, runtime, viewer, lot_id, error=exc, status=exc.status)
    return RedirectResponse(f"/lots/{lot_id}/teminat?ok=geri", status_code=303)


# --- The satış bürosu: mektup scans sent by bidders ------------------------------------------------------


@router.get("/buro/teminat-mektuplari")
async def staff_list(request: Request, db: DbSession, actor: StaffUser) -> Response:
    from auction.sales.models import Sale

    stmt = (select(MektupSubmission, Sale.office_id).join(Sale, Sale.id == MektupSubmission.sale_id)
            .order_by(MektupSubmission.status.desc(), MektupSubmission.id.desc()).limit(200))
    if not actor.is_admin:
        stmt = stmt.where(Sale.office_id == actor.office_id)
    rows = [m for m, _ in (await db.execute(stmt)).all()]
    users = {u.id: u for u in (await db.scalars(select(User).where(User.id.in_({m.user_id for m in rows})))).all()}
    return render(request, "staff/mektup.html", {"rows": rows, "users": users})


@router.get("/buro/teminat-mektuplari/{submission_id}/tarama")
async def staff_scan(submission_id: int, db: DbSession, runtime: RuntimeDep, actor: StaffUser) -> Response:
    row = await mektup.get_for(db, actor, submission_id)
    data = await storage_for(runtime.settings).get(row.storage_key)
    ext = row.storage_key.rsplit(".", 1)[-1]
    return Response(data, media_type=row.content_type,
                    headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
                             "Content-Disposition": f'inline; filename="mektup-{row.id}.{ext}"'})


@router.post("/buro/teminat-mektuplari/{submission_id}/kaydet")
async def staff_record(submission_id: int, db: DbSession, actor: StaffUser) -> Response:
    await mektup.record(db, actor, submission_id)
    return RedirectResponse("/buro/teminat-mektuplari", status_code=303)


@router.post("/buro/teminat-mektuplari/{submission_id}/reddet")
async def staff_reject(submission_id: int, db: DbSession, actor: StaffUser,
                       note: str = Form(..., min_length=3, max_length=500)) -> Response:
    await mektup.reject(db, actor, submission_id, note)
    return RedirectResponse("/buro/teminat-mektuplari", status_code=303)
