"""Pure-ASGI middleware: request id and logging, security headers, and the last-resort 500.

Pure ASGI (not BaseHTTPMiddleware) so that WebSockets and streaming responses pass untouched.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from auction import context
from auction.availability.service import Source, record_failure_safely
from auction.db import is_unavailable

log = structlog.get_logger("esatis.request")
_RID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
       "form-action 'self'")
# Swagger UI boots from an inline script; only /docs gets that allowance.
CSP_DOCS = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'")


_HTML_500 = """<!doctype html><html lang="tr"><head><meta charset="utf-8"><title>Hata — e-Satış</title>
</head><body><main><h1>Bir sorun oluştu</h1><p>{message}</p><p>Hata kodu: {code} · {rid}</p>
<p><a href="/">Ana sayfaya dön</a></p></main></body></html>"""


_UNAVAILABLE_MESSAGE = "Veritabanına şu anda ulaşılamıyor; işleminiz kaydedilmedi. Lütfen birazdan yeniden deneyin."


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        rid = headers.get("x-request-id", "")
        if not _RID.match(rid):
            rid = uuid.uuid4().hex
        client = scope.get("client")
        ip = client[0] if client else None
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=rid)
        token = context.set_context(context.RequestContext(request_id=rid, ip=ip, source="web"))
        started = time.perf_counter()
        state: dict[str, Any] = {"status": None}
        path = scope.get("path", "")

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                extra = [
                    (b"x-request-id", rid.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"),
                    (b"content-security-policy", (CSP_DOCS if path.startswith("/docs") else CSP).encode()),
                ]
                # HSTS only where the browser reached us over TLS: ESATIS_ENV=production (always behind the
                # TLS proxy), or a request whose scheme is https (uvicorn's proxy_headers takes it from the
                # trusted proxy's X-Forwarded-Proto). Over plain http it would be ignored anyway.
                if self.hsts or scope.get("scheme") in ("https", "wss"):
                    extra.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
                existing = list(message.get("headers", []))
                # A route that serves a standalone document (sıra cetveli, tutanak) or an upload sets its
                # own, tighter policy (and its own nosniff); don't override or repeat it.
                present = {k.lower() for k, _ in existing}
                extra = [h for h in extra if h[0] not in present]
                message["headers"] = existing + extra
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            # The database out of reach (refused, dropped mid-request, restarting) is an outage, not a bug:
            # 503 `database_unavailable` with Retry-After; the transaction was not committed, so nothing of
            # the request is stored, and the pool reconnects by itself (pre-ping) once it is back.
            unavailable = is_unavailable(exc)
            if unavailable:
                log.warning("database_unavailable", path=path, error=type(exc).__name__)
            else:
                log.error("unhandled_error", exc_info=exc, path=path)
            if scope["type"] == "http" and state["status"] is None:
                status, code = (503, "database_unavailable") if unavailable else (500, "internal_error")
                message = (_UNAVAILABLE_MESSAGE if unavailable
                           else "Beklenmeyen bir hata oluştu; kayıt altına alındı.")
                if "text/html" in headers.get("accept", "") and not path.startswith("/api/"):
                    body = _HTML_500.format(message=message, code=code, rid=rid).encode()
                    ctype = b"text/html; charset=utf-8"
                else:
                    body = json.dumps({"error": {"code": code, "message": message,
                                                 "details": {"request_id": rid}}}).encode()
                    ctype = b"application/json"
                extra_headers = [(b"content-type", ctype)]
                if unavailable:
                    extra_headers.append((b"retry-after", b"5"))
                await send_wrapper({"type": "http.response.start", "status": status, "headers": extra_headers})
                await send({"type": "http.response.body", "body": body})
                state["status"] = status
            else:
                raise
        finally:
            if scope["type"] == "http" and not path.startswith("/static/"):
                log.info("request", method=scope.get("method"), path=path, status=state["status"],
                         duration_ms=round((time.perf_counter() - started) * 1000, 2))
            context.reset_context(token)
            structlog.contextvars.clear_contextvars()


_BID_PATH = re.compile(r"^/api/v1/lots/\d+/bids/?$")


class AvailabilityMiddleware:
    """A-43 / OP-12: a bid request that the portal fails (a 5xx answer, or an exception with no answer)
    adds one failure to the availability record (`auction/availability`), in its own transaction after
    the request's own has failed. Successful bids and the bidder's own errors (4xx) write nothing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or not _BID_PATH.match(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        status: dict[str, int] = {}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
            await send(message)

        failed = False
        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            failed = True
            raise
        finally:
            if failed or status.get("code", 500) >= 500:
                await self._record(scope)

    @staticmethod
    async def _record(scope: Scope) -> None:
        app = scope.get("app")
        runtime = getattr(getattr(app, "state", None), "runtime", None)
        if runtime is not None:
            await record_failure_safely(runtime.db, Source.bid_endpoint)
