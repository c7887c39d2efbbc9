"""A party's files (`/files`) and each file's safahat (`/files/{case_id}`, `data-testid="safahat"`):
what happened on the file, in Turkish first. Only files the party is linked to (404 otherwise)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from auction import clock
from auction.cases import parties
from auction.desk import safahat
from web.deps import DbSession, PartyUser
from web.params import Id
from web.templating import render

router = APIRouter()


@router.get("/files")
async def my_files(request: Request, db: DbSession, actor: PartyUser) -> Response:
    return render(request, "desk/files.html", {"files": await parties.files_of(db, actor)})


@router.get("/files/{case_id}")
async def file_page(request: Request, case_id: Id, db: DbSession, actor: PartyUser) -> Response:
    case, events = await safahat.safahat(db, actor, case_id, clock.now())
    return render(request, "desk/file.html", {"case": case, "events": events}, headers={"Cache-Control": "no-store"})
