"""The signed-in user's notifications (the account page; live on `WS /ws/me`, docs/live.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from auction.notifications import service as notifications
from web.deps import CurrentUser, DbSession
from web.params import ID_MAX, Id

router = APIRouter(prefix="/notifications", tags=["notifications"])


class NotificationOut(BaseModel):
    type: str = "notification"
    seq: int
    id: int
    kind: str = Field(description="outbid, deposit_confirmed, deposit_refunded, sale_won, payment_due, …")
    title: str
    message: str
    lot_id: int | None
    data: dict[str, Any]
    created_at: str
    read_at: str | None


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    unread: int
    last_seq: int = Field(description="the newest seq: pass it as `after_seq` to `WS /ws/me`")


class MarkAllIn(BaseModel):
    up_to_seq: int | None = Field(None, ge=0, le=ID_MAX, description="only up to this seq (what the page has shown)")


@router.get("", response_model=NotificationPage, summary="My notifications, newest first")
async def list_notifications(db: DbSession, me: CurrentUser, before_seq: int | None = Query(None, ge=1, le=ID_MAX),
                             unread: bool = False, limit: int = Query(50, ge=1, le=200)) -> NotificationPage:
    items = await notifications.page(db, me.user_id, before_seq=before_seq, unread_only=unread, limit=limit)
    return NotificationPage(items=[NotificationOut(**notifications.message_of(n)) for n in items],
                            unread=await notifications.unread_count(db, me.user_id),
                            last_seq=await notifications.last_seq(db, me.user_id))


@router.post("/{notification_id}/read", response_model=NotificationOut, summary="Mark one notification read")
async def mark_read(notification_id: Id, db: DbSession, me: CurrentUser) -> NotificationOut:
    return NotificationOut(**notifications.message_of(await notifications.mark_read(db, me.user_id, notification_id)))


@router.post("/read", summary="Mark all my notifications read (up to a seq)")
async def mark_all_read(db: DbSession, me: CurrentUser, body: MarkAllIn | None = None) -> dict[str, int]:
    marked = await notifications.mark_all_read(db, me.user_id, up_to_seq=body.up_to_seq if body else None)
    return {"marked": marked, "unread": await notifications.unread_count(db, me.user_id)}
