from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.audit import service as audit
from auction.cases.errors import CaseNotFound, CreditorInvalid, CreditorNotFound, DuplicateFileNo
from auction.cases.models import Case, Creditor
from auction.cases.schemas import CaseCreate, CreditorCreate
from auction.dbutil import get_one
from auction.users import service as users
from auction.users.errors import OfficeNotFound
from auction.users.models import User
from auction.users.principal import Principal, ensure_office
from auction.users.scope import get_of_office, office_statement


async def create_case(session: AsyncSession, actor: Principal, data: CaseCreate) -> Case:
    if actor.is_admin and data.office_code:
        office_id = (await users.get_office_by_code(session, data.office_code)).id
    elif actor.office_id is not None:
        office_id = actor.office_id
    else:
        raise OfficeNotFound("Dosyanın açılacağı icra dairesini seçin (office_code).", code="office_required")
    ensure_office(actor, office_id)
    exists = await session.scalar(select(Case.id).where(Case.office_id == office_id, Case.file_no == data.file_no))
    if exists is not None:
        raise DuplicateFileNo(details={"file_no": data.file_no})
    if data.debtor_user_id is not None:
        await _require_user(session, data.debtor_user_id, "debtor_user_id")
    now = clock.now()
    case = Case(office_id=office_id, file_no=data.file_no, debtor=data.debtor, debtor_id_no=data.debtor_id_no,
                takip_type=data.takip_type, status="open", debtor_user_id=data.debtor_user_id,
                created_at=now, updated_at=now)
    session.add(case)
    await session.flush()
    audit.record(session, "case.created", "case", case.id, actor=actor, office_id=office_id,
                 data={"file_no": case.file_no})
    return case


async def get_case(session: AsyncSession, case_id: int) -> Case:
    return await get_one(session, Case, case_id, CaseNotFound, "case_id")


async def get_case_for(session: AsyncSession, actor: Principal, case_id: int) -> Case:
    """A case the actor may act on (office scope, A-34)."""
    return await get_of_office(session, actor, Case, case_id, CaseNotFound, "case_id")


async def list_cases(session: AsyncSession, actor: Principal, *, limit: int = 50, offset: int = 0) -> list[Case]:
    stmt = office_statement(actor, Case).order_by(Case.id.desc()).limit(limit).offset(offset)
    return list((await session.scalars(stmt)).all())


async def _require_user(session: AsyncSession, user_id: int, field: str) -> None:
    if await session.get(User, user_id) is None:
        raise CreditorInvalid("Kullanıcı bulunamadı.", code="user_not_found",
                              details={"field": field, "user_id": user_id})


async def add_creditor(session: AsyncSession, actor: Principal, case_id: int, data: CreditorCreate) -> Creditor:
    """Record an alacaklı of the file (A-31 R proposal, A-53 exemption)."""
    case = await get_case_for(session, actor, case_id)
    if data.claim_total <= 0:
        raise CreditorInvalid(details={"problems": [{"path": "claim_total", "code": "not_positive"}]})
    if data.user_id is not None:
        await _require_user(session, data.user_id, "user_id")
    now = clock.now()
    creditor = Creditor(case_id=case.id, name=data.name, kind=data.kind, claim_total=data.claim_total,
                        sale_requester=data.sale_requester, user_id=data.user_id, created_at=now, updated_at=now)
    session.add(creditor)
    await session.flush()
    audit.record(session, "creditor.added", "case", case.id, actor=actor, office_id=case.office_id,
                 data={"creditor_id": creditor.id, "name": creditor.name, "kind": creditor.kind,
                       "claim_total": str(creditor.claim_total), "sale_requester": creditor.sale_requester})
    return creditor


async def list_creditors(session: AsyncSession, case_id: int) -> list[Creditor]:
    stmt = select(Creditor).where(Creditor.case_id == case_id).order_by(Creditor.id)
    return list((await session.scalars(stmt)).all())


async def get_creditor(session: AsyncSession, case_id: int, creditor_id: int) -> Creditor:
    creditor = await session.get(Creditor, creditor_id)
    if creditor is None or creditor.case_id != case_id:
        raise CreditorNotFound(details={"creditor_id": creditor_id})
    return creditor
