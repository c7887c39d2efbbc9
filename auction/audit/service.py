from __future__ import annotations

from enum import Enum
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock, context
from auction.audit.models import AuditEntry


class Actor(Protocol):
    """Who did it: a `users.principal.Principal` (audit sits below users, so it names only what it reads)."""

    @property
    def user_id(self) -> int: ...

    @property
    def role(self) -> Enum: ...


def record(
    session: AsyncSession,
    action: str,
    entity_type: str,
    entity_id: int | str,
    *,
    actor: Actor | None = None,
    office_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append an audit row to the caller's transaction: it commits or rolls back with the change."""
    entry = AuditEntry(**row(action, entity_type, entity_id, actor=actor, office_id=office_id, data=data))
    session.add(entry)
    return entry


def row(
    action: str,
    entity_type: str,
    entity_id: int | str,
    *,
    actor: Actor | None = None,
    office_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The `audit_log` row of a change, for a caller that inserts it in its transaction itself (the bid)."""
    ctx = context.current()
    return {"at": clock.now(), "actor_user_id": actor.user_id if actor else None,
            "actor_role": actor.role.value if actor else None, "action": action, "entity_type": entity_type,
            "entity_id": str(entity_id), "office_id": office_id, "data": data or {}, "request_id": ctx.request_id,
            "ip": ctx.ip, "source": ctx.source}
