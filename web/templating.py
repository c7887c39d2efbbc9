"""Jinja2 pages: every template gets the translator, the user, the CSRF token and the formatters."""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from auction.clock import iso_ms
from auction.money import amount_in_words_en, amount_in_words_tr, fmt, fmt_tr
from web import filters
from web.i18n import DEFAULT_LANG, LANGS, translator
from web.security import LANG_COOKIE, PRE_CSRF_COOKIE, pre_session_csrf, set_cookie

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
ISTANBUL = ZoneInfo("Europe/Istanbul")

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


@lru_cache(maxsize=256)
def _static_version(path: str) -> str:
    try:
        return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:10]
    except OSError:
        return "0"


def static_url(path: str) -> str:
    """A cache-busting URL: the content hash changes whenever the file does."""
    return f"/static/{path}?v={_static_version(path)}"


def local_time(value: datetime | None, pattern: str = "%d.%m.%Y %H:%M") -> str:
    """Legal times are shown in Türkiye time (G-04)."""
    if value is None:
        return "—"
    return value.astimezone(ISTANBUL).strftime(pattern)


def money_tr(value: Decimal | str | None) -> str:
    # A string is an amount as the distribution engine's JSON result carries it ("117071.17").
    return "—" if value is None else fmt_tr(Decimal(value))


templates.env.globals.update(static_url=static_url, **filters.GLOBALS)
templates.env.filters.update(money=money_tr, money_plain=fmt, local_time=local_time, iso=iso_ms,
                             words_tr=amount_in_words_tr, words_en=amount_in_words_en, **filters.FILTERS)


def request_lang(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, DEFAULT_LANG)
    return lang if lang in LANGS else DEFAULT_LANG


def render(request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200,
           headers: dict[str, str] | None = None) -> Response:
    lang = request_lang(request)
    principal = getattr(request.state, "principal", None)
    minted_csrf: str | None = None
    if principal is not None and principal.csrf_token:
        csrf = principal.csrf_token
    else:
        csrf = pre_session_csrf(request)
        if request.cookies.get(PRE_CSRF_COOKIE) != csrf:
            minted_csrf = csrf
    ctx: dict[str, Any] = {
        "request": request,
        "lang": lang,
        "t": translator(lang),
        "principal": principal,
        "csrf_token": csrf,
    }
    ctx.update(context or {})
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code, headers=headers)
    if minted_csrf is not None:
        secure = request.app.state.runtime.settings.env == "production"
        set_cookie(response, PRE_CSRF_COOKIE, minted_csrf, secure=secure)
    return response
