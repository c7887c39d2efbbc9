"""The audit log as the desk reads it (`/staff/audit`, and each object's own history): office-scoped
(staff see their office's rows, an admin every row), filtered, newest first, with who did it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from auction.audit.models import AuditEntry
from auction.disbursement.models import Cetvel
from auction.users.models import User
from auction.users.principal import Principal
from auction.users.scope import in_office

MAX_ROWS = 5000


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None  # a prefix: "sale." or "user.invited"
    entity_type: str | None = None
    entity_id: str | None = None
    actor_email: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    # Rows of any of these (entity_type, entity_id) pairs: one object's history spread over several records.
    entities: tuple[tuple[str, str], ...] = ()


async def entries(session: AsyncSession, actor: Principal, f: AuditFilter,
                  limit: int = 200) -> list[tuple[AuditEntry, str | None]]:
    """(row, the actor's e-mail) for every audit row the actor may read that matches `f`."""
    stmt = select(AuditEntry, User.email).outerjoin(User, User.id == AuditEntry.actor_user_id)
    stmt = in_office(stmt, actor, AuditEntry.__table__.c.office_id)
    if f.action:
        stmt = stmt.where(AuditEntry.action.startswith(f.action, autoescape=True))
    if f.entity_type:
        stmt = stmt.where(AuditEntry.entity_type == f.entity_type)
    if f.entity_id:
        stmt = stmt.where(AuditEntry.entity_id == f.entity_id)
    if f.entities:
        stmt = stmt.where(or_(*(and_(AuditEntry.entity_type == t, AuditEntry.entity_id == i) for t, i in f.entities)))
    if f.actor_email:
        stmt = stmt.where(User.email == f.actor_email.strip().lower())
    if f.since:
        stmt = stmt.where(AuditEntry.at >= f.since)
    if f.until:
        stmt = stmt.where(AuditEntry.at < f.until)
    stmt = stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(min(limit, MAX_ROWS))
    return [(row, email) for row, email in (await session.execute(stmt)).all()]


async def sale_history(session: AsyncSession, actor: Principal, sale_id: int,
                       limit: int = 100) -> list[tuple[AuditEntry, str | None]]:
    """A sale's own history on its page: its rows and those of its sıra cetveli (served, finalised, payouts
    prepared, approved and sent are recorded against the cetvel, D-40 … D-44), newest first."""
    cetvel_id = await session.scalar(select(Cetvel.id).where(Cetvel.sale_id == sale_id))
    pairs = [("sale", str(sale_id))] + ([("distribution", str(cetvel_id))] if cetvel_id is not None else [])
    return await entries(session, actor, AuditFilter(entities=tuple(pairs)), limit=limit)
