"""The staff desk (`/staff`, docs/desk.md): the office's work queue, most urgent first, each row a link to
its object; the navigation badge's count. The queue itself is `auction.desk.queue`; this module only
translates the query string and picks the link of each row."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from auction.desk import queue
from auction.desk.queue import Item
from auction.users import service as users
from auction.users.models import Role
from web.deps import DbSession, StaffUser
from web.templating import render

router = APIRouter()


def link_of(item: Item) -> str:
    """Where a queue row leads: the sale's staff page, its cetvel (the cetvel, its objections and payouts),
    the lot, the mektup list."""
    if item.object_type in ("cetvel", "objection") and item.sale_id is not None:
        return f"/staff/sales/{item.sale_id}/cetvel"
    if item.object_type == "sale":
        return f"/staff/sales/{item.object_id}"
    if item.object_type == "mektup":
        return "/buro/teminat-mektuplari"
    return f"/staff/lots/{item.object_id}"


def _role(value: str | None) -> Role | None:
    return Role(value) if value in (Role.staff.value, Role.manager.value) else None


@router.get("/staff")
async def work_queue(request: Request, db: DbSession, actor: StaffUser,
                     kind: list[str] = Query(default_factory=list, max_length=20),
                     role: str | None = Query(None, max_length=16)) -> Response:
    kinds = [k for k in kind if k in queue.KINDS]
    every = await queue.collect(db, actor)  # the counts per kind are of the whole queue, whatever the filter
    items = [i for i in every if (not kinds or i.kind in kinds) and (_role(role) in (None, i.role))]
    # An admin's queue spans every office: each row says whose it is.
    offices = {o.id: o.code for o in await users.list_offices(db)} if actor.is_admin else {}
    return render(request, "desk/queue.html", {
        "rows": [(i, link_of(i)) for i in items], "kinds": list(queue.KINDS.values()), "selected": kinds,
        "role": _role(role), "counts": queue.count_by_kind(every), "offices": offices},
        headers={"Cache-Control": "no-store"})


@router.get("/staff/count")
async def queue_badge(request: Request, db: DbSession, actor: StaffUser) -> Response:
    """The navigation bar's badge (loaded by htmx after the page)."""
    total = sum((await queue.counts(db, actor)).values())
    return render(request, "desk/_badge.html", {"total": total}, headers={"Cache-Control": "no-store"})


@router.get("/buro")
async def old_home(_actor: StaffUser) -> Response:
    """The satış bürosu's old home: the desk replaced it."""
    return RedirectResponse("/staff", status_code=308)
