"""Who and what a unit of work is for: set by the web middleware (or a worker) and read by the audit log.

Kept in a ContextVar so that services do not need HTTP objects to record the request id and address.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str | None = None
    ip: str | None = None
    source: str = "web"  # web | worker | cli


# RequestContext is a frozen dataclass, so sharing one default instance is safe.
_ctx: ContextVar[RequestContext] = ContextVar(
    "esatis_request_context", default=RequestContext(source="system")  # noqa: B039
)


def current() -> RequestContext:
    return _ctx.get()


def set_context(ctx: RequestContext) -> object:
    return _ctx.set(ctx)


def reset_context(token: object) -> None:
    _ctx.reset(token)  # type: ignore[arg-type]
