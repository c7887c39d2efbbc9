"""Home and search (`/`, `/ara`), the watchlist star and saving a search.

The search is a plain GET form, so every result page has a shareable URL and works without JavaScript;
htmx only replaces the results region and pushes the URL. The same handler answers both: a request from
htmx aimed at `#results` gets the fragment, anything else (including htmx's history restore) the page.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from auction import clock
from auction.lots.service import get_lot
from auction.watch import service as watch
from auction.watch.search import SearchParams, search
from web.deps import BidderUser, DbSession, MaybeUser
from web.pages.common import is_htmx, safe_next
from web.params import Id
from web.templating import render

router = APIRouter()


async def _search_response(request: Request, db: DbSession, principal: MaybeUser) -> Response:
    params = SearchParams.parse(request.query_params)
    page = await search(db, params, clock.now())
    watched = await watch.watched_among(db, principal.user_id if principal else None,
                                        [c.lot_id for c in page.items])
    ctx = {"page": page, "watched": watched, "is_htmx": is_htmx(request)}
    # The two shapes of one URL must never be cached as each other.
    headers = {"Vary": "HX-Request", "Cache-Control": "no-store"}
    if is_htmx(request) and request.headers.get("hx-target") == "results":
        return render(request, "_search_results.html", ctx, headers=headers)
    return render(request, "home.html", ctx, headers=headers)


@router.get("/")
async def home(request: Request, db: DbSession, principal: MaybeUser) -> Response:
    return await _search_response(request, db, principal)


@router.get("/ara")
async def search_page(request: Request, db: DbSession, principal: MaybeUser) -> Response:
    return await _search_response(request, db, principal)


@router.post("/ara/kaydet")
async def save_search(request: Request, db: DbSession, actor: BidderUser, query: str = Form("", max_length=2000),
                      name: str = Form("", max_length=120)) -> Response:
    params = SearchParams.parse(dict(parse_qsl(query)))
    await watch.save_search(db, actor.user_id, name, params)
    return RedirectResponse("/hesabim/izleme?kaydedildi=1", status_code=303)


@router.post("/lots/{lot_id}/izle")
async def toggle_watch(request: Request, lot_id: Id, db: DbSession, actor: BidderUser,
                       watch_: str = Form("1", alias="watch"),
                       next: str = Form("", max_length=500)) -> Response:
    """Star or unstar a lot. The form says which (not a blind toggle), so a double submit cannot undo itself."""
    if watch_ == "1":
        await watch.watch(db, actor.user_id, lot_id)
    else:
        await watch.unwatch(db, actor.user_id, lot_id)
    watching = watch_ == "1"
    if is_htmx(request):
        lot = await get_lot(db, lot_id)
        return render(request, "_watch_button.html", {"lot_id": lot_id, "lot_title": lot.title,
                                                      "watching": watching})
    return RedirectResponse(safe_next(next, f"/lots/{lot_id}"), status_code=303)
