"""The staff page of the tax report (`/staff/reports/taxes`, `data-testid` `tax-report`): the KDV and damga
vergisi collected in the office's sales in a period, with a link to the same report as CSV."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from auction.disbursement import service
from auction.errors import DomainError
from web.deps import DbSession, RuntimeDep, StaffUser
from web.templating import render

router = APIRouter(prefix="/staff/reports/taxes")


@router.get("")
async def page(request: Request, db: DbSession, runtime: RuntimeDep, actor: StaffUser,
               from_: date | None = Query(None, alias="from"), to: date | None = None) -> Response:
    try:
        r = await service.tax_report(db, runtime, actor, from_, to)
    except DomainError as exc:
        return render(request, "cetvel/taxes.html", {"r": None, "error": exc.code}, status_code=422,
                      headers={"Cache-Control": "no-store"})
    return render(request, "cetvel/taxes.html", {"r": r, "error": None}, headers={"Cache-Control": "no-store"})
