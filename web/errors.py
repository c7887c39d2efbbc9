"""One error shape for every failure: `{"error": {"code", "message", "details"}}` with a 4xx status.

Domain errors keep their code and status; request validation becomes 422 `validation_error` with every
problem and its path; unknown routes and methods get the same shape; anything unexpected is a 500
`internal_error` carrying only the request id (the stack trace goes to the log, never to the client).
Browser pages get the same information as an HTML page (401 on a page redirects to the login form).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from auction.errors import DomainError, Unauthorized
from web.templating import render

log = structlog.get_logger(__name__)

_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    406: "not_acceptable", 409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type",
    422: "validation_error", 429: "rate_limited",
}
_HTTP_MESSAGES = {
    404: "Aradığınız adres bulunamadı.",
    405: "Bu adres bu yöntemle çağrılamaz.",
}


def wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/api/") or path.startswith("/ws/") or path in ("/healthz", "/readyz"):
        return False
    return "text/html" in request.headers.get("accept", "") or request.headers.get("hx-request") == "true"


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _respond(request: Request, status: int, code: str, message: str, details: dict[str, Any],
             headers: dict[str, str] | None = None) -> Response:
    if wants_html(request):
        if status == 401 and request.method == "GET":
            return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
        template = "_error_fragment.html" if request.headers.get("hx-request") == "true" else "error.html"
        return render(request, template, {"code": code, "message": message, "details": details,
                                          "status": status}, status_code=status, headers=headers)
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


async def domain_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    headers = None
    if exc.status == 429 and "reset_at" in exc.details:
        headers = {"Retry-After": "60"}
    if isinstance(exc, Unauthorized) and not wants_html(request):
        headers = {"WWW-Authenticate": "Bearer"}
    return _respond(request, exc.status, exc.code, exc.message, exc.details, headers)


def _loc_to_path(loc: tuple[Any, ...]) -> str:
    parts = [p for p in loc if p not in ("body", "query", "path", "header", "cookie")] or list(loc)
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out or "$"


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        problems.append({
            "path": _loc_to_path(loc),
            "in": str(loc[0]) if loc else "body",
            "code": str(err.get("type", "invalid")),
            "message": str(err.get("msg", "invalid")),
        })
    return _respond(request, 422, "validation_error", "Girilen bilgiler geçersiz.", {"problems": problems})


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = _HTTP_MESSAGES.get(exc.status_code) or (exc.detail if isinstance(exc.detail, str) else code)
    return _respond(request, exc.status_code, code, message, {}, getattr(exc, "headers", None))


async def integrity_error_handler(request: Request, exc: Exception) -> Response:
    """A safety net (issue 16): a request that names a record that does not exist, or repeats a unique one,
    and that no service check caught, is a 409 `integrity_conflict`, not a 500. The request's transaction
    is rolled back by the session dependency, so nothing of it is written. Logged as a warning: each one
    is a missing service check to add."""
    log.warning("integrity_conflict", path=request.url.path, error=type(getattr(exc, "orig", exc)).__name__)
    return _respond(request, 409, "integrity_conflict",
                    "İstek kayıtlı verilerle çelişiyor (var olmayan ya da yinelenen bir kayıt).", {})


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, domain_error_handler)
    app.add_exception_handler(IntegrityError, integrity_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
