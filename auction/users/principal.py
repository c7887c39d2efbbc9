"""The authenticated actor of a request, and the authorisation checks every route goes through."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from auction.errors import Forbidden
from auction.users.errors import OfficeScope, RoleRequired
from auction.users.models import STAFF_ROLES, Role

P = ParamSpec("P")
T = TypeVar("T")


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


_REQUIRED_ROLES: dict[Callable[..., object], frozenset[Role]] = {}


def requires_role(*roles: Role, error: type[Forbidden] = RoleRequired) -> Callable[
        [Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
    """Declare, and enforce before it runs, the roles a service function demands of its `actor` argument
    (`actor=None` is the system - a worker - and passes). A declaration rather than an `if` in the body,
    so that tests/test_authorization.py can hold every route's declared role (`StaffUser`,
    `ManagerUser` …) against the services it calls: a route can never admit a role its service refuses."""

    def wrap(fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        signature = inspect.signature(fn)
        if "actor" not in signature.parameters:
            raise TypeError(f"{fn.__qualname__}: requires_role needs an `actor` parameter")

        @functools.wraps(fn)
        async def checked(*args: P.args, **kwargs: P.kwargs) -> T:
            actor = signature.bind_partial(*args, **kwargs).arguments.get("actor")
            if isinstance(actor, Principal) and actor.role not in roles:
                raise error(details={"required": sorted(r.value for r in roles), "role": actor.role.value})
            return await fn(*args, **kwargs)

        _REQUIRED_ROLES[checked] = frozenset(roles)
        return checked

    return wrap


def required_roles(fn: Callable[..., object]) -> frozenset[Role] | None:
    """The roles `fn` was declared to require (`requires_role`), or None."""
    return _REQUIRED_ROLES.get(fn)


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
