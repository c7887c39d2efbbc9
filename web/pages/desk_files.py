"""Files on the desk (`/staff/files`, docs/desk.md): open a file, add its lots, take the satış kararı of a
lot, link the parties who follow it. Each form posts to the same service as the API (cases, lots, the
sale decision S-01, parties) and redirects (303) back with the outcome or the refusal's code."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Form, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from auction import clock
from auction.calendar import ISTANBUL
from auction.cases import parties
from auction.cases import service as cases
from auction.cases.schemas import CaseCreate, PartyLink
from auction.errors import DomainError
from auction.lots import claims
from auction.lots import service as lots
from auction.lots.schemas import LotCreate
from auction.sales import decision, reads
from auction.sales.models import ACTIVE_SALE_STATES
from auction.sales.schemas import SaleCreate
from web.deps import DbSession, RuntimeDep, StaffUser
from web.params import Id
from web.templating import render

router = APIRouter()


def _file(case_id: Id, **query: str) -> str:
    q = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/staff/files/{case_id}" + (f"?{q}" if q else "")


async def _act(db: DbSession, fail: str, act: Callable[[], Awaitable[str]]) -> Response:
    """Run one change; on success go where it says, on a refusal back to `fail` with its code."""
    try:
        where = await act()
    except DomainError as exc:
        await db.rollback()
        return RedirectResponse(f"{fail}{'&' if '?' in fail else '?'}hata={exc.code}", status_code=303)
    except (ValidationError, ValueError):
        await db.rollback()
        return RedirectResponse(f"{fail}{'&' if '?' in fail else '?'}hata=validation_error", status_code=303)
    return RedirectResponse(where, status_code=303)


def _money(value: str) -> str:
    value = value.strip().replace(" ", "")
    return value.replace(".", "").replace(",", ".") if "," in value else value


@router.get("/staff/files")
async def files_page(request: Request, db: DbSession, actor: StaffUser, hata: str | None = None) -> Response:
    return render(request, "desk/staff_files.html", {"files": await cases.list_cases(db, actor, limit=200),
                                                     "error_code": hata})


@router.post("/staff/files")
async def open_file(db: DbSession, actor: StaffUser, file_no: str = Form(..., max_length=64),
                    debtor: str = Form(..., max_length=200)) -> Response:
    async def act() -> str:
        case = await cases.create_case(db, actor, CaseCreate.model_validate({"file_no": file_no, "debtor": debtor}))
        return _file(case.id, kaydedildi="file")

    return await _act(db, "/staff/files", act)


# What the page confirms after a form (`?kaydedildi=…`): web/messages/desk.toml `desk.files.done.*`.
DONE = ("file", "lot", "party", "pledge", "haciz", "asset_tax")
# The haciz form's optional interest and payment rows (no script adds rows): a claim with more is entered
# through the API (`POST /api/v1/lots/{id}/hacizler`). web/pages/desk_records.py reads this many.
RECORD_ROWS = 3


async def _lot_records(db: DbSession, lot_id: int) -> dict[str, Any]:
    """A lot's claim records, as the API lists them (web/api/lot_records.py): the sıra cetveli's input."""
    return {"pledges": await lots.list_pledges(db, lot_id), "hacizler": await claims.list_hacizler(db, lot_id),
            "taxes": await claims.list_asset_taxes(db, lot_id)}


async def file_page_response(request: Request, db: DbSession, actor: StaffUser, case_id: int, *,
                             done: str | None = None, error_code: str | None = None,
                             records_error: dict[str, Any] | None = None, status_code: int = 200) -> Response:
    """The file's page; a refused claim-record form (web/pages/desk_records.py) renders it again with the
    refusal and the typed values next to that lot's form (`records_error`)."""
    case = await cases.get_case_for(db, actor, case_id)
    rows = []
    records = {}
    for lot in await lots.list_lots_of_case(db, case.id):
        sale = await reads.latest_sale_of_lot(db, lot.id)
        rows.append((lot, sale, sale is not None and sale.status in {s.value for s in ACTIVE_SALE_STATES}))
        records[lot.id] = await _lot_records(db, lot.id)
    creditors = await cases.list_creditors(db, case.id)
    start = datetime.combine(clock.now().astimezone(ISTANBUL).date() + timedelta(days=16), time(14, 0))
    return render(request, "desk/staff_file.html", {
        "case": case, "lots": rows, "parties": await parties.parties_of(db, actor, case.id),
        "creditors": creditors, "creditor_names": {c.id: c.name for c in creditors}, "records": records,
        "records_error": records_error, "rows": RECORD_ROWS, "default_start": start.strftime("%Y-%m-%dT%H:%M"),
        "done": done if done in DONE else None, "error_code": error_code},
        status_code=status_code, headers={"Cache-Control": "no-store"})


