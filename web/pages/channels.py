"""Notification channels on the profile page (`/hesabim/profil`, the form posts to
`/hesabim/bildirim-kanallari`) and the unsubscribe link of e-mails (`/abonelik/{token}`, no sign-in: the
signed token is the authority; POST also answers RFC 8058 one-click requests from mail clients)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from auction.notifications import prefs
from auction.notifications.catalogue import CHANNELS, load
from auction.notifications.unsubscribe import read_token
from web.deps import BidderUser, DbSession, Public, RuntimeDep
from web.params import Id
from web.templating import render, request_lang

router = APIRouter()


async def section(request: Request, db: AsyncSession, user_id: Id) -> dict[str, Any]:
    """What the profile page needs for its channels section (kinds named in the page's language)."""
    return {"channel_prefs": await prefs.preferences(db, user_id, label_lang=request_lang(request)),
            "channel_limits": load().delivery}


@router.post("/hesabim/bildirim-kanallari")
async def save(request: Request, db: DbSession, me: BidderUser) -> Response:
    form = await request.form()
    current = await prefs.preferences(db, me.user_id)
    changes: dict[str, dict[str, bool]] = {}
    for choice in current.kinds:
        # A checkbox that is not ticked is not sent: every box of the form counts (essential in-app is fixed).
        changes[choice.kind] = {c: form.get(f"{choice.kind}.{c}") == "1" for c in CHANNELS
                                if not (c == "in_app" and choice.essential)}
    lang = str(form.get("lang") or current.lang)
    await prefs.set_preferences(db, me, changes, lang=lang, source="profile")
    return RedirectResponse("/hesabim/profil?kanallar=1#bildirim-kanallari", status_code=303)


def _unsubscribe_context(request: Request, runtime: Any, token: str) -> dict[str, Any]:
    wanted = read_token(runtime.settings.resolved_secret_key(), token)
    kind = load().get(wanted.kind)
    return {"token": token, "kind_label": kind.label(request_lang(request)) if kind else wanted.kind,
            "channel": wanted.channel}


@router.get("/abonelik/{token}")
async def unsubscribe_page(request: Request, token: str, runtime: RuntimeDep, _: Public) -> Response:
    ctx = _unsubscribe_context(request, runtime, token)
    return render(request, "unsubscribe.html", {**ctx, "done": False}, headers={"Cache-Control": "no-store",
                                                                               "Referrer-Policy": "no-referrer"})


@router.post("/abonelik/{token}")
async def unsubscribe(request: Request, token: str, db: DbSession, runtime: RuntimeDep, _: Public) -> Response:
    ctx = _unsubscribe_context(request, runtime, token)
    await prefs.unsubscribe(db, read_token(runtime.settings.resolved_secret_key(), token))
    return render(request, "unsubscribe.html", {**ctx, "done": True}, headers={"Cache-Control": "no-store",
                                                                              "Referrer-Policy": "no-referrer"})
