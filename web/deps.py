"""Request dependencies: the database session, the principal, roles.

Every route declares who may call it through exactly one of the dependencies below (`Public`,
`MaybeUser`, `CurrentUser`, `BidderUser`, `StaffUser`, `ManagerUser`, `AdminUser`, `PartyUser`,
`PayeeUser`; WebSocket routes `MaybeWsUser`);
tests/test_authorization.py fails if a route has none. Office scope is checked by the services
(`ensure_office`) because only they know which office a record belongs to.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit

import structlog
from fastapi import Depends, Request, WebSocket
from sqlalchemy.ext.asyncio import AsyncSession

from auction.db import commit, rollback
from auction.errors import CsrfFailed, Unauthorized
from auction.runtime import Runtime
from auction.users import service as users
from auction.users.errors import InvalidToken
from auction.users.models import Role
from auction.users.principal import Principal, ensure_role
from web.params import Id
from web.security import SAFE_METHODS, SESSION_COOKIE, submitted_csrf, tokens_match


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_runtime(request: Request) -> Runtime:
    """Async although it awaits nothing: FastAPI runs a plain `def` dependency in a thread pool, a
    thread hop on every request that uses it (the bid among them)."""
    return runtime_of(request)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def login_policy(runtime: Runtime) -> users.LoginPolicy:
    """The lock-out of the settings (ESATIS_LOGIN_MAX_FAILURES, ESATIS_LOGIN_LOCKOUT_MINUTES)."""
    settings = runtime.settings
    return users.LoginPolicy(max_failures=settings.login_max_failures,
                             lockout=timedelta(minutes=settings.login_lockout_minutes))


async def _db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One AsyncSession per request: commit on success (before the response is sent, thanks to
    scope="function"), roll back on any error. After-commit hooks (live fan-out) run after the commit."""
    async with runtime_of(request).db.sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await rollback(session)
            raise
        else:
            await commit(session)


DbSession = Annotated[AsyncSession, Depends(_db_session, scope="function")]


async def _bid_admission(lot_id: Id, request: Request) -> AsyncIterator[None]:
    """Per-lot admission of a bid (auction/admission.py): entered before the request's first query and
    left after its commit, so bids beyond the lot's limit wait here without a database connection. A
    route declares it before `DbSession`: dependencies are entered in order and left in reverse."""
    async with runtime_of(request).bid_admission.enter(lot_id):
        yield


BidAdmission = Annotated[None, Depends(_bid_admission, scope="function")]


async def optional_principal(request: Request, db: DbSession) -> Principal | None:
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    principal: Principal | None = None
    auth = request.headers.get("authorization")
    if auth:
        scheme, _, raw = auth.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise InvalidToken()
        principal = await users.resolve_token(db, raw.strip())
    else:
        raw_cookie = request.cookies.get(SESSION_COOKIE)
        if raw_cookie:
            principal = await users.resolve_web_session(db, raw_cookie)
            # A cookie is ambient authority: an unsafe request must prove it came from our pages.
            if (principal is not None and request.method not in SAFE_METHODS
                    and not tokens_match(await submitted_csrf(request), principal.csrf_token)):
                raise CsrfFailed()
    request.state.principal = principal
    if principal is not None:
        structlog.contextvars.bind_contextvars(user_id=principal.user_id, role=principal.role.value)
    return principal


MaybeUser = Annotated[Principal | None, Depends(optional_principal)]


async def require_principal(principal: MaybeUser) -> Principal:
    if principal is None:
        raise Unauthorized()
    return principal


CurrentUser = Annotated[Principal, Depends(require_principal)]


_DECLARED_ROLES: dict[Callable[..., object], frozenset[Role]] = {}


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    async def dependency(principal: CurrentUser) -> Principal:
        ensure_role(principal, *roles)
        return principal

    dependency.__name__ = "require_" + "_".join(r.value for r in roles)
    _DECLARED_ROLES[dependency] = frozenset(roles)
    return dependency


def declared_roles(dependency: Callable[..., object]) -> frozenset[Role] | None:
    """The roles a `require_roles` dependency admits (None for any other dependency)."""
    return _DECLARED_ROLES.get(dependency)


