"""Parties to a file: staff link and unlink them; a party lists the files it is a party of."""

from __future__ import annotations

from fastapi import APIRouter

from auction.cases import parties
from auction.cases.schemas import CaseOut, PartyLink, PartyOut
from web.deps import DbSession, PartyUser, StaffUser
from web.params import Id

router = APIRouter(tags=["parties"])


@router.post("/cases/{case_id}/parties", status_code=201, response_model=PartyOut,
             summary="Link a party (creditor, debtor or a lawyer) to a file of my office (staff)")
async def link_party(case_id: Id, body: PartyLink, db: DbSession, actor: StaffUser) -> PartyOut:
    return PartyOut.model_validate(await parties.link_party(db, actor, case_id, body))


@router.get("/cases/{case_id}/parties", response_model=list[PartyOut], summary="The parties of a file (staff)")
async def list_parties(case_id: Id, db: DbSession, actor: StaffUser) -> list[PartyOut]:
    return [PartyOut.model_validate(p) for p in await parties.parties_of(db, actor, case_id)]


@router.delete("/cases/{case_id}/parties/{party_id}", response_model=PartyOut,
               summary="End a party's link to a file (staff; the link is kept as history)")
async def end_party(case_id: Id, party_id: Id, db: DbSession, actor: StaffUser) -> PartyOut:
    return PartyOut.model_validate(await parties.end_link(db, actor, case_id, party_id))


@router.get("/me/files", response_model=list[CaseOut], summary="The files I am a party of (party)")
async def my_files(db: DbSession, actor: PartyUser) -> list[CaseOut]:
    return [CaseOut.model_validate(c) for c in await parties.files_of(db, actor)]
