from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text
from starlette.responses import JSONResponse

from auction import clock
from auction.availability.service import Source, record_failure_safely
from auction.clock import iso_ms
from web.deps import Public, RuntimeDep

router = APIRouter(tags=["system"])
probes = APIRouter(tags=["system"])


class TimeOut(BaseModel):
    now: str


@router.get("/time", response_model=TimeOut, summary="Server clock (UTC, ms): the only clock that counts (G-04)")
async def server_time(_: Public) -> TimeOut:
    return TimeOut(now=iso_ms(clock.now()))


@probes.get("/healthz", summary="Liveness: the process answers")
async def healthz(_: Public) -> dict[str, str]:
    return {"status": "ok"}


@probes.get("/readyz", summary="Readiness: the database (and Redis when configured) answer")
async def readyz(_: Public, runtime: RuntimeDep) -> JSONResponse:
    checks: dict[str, str] = {}
    ok = True
    try:
        async with runtime.db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
        ok = False
    if runtime.settings.redis_url:
        if await runtime.broker.ping():
            checks["redis"] = "ok"
        else:
            checks["redis"] = "error"
            ok = False
    else:
        checks["broker"] = "in-process"
    if not ok:
        # A-43 / OP-12: unavailability seen by our own monitoring goes into the availability record
        # (best effort: when the database itself is down the write fails too and is only logged).
        await record_failure_safely(runtime.db, Source.monitor)
    return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503)
