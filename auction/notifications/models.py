"""Notifications and the per-user counter that gives them their gap-free `seq`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from auction.db import Base, IdMixin, JSONText, UTCDateTime


class Notification(Base, IdMixin):
    """One message to one user. `seq` counts the user's notifications 1, 2, 3 … without gaps (what
    `WS /ws/me?after_seq=N` replays from); `key` makes creating it idempotent (the outbox event id for
    notifications relayed from the outbox)."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "seq"),
        UniqueConstraint("user_id", "key"),
        Index("ix_notifications_user_read", "user_id", "read_at"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))  # machine type: outbid, deposit_confirmed, …
    title: Mapped[str] = mapped_column(String(120))  # Turkish, short
    message: Mapped[str] = mapped_column(Text)  # Turkish, one or two sentences
    data: Mapped[dict[str, Any]] = mapped_column(JSONText)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id", ondelete="SET NULL"))
    key: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationCounter(Base):
    """The last `seq` handed out per user. Taking the next numbers locks this row until commit, so two
    writers for the same user queue instead of both taking the same number, and a rolled-back
    transaction leaves no gap."""

    __tablename__ = "notification_counters"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