async def public() -> None:
    """Marks a route as deliberately open to anyone (tests/test_authorization.py checks the marker)."""


Public = Annotated[None, Depends(public)]
BidderUser = Annotated[Principal, Depends(require_roles(Role.bidder))]
StaffUser = Annotated[Principal, Depends(require_roles(Role.staff, Role.manager, Role.admin))]
ManagerUser = Annotated[Principal, Depends(require_roles(Role.manager, Role.admin))]
AdminUser = Annotated[Principal, Depends(require_roles(Role.admin))]
PartyUser = Annotated[Principal, Depends(require_roles(Role.party))]
# Whoever money is paid to and declares an IBAN for it: a bidder (teminat refunds) or a party (its payouts).
PayeeUser = Annotated[Principal, Depends(require_roles(Role.bidder, Role.party))]


async def optional_ws_principal(websocket: WebSocket) -> Principal | None:
    """The principal of a WebSocket handshake (docs/live.md): a bearer token in the `Authorization`
    header (API clients), else the session cookie - which counts only when the handshake's `Origin` is
    this site, because browsers send cookies with cross-site WebSocket handshakes and a page elsewhere
    must not ride on them (cross-site WebSocket hijacking). Why a credential was refused is left in
    `websocket.state.auth_refused` ("invalid_token", "origin_not_allowed") for the route to report."""
    websocket.state.auth_refused = None
    runtime: Runtime = websocket.app.state.runtime
    auth = websocket.headers.get("authorization")
    raw_cookie = websocket.cookies.get(SESSION_COOKIE)
    if not auth and not raw_cookie:
        return None
    if not auth and not origin_allowed(websocket.headers.get("origin"), websocket.headers.get("host"),
                                       runtime.settings.public_url):
        websocket.state.auth_refused = "origin_not_allowed"
        return None
    async with runtime.db.sessionmaker() as db:
        if auth:
            scheme, _, raw = auth.partition(" ")
            try:
                if scheme.lower() != "bearer" or not raw.strip():
                    raise InvalidToken()
                return await users.resolve_token(db, raw.strip())
            except InvalidToken:
                websocket.state.auth_refused = "invalid_token"
                return None
        return await users.resolve_web_session(db, raw_cookie or "")


def origin_allowed(origin: str | None, host: str | None, public_url: str | None) -> bool:
    """Same-origin check of a WebSocket handshake. No Origin header: not a browser, so no ambient cookie
    is being abused. Otherwise the Origin's host[:port] must be the Host the request came to, or the
    configured public URL's."""
    if origin is None:
        return True
    netloc = urlsplit(origin).netloc.lower()
    allowed = {h.lower() for h in (host, urlsplit(public_url).netloc if public_url else None) if h}
    return bool(netloc) and netloc in allowed


MaybeWsUser = Annotated[Principal | None, Depends(optional_ws_principal)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def otp_send_limit(request: Request, runtime: RuntimeDep) -> None:
    """One-time codes sent (each an SMS that costs money and can harass a phone) per client IP per hour
    (ESATIS_OTP_SEND_PER_IP_HOUR), on top of the per-user limit of the service: 429 `rate_limited`."""
    rule = f"{runtime.settings.otp_send_per_ip_hour}/hour"
    await runtime.limiter.hit(rule, "otp_send_ip", client_ip(request))


async def otp_confirm_limit(request: Request, runtime: RuntimeDep) -> None:
    """Codes tried per client IP (rule `otp_ip`), on top of the 5 tries per code and the per-user limit."""
    await runtime.limiter.hit("otp_ip", client_ip(request))


async def bid_ip_limit(request: Request, runtime: RuntimeDep) -> None:
    """Bids per client IP (rule `bid_ip`), on top of the per-user rule `bid`: 429 `rate_limited`."""
    await runtime.limiter.hit("bid_ip", client_ip(request))


OtpSendLimit = Annotated[None, Depends(otp_send_limit)]
OtpConfirmLimit = Annotated[None, Depends(otp_confirm_limit)]
BidIpLimit = Annotated[None, Depends(bid_ip_limit)]