@router.get("/staff/files/{case_id}")
async def file_page(request: Request, case_id: Id, db: DbSession, actor: StaffUser, kaydedildi: str | None = None,
                    hata: str | None = None) -> Response:
    return await file_page_response(request, db, actor, case_id, done=kaydedildi, error_code=hata)


@router.post("/staff/files/{case_id}/lots")
async def add_lot(case_id: Id, db: DbSession, actor: StaffUser, kind: str = Form(..., max_length=16),
                  title: str = Form(..., max_length=200), appraised_value: str = Form(..., max_length=32),
                  use: str = Form("diger", max_length=16), description: str = Form("", max_length=20000),
                  appraisal_final: str = Form("", max_length=4), in_custody: str = Form("", max_length=4)) -> Response:
    async def act() -> str:
        body: dict[str, Any] = {"kind": kind, "title": title, "appraised_value": _money(appraised_value), "use": use,
                                "description": description, "appraisal_final": appraisal_final == "1"}
        if kind == "tasinir":
            body["in_custody"] = in_custody == "1"
        lot = await lots.create_lot(db, actor, case_id, LotCreate.model_validate(body))
        return _file(case_id, kaydedildi="lot") + f"#lot-{lot.id}"

    return await _act(db, _file(case_id), act)


@router.post("/staff/files/{case_id}/parties")
async def link_party(case_id: Id, db: DbSession, actor: StaffUser, email: str = Form(..., max_length=254),
                     capacity: str = Form(..., max_length=20), creditor_id: str = Form("", max_length=12)) -> Response:
    async def act() -> str:
        body = PartyLink.model_validate({"email": email, "capacity": capacity,
                                         "creditor_id": int(creditor_id) if creditor_id else None})
        await parties.link_party(db, actor, case_id, body)
        return _file(case_id, kaydedildi="party")

    return await _act(db, _file(case_id), act)


@router.get("/staff/lots/{lot_id}")
async def lot_on_desk(lot_id: Id, db: DbSession, actor: StaffUser) -> Response:
    """A lot on the desk is shown on its file's page."""
    lot = await lots.get_lot_for(db, actor, lot_id)
    return RedirectResponse(f"/staff/files/{lot.case_id}#lot-{lot.id}", status_code=303)


@router.post("/staff/lots/{lot_id}/sale")
async def decide(lot_id: Id, db: DbSession, runtime: RuntimeDep, actor: StaffUser,
                 first_round_start: str = Form(..., max_length=32), confirm: str = Form("", max_length=4)) -> Response:
    lot = await lots.get_lot_for(db, actor, lot_id)
    back = _file(lot.case_id)
    if confirm != "1":
        return RedirectResponse(f"{back}?hata=confirm_required#lot-{lot.id}", status_code=303)

    async def act() -> str:
        start = datetime.fromisoformat(first_round_start).replace(tzinfo=ISTANBUL)  # the office's time
        sale = await decision.decide_sale(db, runtime, actor, lot_id, SaleCreate(first_round_start=start))
        return f"/staff/sales/{sale.id}?kaydedildi=sale_decided"

    return await _act(db, back, act)
