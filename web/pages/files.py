"""A party's files (`/files`) and each file's safahat (`/files/{case_id}`, `data-testid="safahat"`):
what happened on the file, in Turkish first. Only files the party is linked to (404 otherwise).

Once a sale's sıra cetveli is served (D-40), the file page shows the party's own lines of it (the same
view as `GET /api/v1/me/distributions`, `data-testid="my-cetvel"`) and, while the window runs (D-41,
TM-23), a form to record an itiraz or şikayet against them; the disbursement service decides whether it
stands (the web layer only translates the form and its error code)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from auction import clock
from auction.cases import parties
from auction.desk import safahat
from auction.disbursement import service, views
from auction.disbursement.errors import DistributionNotFound
from auction.disbursement.schemas import ObjectionCreate
from auction.errors import DomainError
from auction.users import service as users
from web.deps import DbSession, PartyUser
from web.params import Id
from web.templating import render

router = APIRouter()


@router.get("/files")
async def my_files(request: Request, db: DbSession, actor: PartyUser) -> Response:
    return render(request, "desk/files.html", {"files": await parties.files_of(db, actor)})


def _shown(cetvel: dict[str, Any], now: datetime, own: set[int]) -> dict[str, Any]:
    """The API's view of one cetvel with its times and money as values for the page's filters, whether the
    window is open, and the lines of the party's own creditors (`own`) it may object to (their case creditor
    ids; none for the borçlu's side, who sees every line but has no itiraz, D-41)."""
    until = datetime.fromisoformat(cetvel["objection_until"]) if cetvel["objection_until"] else None
    lines = [{**ln, "amount": Decimal(ln["amount"])} for ln in cetvel["lines"]]
    return {**cetvel, "objection_until": until, "lines": lines,
            "window_open": cetvel["status"] == "served" and until is not None and now < until,
            "refs": {ln["ref"]: ln["name"] for ln in lines
                     if ln["kind"] == "creditor" and ln["ref"] and ln["creditor_id"] in own}}


@router.get("/files/{case_id}")
async def file_page(request: Request, case_id: Id, db: DbSession, actor: PartyUser,
                    kaydedildi: str | None = Query(None, max_length=8),
                    hata: str | None = Query(None, max_length=64)) -> Response:
    now = clock.now()
    case, events = await safahat.safahat(db, actor, case_id, now)
    cetvels = [c for c in await views.party_cetvels(db, actor) if c["case_id"] == case_id]
    own = set((await parties.standing_in(db, actor, case_id)).creditor_ids)
    me = await users.get_user(db, actor.user_id)
    return render(request, "desk/file.html", {
        "case": case, "events": events, "notice": bool(kaydedildi), "error": hata, "my_iban": me.iban if me else None,
        "cetvels": [_shown(c, now, own) for c in cetvels]}, headers={"Cache-Control": "no-store"})


@router.post("/files/{case_id}/cetvel/{distribution_id}/objections")
async def object_to(case_id: Id, distribution_id: Id, db: DbSession, actor: PartyUser,
                    kind: str = Form(..., max_length=10), lines: list[str] = Form(default_factory=list, max_length=200),
                    reason: str = Form("", max_length=4000)) -> Response:
    """D-41: the party's itiraz or şikayet against lines of a served cetvel of this file."""
    try:
        if (await views.party_cetvel(db, actor, distribution_id)).case_id != case_id:
            raise DistributionNotFound(details={"distribution_id": distribution_id})
        await service.object_to(db, actor, distribution_id,
                                ObjectionCreate.model_validate({"kind": kind, "lines": lines, "reason": reason}))
    except (DomainError, ValueError) as exc:
        if isinstance(exc, DomainError) and exc.status == 404:
            raise  # not a file of this party, or no served cetvel of it: the page's 404
        await db.rollback()
        code = exc.code if isinstance(exc, DomainError) else "validation_error"
        return RedirectResponse(f"/files/{case_id}?hata={code}#cetvel", status_code=303)
    return RedirectResponse(f"/files/{case_id}?kaydedildi=1#cetvel", status_code=303)
