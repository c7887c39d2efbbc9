"""The audit log on the desk (`/staff/audit`): filters and a CSV export of the same rows
(`/staff/audit.csv`). Office-scoped in auction/desk/audit_log.py."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time, timedelta

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from auction.calendar import ISTANBUL
from auction.clock import iso_ms
from auction.desk import audit_log
from auction.desk.audit_log import AuditFilter
from web.deps import DbSession, StaffUser
from web.templating import render

router = APIRouter()


def _day(value: str | None, *, end: bool = False) -> datetime | None:
    """A date of the form (the office's day) as the moment it starts (or, for `end`, the next day's)."""
    if not value:
        return None
    try:
        d = date.fromisoformat(value)
    except ValueError:
        return None
    return datetime.combine(d + timedelta(days=1 if end else 0), time(0, 0), tzinfo=ISTANBUL)


def _filter(action: str | None, entity_type: str | None, entity_id: str | None, person: str | None,
            since: str | None, until: str | None) -> AuditFilter:
    return AuditFilter(action=action or None, entity_type=entity_type or None, entity_id=entity_id or None,
                       actor_email=person or None, since=_day(since), until=_day(until, end=True))




@router.get("/staff/audit")
async def audit_page(request: Request, db: DbSession, actor: StaffUser,
                     action: str | None = Query(None, max_length=64),
                     entity_type: str | None = Query(None, max_length=64),
                     entity_id: str | None = Query(None, max_length=64),
                     person: str | None = Query(None, max_length=254), since: str | None = Query(None, max_length=10),
                     until: str | None = Query(None, max_length=10)) -> Response:
    f = _filter(action, entity_type, entity_id, person, since, until)
    rows = await audit_log.entries(db, actor, f)
    form = {"action": action or "", "entity_type": entity_type or "", "entity_id": entity_id or "",
            "person": person or "", "since": since or "", "until": until or ""}
    return render(request, "desk/audit.html", {"rows": rows, "form": form, "query": request.url.query},
                  headers={"Cache-Control": "no-store"})


@router.get("/staff/audit.csv")
async def audit_csv(db: DbSession, actor: StaffUser, action: str | None = Query(None, max_length=64),
                    entity_type: str | None = Query(None, max_length=64),
                    entity_id: str | None = Query(None, max_length=64),
                    person: str | None = Query(None, max_length=254), since: str | None = Query(None, max_length=10),
                    until: str | None = Query(None, max_length=10)) -> Response:
    f = _filter(action, entity_type, entity_id, person, since, until)
    rows = await audit_log.entries(db, actor, f, limit=audit_log.MAX_ROWS)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["at", "action", "entity_type", "entity_id", "office_id", "actor_user_id", "actor_email", "actor_role",
                "source", "request_id", "ip", "data"])
    for e, email in rows:
        w.writerow([iso_ms(e.at), e.action, e.entity_type, e.entity_id, e.office_id or "", e.actor_user_id or "",
                    email or "", e.actor_role or "", e.source, e.request_id or "", e.ip or "",
                    json.dumps(e.data, ensure_ascii=False, sort_keys=True, default=str)])
    return Response(out.getvalue().encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="denetim-kaydi.csv"',
                             "Cache-Control": "no-store"})
