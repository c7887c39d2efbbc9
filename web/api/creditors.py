"""Creditors of a file (A-31 R proposal, A-53 exemption) (staff)."""

from __future__ import annotations

from fastapi import APIRouter

from auction.cases import service as cases
from auction.cases.schemas import CreditorCreate, CreditorOut
from web.deps import DbSession, StaffUser
from web.params import Id

router = APIRouter(tags=["cases"])


@router.post("/cases/{case_id}/creditors", status_code=201, response_model=CreditorOut, summary="Add a creditor")
async def add_creditor(case_id: Id, body: CreditorCreate, db: DbSession, actor: StaffUser) -> CreditorOut:
    return CreditorOut.model_validate(await cases.add_creditor(db, actor, case_id, body))


@router.get("/cases/{case_id}/creditors", response_model=list[CreditorOut], summary="The file's creditors")
async def list_creditors(case_id: Id, db: DbSession, actor: StaffUser) -> list[CreditorOut]:
    case = await cases.get_case_for(db, actor, case_id)
    return [CreditorOut.model_validate(c) for c in await cases.list_creditors(db, case.id)]
