from __future__ import annotations

from fastapi import APIRouter, Query

from auction.cases import service as cases
from auction.cases.schemas import CaseCreate, CaseOut
from auction.lots import service as lots
from auction.lots.schemas import LotCreate, LotOut
from web.deps import DbSession, StaffUser
from web.params import ID_MAX, Id

router = APIRouter(tags=["cases"])


@router.post("/cases", status_code=201, response_model=CaseOut, summary="Open an icra file (staff)")
async def create_case(body: CaseCreate, db: DbSession, actor: StaffUser) -> CaseOut:
    case = await cases.create_case(db, actor, body)
    return CaseOut.model_validate(case)


@router.get("/cases", response_model=list[CaseOut], summary="The files of my office (staff)")
async def list_cases(db: DbSession, actor: StaffUser, limit: int = Query(50, ge=1, le=200),
                     offset: int = Query(0, ge=0, le=ID_MAX)) -> list[CaseOut]:
    return [CaseOut.model_validate(c) for c in await cases.list_cases(db, actor, limit=limit, offset=offset)]


@router.get("/cases/{case_id}", response_model=CaseOut, summary="One file of my office (staff)")
async def get_case(case_id: Id, db: DbSession, actor: StaffUser) -> CaseOut:
    return CaseOut.model_validate(await cases.get_case_for(db, actor, case_id))


@router.post("/cases/{case_id}/lots", status_code=201, response_model=LotOut, summary="Add a lot to a file (staff)")
async def create_lot(case_id: Id, body: LotCreate, db: DbSession, actor: StaffUser) -> LotOut:
    lot = await lots.create_lot(db, actor, case_id, body)
    return LotOut.model_validate(lot)
