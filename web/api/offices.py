"""İcra daireleri (admin): create and list the offices whose staff run sales."""

from __future__ import annotations

from fastapi import APIRouter

from auction.users import service as users
from auction.users.schemas import OfficeCreate, OfficeOut
from web.deps import AdminUser, DbSession

router = APIRouter(tags=["offices"])


@router.post("/offices", status_code=201, response_model=OfficeOut, summary="Create an icra dairesi (admin)")
async def create_office(body: OfficeCreate, db: DbSession, actor: AdminUser) -> OfficeOut:
    office = await users.create_office(db, code=body.code, name=body.name, city=body.city,
                                       sales_bureau_name=body.sales_bureau_name, district=body.district,
                                       iban=body.iban, actor=actor)
    return OfficeOut.model_validate(office)


@router.get("/offices", response_model=list[OfficeOut], summary="Every icra dairesi (admin)")
async def list_offices(db: DbSession, actor: AdminUser) -> list[OfficeOut]:
    return [OfficeOut.model_validate(o) for o in await users.list_offices(db)]
