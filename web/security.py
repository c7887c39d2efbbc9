"""Cookies and CSRF.

Browsers authenticate with a server-side session (cookie `esatis_session`, HttpOnly, SameSite=Lax,
Secure in production). Every unsafe request that relies on that cookie must carry the session's CSRF
token, in the `X-CSRF-Token` header (htmx, fetch) or a `csrf_token` form field. Forms used before login
(login, register) use a double-submit cookie `esatis_csrf` instead. Bearer-token requests carry no
ambient authority and need no CSRF token.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "esatis_session"
PRE_CSRF_COOKIE = "esatis_csrf"
LANG_COOKIE = "lang"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def tokens_match(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


async def submitted_csrf(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/x-www-form-urlencoded") or ctype.startswith("multipart/form-data"):
        form = await request.form()  # Starlette caches it, so the endpoint can still read the form
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def pre_session_csrf(request: Request) -> str:
    """The token for anonymous forms: reuse the cookie's, or mint one (the caller sets the cookie)."""
    return request.cookies.get(PRE_CSRF_COOKIE) or secrets.token_urlsafe(32)


def set_cookie(response: Response, name: str, value: str, *, secure: bool, max_age: int | None = None,
               httponly: bool = True) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=httponly, secure=secure, samesite="lax", path="/")
