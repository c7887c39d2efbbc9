"""The authenticated actor of a request, and the authorisation checks every route goes through."""

from __future__ import annotations

from dataclasses import dataclass

from auction.users.errors import OfficeScope, RoleRequired
from auction.users.models import STAFF_ROLES, Role


@dataclass(frozen=True)
class Principal:
    user_id: int
    role: Role
    office_id: int | None
    email: str
    full_name: str
    via: str  # "session" | "token"
    session_id: int | None = None
    csrf_token: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin


def ensure_role(principal: Principal, *roles: Role) -> None:
    if principal.role not in roles:
        raise RoleRequired(details={"required": sorted(r.value for r in roles), "role": principal.role.value})


def ensure_office(principal: Principal, office_id: int) -> None:
    """Staff and müdür act only on their own office's files; admins on every office."""
    if principal.role == Role.admin:
        return
    if not principal.is_staff or principal.office_id != office_id:
        raise OfficeScope(details={"office_id": office_id})


def can_see_identities(principal: Principal | None, office_id: int) -> bool:
    """A-34: only the officials operating the sale may see who the bidders are."""
    if principal is None or not principal.is_staff:
        return False
    return principal.role == Role.admin or principal.office_id == office_id
