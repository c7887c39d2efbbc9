from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from auction.errors import CsrfFailed, DomainError
from auction.users import service as users
from web.deps import CurrentUser, DbSession, MaybeUser, Public, RuntimeDep, client_ip, login_policy
from web.security import PRE_CSRF_COOKIE, SESSION_COOKIE, set_cookie, tokens_match
from web.templating import render

router = APIRouter()


def _safe_next(value: str | None) -> str:
    return value if value and value.startswith("/") and not value.startswith("//") else "/"


def _check_pre_csrf(request: Request, submitted: str) -> None:
    # Login CSRF: a forged login would sign the victim into the attacker's account.
    if not tokens_match(submitted, request.cookies.get(PRE_CSRF_COOKIE)):
        raise CsrfFailed()


@router.get("/login")
async def login_form(request: Request, principal: MaybeUser, next: str | None = None) -> Response:
    if principal is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", {"next": _safe_next(next), "email": ""})


@router.post("/login")
async def login(
    request: Request,
    db: DbSession,
    runtime: RuntimeDep,
    _: Public,  # open to anyone; the pre-session CSRF token guards it (login CSRF)
    email: str = Form(..., max_length=254),
    password: str = Form(..., max_length=256),
    csrf_token: str = Form(""),
    next: str = Form("/"),
) -> Response:
    _check_pre_csrf(request, csrf_token)
    try:
        await runtime.limiter.hit("login", client_ip(request))
        await runtime.limiter.hit("login", "email", email.strip().lower())
        user = await users.authenticate(db, email, password, policy=login_policy(runtime))
    except DomainError as exc:
        return render(request, "login.html", {"next": _safe_next(next), "email": email, "error": exc},
                      status_code=exc.status)
    # Session fixation: the browser never keeps a session id it carried before signing in; the one it
    # brought (planted or left over) is revoked and a fresh random one issued.
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:
        await users.revoke_web_session(db, previous)
    ttl = timedelta(hours=runtime.settings.session_ttl_hours)
    raw, _csrf = await users.start_web_session(db, user, ttl=ttl, ip=client_ip(request),
                                               user_agent=request.headers.get("user-agent"))
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_cookie(response, SESSION_COOKIE, raw, secure=runtime.settings.env == "production",
               max_age=int(ttl.total_seconds()))
    response.delete_cookie(PRE_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
async def logout(request: Request, db: DbSession, principal: CurrentUser) -> Response:
    await users.end_web_session(db, principal)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/register")
async def register_form(request: Request, _: MaybeUser) -> Response:
    return render(request, "register.html", {"email": "", "full_name": ""})


@router.post("/register")
async def register(
    request: Request,
    db: DbSession,
    runtime: RuntimeDep,
    _: MaybeUser,
    email: str = Form(..., max_length=254),
    full_name: str = Form(..., max_length=200),
    password: str = Form(..., max_length=256),
    csrf_token: str = Form(""),
) -> Response:
    _check_pre_csrf(request, csrf_token)
    try:
        await runtime.limiter.hit("register", client_ip(request))
        await users.register_bidder(db, email=email, password=password, full_name=full_name)
    except DomainError as exc:
        return render(request, "register.html", {"email": email, "full_name": full_name, "error": exc},
                      status_code=exc.status)
    return render(request, "login.html", {"next": "/", "email": email, "notice": "register.done"})
