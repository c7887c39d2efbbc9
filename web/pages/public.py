"""Public helpers: the language switch. (The home page is the search, web/pages/search.py.)"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from web.deps import MaybeUser, RuntimeDep
from web.i18n import LANGS
from web.security import LANG_COOKIE, set_cookie

router = APIRouter()


@router.get("/lang/{code}")
async def set_lang(code: str, request: Request, runtime: RuntimeDep, _: MaybeUser, next: str = "/") -> Response:
    # Only local paths: an open redirect would let a phishing link borrow our domain.
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    if code in LANGS:
        set_cookie(response, LANG_COOKIE, code, secure=runtime.settings.env == "production",
                   max_age=365 * 86400, httponly=False)
    return response
