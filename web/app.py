"""The FastAPI application: API, pages, static files, WebSocket, and (unless ESATIS_WORKERS=external)
the background workers in the same process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

from auction import money
from auction.config import Settings, get_settings
from auction.logging import configure_logging
from auction.runtime import Runtime
from web import errors
from web.api import probes_router
from web.api import router as api_router
from web.deps import Public
from web.live import LiveHub
from web.live.routes import router as live_router
from web.middleware import AvailabilityMiddleware, RequestContextMiddleware
from web.pages import router as pages_router
from web.templating import STATIC_DIR, static_url
from workers.runner import Supervisor

log = structlog.get_logger(__name__)

# What every way of running the app under uvicorn must pass (docs/live.md): no permessage-deflate (it
# would compress every live frame once per connection, and costs memory per socket), protocol pings that
# close dead sockets, and small client frames (watchers send nothing of size).
UVICORN_WS_OPTIONS: dict[str, Any] = {
    "ws_per_message_deflate": False,
    "ws_ping_interval": 20.0,
    "ws_ping_timeout": 20.0,
    "ws_max_size": 64 * 1024,
}

DESCRIPTION = """
e-Satış: electronic auctions of seized property for Turkish enforcement offices (İİK 111/b ff.).

Errors always have the shape `{"error": {"code", "message", "details"}}`. Money is a string with two
decimals; times are UTC with milliseconds. Authenticate with `POST /api/v1/auth/token` and send
`Authorization: Bearer …`.

Rule ids in these descriptions (A-53, OP-15, T-01, …) are defined in the law catalogue of the esatis
repository, `docs/law/`; the names outside tools rely on are listed in `docs/api-contract.md`.
"""


def create_app(settings: Settings | None = None, *, run_workers: bool | None = None) -> FastAPI:
    settings = settings or get_settings()
    money.configure(maximum=settings.money_max)
    runtime = Runtime.from_settings(settings)
    if run_workers is None:
        run_workers = settings.workers == "inprocess"

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        hub = LiveHub(runtime)
        await hub.start()
        app.state.live = hub
        supervisor = None
        if run_workers:
            supervisor = Supervisor(runtime)
            await supervisor.start()
        app.state.supervisor = supervisor
        log.info("app_started", database=runtime.db.engine.dialect.name, broker=runtime.broker.kind,
                 workers="inprocess" if run_workers else "external", ruleset=settings.ruleset)
        try:
            yield
        finally:
            if supervisor is not None:
                await supervisor.stop()
            await hub.stop()
            await runtime.stop()

    app = FastAPI(
        title="esatis",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.runtime = runtime
    app.state.settings = settings
    errors.install(app)
    app.add_middleware(AvailabilityMiddleware)
    app.add_middleware(RequestContextMiddleware, hsts=settings.env == "production")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(_: Public) -> HTMLResponse:
        # Self-hosted assets: no third-party CDN on an official site.
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="esatis API",
            swagger_js_url=static_url("vendor/swagger-ui/swagger-ui-bundle.js"),
            swagger_css_url=static_url("vendor/swagger-ui/swagger-ui.css"),
            swagger_favicon_url=static_url("img/favicon.svg"),
        )

    app.include_router(probes_router)
    app.include_router(api_router)
    app.include_router(pages_router)
    app.include_router(live_router)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    return app


def app_factory() -> FastAPI:
    """For `uvicorn --factory web.app:app_factory` (deployments that run uvicorn directly). Pass the
    options of `UVICORN_WS_OPTIONS` too: `--ws-per-message-deflate false --ws-ping-interval 20
    --ws-ping-timeout 20 --ws-max-size 65536` (`esatis serve` does)."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)
