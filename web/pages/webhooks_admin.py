"""The admin's webhook pages (`/yonetim/webhooklar`): the same operations as `/api/v1/webhooks/endpoints…`,
through the same service functions, with the delivery log refreshing itself (htmx)."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Form, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from auction import clock
from auction.errors import DomainError, Unprocessable
from auction.events.service import EVENT_TYPES
from auction.notifications import service as notifications
from auction.users.principal import Principal
from auction.webhooks import service as webhooks
from auction.webhooks.dispatch import circuit_state
from auction.webhooks.errors import WebhookEventsInvalid
from auction.webhooks.schemas import EndpointCreate, RedeliverIn
from web.deps import AdminUser, DbSession, RuntimeDep
from web.params import ID_MAX, Id
from web.templating import ISTANBUL, render

router = APIRouter(prefix="/yonetim/webhooklar")

NOTICES = {"test": "wh.test_sent", "disabled": "wh.disabled_ok", "enabled": "wh.enabled_ok"}
ALERT_KINDS = ("webhook_failing", "webhook_disabled")


def _page(request: Request, template: str, ctx: dict[str, Any], status: int = 200) -> Response:
    return render(request, template, {"event_types": sorted(EVENT_TYPES), "now": clock.now(),
                                      "circuit_state": circuit_state, **ctx},
                  status_code=status, headers={"Cache-Control": "no-store"})


async def _alerts(db: AsyncSession, actor: Principal) -> list[Any]:
    return [n for n in await notifications.page(db, actor.user_id, limit=20) if n.kind in ALERT_KINDS][:5]


async def _list(request: Request, db: AsyncSession, actor: Principal, *, form: dict[str, Any] | None = None,
                error: DomainError | None = None, status: int = 200) -> Response:
    endpoints = await webhooks.list_endpoints(db, actor)
    return _page(request, "admin/webhooks.html", {
        "endpoints": endpoints, "pending": await webhooks.pending_counts(db, [e.id for e in endpoints]),
        "form": form or {"url": "", "description": "", "events": []}, "error": error,
        "alerts": await _alerts(db, actor)}, status)


@router.get("")
async def list_page(request: Request, db: DbSession, actor: AdminUser) -> Response:
    return await _list(request, db, actor)


@router.post("")
async def create(request: Request, db: DbSession, runtime: RuntimeDep, actor: AdminUser,
                 url: str = Form("", max_length=2000), description: str = Form("", max_length=200)) -> Response:
    events = [str(e) for e in (await request.form()).getlist("events")]
    form = {"url": url, "description": description, "events": events}
    try:
        if not events:
            raise WebhookEventsInvalid()
        endpoint, secret = await webhooks.create_endpoint(
            db, runtime, actor, EndpointCreate(url=url, events=events, description=description))
    except DomainError as exc:
        await db.rollback()
        return await _list(request, db, actor, form=form, error=exc, status=exc.status)
    return _page(request, "admin/webhook_secret.html", {"endpoint": endpoint, "secret": secret, "rotated": False})


async def _detail(request: Request, db: AsyncSession, actor: Principal, endpoint_id: Id, *,
                  notice: str | None = None, notice_n: int = 0, error: DomainError | None = None,
                  status: int = 200, before_id: int | None = None) -> Response:
    endpoint = await webhooks.get_endpoint(db, actor, endpoint_id)
    rows, waiting, older = await webhooks.delivery_log(db, actor, endpoint_id, before_id=before_id, limit=50)
    return _page(request, "admin/webhook_detail.html", {
        "endpoint": endpoint, "rows": rows, "waiting": waiting, "older": older, "notice": notice,
        "notice_n": notice_n, "error": error, "paged": before_id is not None,
        "pending": (await webhooks.pending_counts(db, [endpoint_id])).get(endpoint_id, 0),
        "overlap_default": 24}, status)


@router.get("/{endpoint_id}")
async def detail(request: Request, endpoint_id: Id, db: DbSession, actor: AdminUser, ok: str | None = None,
                 n: int | None = Query(None, ge=0, le=ID_MAX),
                 before_id: int | None = Query(None, ge=1, le=ID_MAX)) -> Response:
    """The endpoint, its actions and its delivery log (`before_id`: an older page, which stays still)."""
    notice = "wh.redelivered" if ok == "redelivered" else NOTICES.get(ok or "")
    return await _detail(request, db, actor, endpoint_id, notice=notice, notice_n=n or 0, before_id=before_id)


@router.get("/{endpoint_id}/teslimatlar")
async def log_fragment(request: Request, endpoint_id: Id, db: DbSession, actor: AdminUser) -> Response:
    """The newest page of the delivery log alone (htmx refreshes it every few seconds)."""
    endpoint = await webhooks.get_endpoint(db, actor, endpoint_id)
    rows, waiting, older = await webhooks.delivery_log(db, actor, endpoint_id, limit=50)
    return _page(request, "admin/_webhook_log.html", {"endpoint": endpoint, "rows": rows, "waiting": waiting,
                                                       "older": older})


async def _act(request: Request, db: AsyncSession, actor: Principal, endpoint_id: Id, action: Awaitable[Any],
               ok: str) -> Response:
    """Run one admin action; back to the endpoint with a notice, or the page again with the error."""
    try:
        await action
    except DomainError as exc:
        await db.rollback()
        return await _detail(request, db, actor, endpoint_id, error=exc, status=exc.status)
    return RedirectResponse(f"/yonetim/webhooklar/{endpoint_id}?ok={ok}", status_code=303)


@router.post("/{endpoint_id}/deneme")
async def test(request: Request, endpoint_id: Id, db: DbSession, runtime: RuntimeDep, actor: AdminUser) -> Response:
    return await _act(request, db, actor, endpoint_id, webhooks.send_test(db, runtime, actor, endpoint_id), "test")


@router.post("/{endpoint_id}/devre-disi")
async def disable(endpoint_id: Id, db: DbSession, actor: AdminUser) -> Response:
    await webhooks.disable_endpoint(db, actor, endpoint_id)
    return RedirectResponse(f"/yonetim/webhooklar/{endpoint_id}?ok=disabled", status_code=303)


@router.post("/{endpoint_id}/etkinlestir")
async def enable(request: Request, endpoint_id: Id, db: DbSession, runtime: RuntimeDep,
                 actor: AdminUser) -> Response:
    return await _act(request, db, actor, endpoint_id, webhooks.enable_endpoint(db, runtime, actor, endpoint_id),
                      "enabled")


@router.post("/{endpoint_id}/anahtar")
async def rotate(request: Request, endpoint_id: Id, db: DbSession, runtime: RuntimeDep, actor: AdminUser,
                 overlap_hours: float = Form(24, ge=0, le=168)) -> Response:
    endpoint, secret = await webhooks.rotate_secret(db, runtime, actor, endpoint_id, overlap_hours)
    return _page(request, "admin/webhook_secret.html", {"endpoint": endpoint, "secret": secret, "rotated": True})


def _local(value: str) -> datetime | None:
    """A `datetime-local` field, read as Türkiye time."""
    try:
        return datetime.fromisoformat(value).replace(tzinfo=ISTANBUL).astimezone(UTC) if value else None
    except ValueError:
        return None


@router.post("/{endpoint_id}/yeniden-gonder")
async def redeliver(request: Request, endpoint_id: Id, db: DbSession, runtime: RuntimeDep, actor: AdminUser,
                    event_id: str = Form("", max_length=40), since: str = Form("", max_length=32)) -> Response:
    chosen_event = event_id.strip() or None
    chosen_since = None if chosen_event else _local(since)
    if chosen_event is None and chosen_since is None:
        error = Unprocessable("Bir olay kimliği ya da bir başlangıç zamanı girin.", code="webhook_redeliver_invalid")
        return await _detail(request, db, actor, endpoint_id, error=error, status=422)
    try:
        out = await webhooks.redeliver(db, runtime, actor, endpoint_id,
                                       RedeliverIn(event_id=chosen_event, since=chosen_since))
    except DomainError as exc:
        await db.rollback()
        return await _detail(request, db, actor, endpoint_id, error=exc, status=exc.status)
    return RedirectResponse(f"/yonetim/webhooklar/{endpoint_id}?ok=redelivered&n={len(out)}", status_code=303)
