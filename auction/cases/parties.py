"""Parties to a file (role `party`): staff link a creditor, the debtor or their lawyer to the files it is
a party of; the party then follows those files (safahat) and sees its own cetvel lines (D-40, seed 000:
"online inspection of the file").

Every read a party makes starts from `files_of` / `standing_in`, so a party can never reach a file it is
not linked to; staff link and end links only for their own office's files (audited).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.audit import service as audit
from auction.cases.errors import CaseNotFound, PartyExists, PartyInvalid, PartyNotFound
from auction.cases.models import CREDITOR_SIDE, Case, CaseParty, Creditor, PartyCapacity
from auction.cases.schemas import PartyLink
from auction.cases.service import get_case_for
from auction.users import service as users
from auction.users.models import Role, User
from auction.users.principal import Principal


@dataclass(frozen=True)
class Standing:
    """What one party may see in one file: the creditors it is (or represents), and whether it stands on
    the debtor's side (the debtor sees the whole cetvel, D-40 / OP-48)."""

    case_id: int
    creditor_ids: frozenset[int]
    debtor_side: bool


async def link_party(session: AsyncSession, actor: Principal, case_id: int, data: PartyLink) -> CaseParty:
    case = await get_case_for(session, actor, case_id)
    user = await _party_user(session, data)
    capacity = PartyCapacity(data.capacity)
    creditor_id = data.creditor_id
    if capacity in CREDITOR_SIDE:
        if creditor_id is None:
            raise PartyInvalid("Alacaklı tarafı için hangi alacaklı olduğunu seçin.", details={"field": "creditor_id"})
        creditor = await session.get(Creditor, creditor_id)
        if creditor is None or creditor.case_id != case.id:
            raise PartyInvalid("Alacaklı bu dosyada kayıtlı değil.", details={"field": "creditor_id"})
    elif creditor_id is not None:
        raise PartyInvalid("Borçlu tarafı bir alacaklıya bağlanamaz.", details={"field": "creditor_id"})
    existing = await session.scalar(select(CaseParty.id).where(
        CaseParty.case_id == case.id, CaseParty.user_id == user.id, CaseParty.capacity == capacity.value,
        CaseParty.ended_at.is_(None),
        CaseParty.creditor_id.is_(None) if creditor_id is None else CaseParty.creditor_id == creditor_id))
    if existing is not None:
        raise PartyExists(details={"party_id": existing})
    now = clock.now()
    link = CaseParty(case_id=case.id, user_id=user.id, capacity=capacity.value, creditor_id=creditor_id,
                     linked_by=actor.user_id, created_at=now, updated_at=now)
    session.add(link)
    await session.flush()
    audit.record(session, "case.party_linked", "case", case.id, actor=actor, office_id=case.office_id,
                 data={"party_id": link.id, "user_id": user.id, "capacity": capacity.value,
                       "creditor_id": creditor_id})
    return link


async def end_link(session: AsyncSession, actor: Principal, case_id: int, party_id: int) -> CaseParty:
    case = await get_case_for(session, actor, case_id)
    link = await session.get(CaseParty, party_id)
    if link is None or link.case_id != case.id:
        raise PartyNotFound(details={"party_id": party_id})
    if link.ended_at is None:
        link.ended_at = link.updated_at = clock.now()
        audit.record(session, "case.party_unlinked", "case", case.id, actor=actor, office_id=case.office_id,
                     data={"party_id": link.id, "user_id": link.user_id})
    return link


async def parties_of(session: AsyncSession, actor: Principal, case_id: int) -> list[CaseParty]:
    case = await get_case_for(session, actor, case_id)
    stmt = select(CaseParty).where(CaseParty.case_id == case.id).order_by(CaseParty.id)
    return list((await session.scalars(stmt)).all())


async def files_of(session: AsyncSession, actor: Principal) -> list[Case]:
    """The files the actor (a party) is linked to today."""
    stmt = (select(Case).join(CaseParty, CaseParty.case_id == Case.id)
            .where(CaseParty.user_id == actor.user_id, CaseParty.ended_at.is_(None))
            .distinct().order_by(Case.id.desc()))
    return list((await session.scalars(stmt)).all())


async def standing_in(session: AsyncSession, actor: Principal, case_id: int) -> Standing:
    """The actor's standing in a file it is linked to; 404 otherwise (a party learns nothing of files it is
    not a party of, not even that they exist)."""
    rows = (await session.execute(select(CaseParty.capacity, CaseParty.creditor_id).where(
        CaseParty.case_id == case_id, CaseParty.user_id == actor.user_id, CaseParty.ended_at.is_(None)))).all()
    if not rows:
        raise CaseNotFound(details={"case_id": case_id})
    creditor_ids = frozenset(c for _, c in rows if c is not None)
    debtor_side = any(PartyCapacity(cap) not in CREDITOR_SIDE for cap, _ in rows)
    return Standing(case_id=case_id, creditor_ids=creditor_ids, debtor_side=debtor_side)


async def _party_user(session: AsyncSession, data: PartyLink) -> User:
    if (data.user_id is None) == (data.email is None):
        raise PartyInvalid("Kişiyi hesap numarası ya da e-posta adresiyle seçin (ikisinden biri).",
                           details={"field": "user_id"})
    if data.user_id is not None:
        user = await session.get(User, data.user_id)
    else:
        user = await session.scalar(select(User).where(User.email == users.normalise_email(data.email or "")))
    if user is None or not user.is_active:
        raise PartyInvalid("Bu kişinin etkin bir hesabı yok.", details={"field": "user_id"})
    if user.role != Role.party.value:
        raise PartyInvalid("Dosyaya yalnızca taraf (party) rolündeki hesaplar bağlanabilir.",
                           details={"field": "user_id", "role": user.role})
    return user
