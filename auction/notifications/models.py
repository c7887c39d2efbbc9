"""Notifications and the per-user counter that gives them their gap-free `seq`; each person's channel
preferences, and the e-mails and SMS waiting to leave."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
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


class ChannelPref(Base, IdMixin):
    """A person's own choice for one kind of notification on one channel (in_app, email, sms). No row:
    the catalogue's default for that kind and channel (auction/notifications/data/catalogue.toml)."""

    __tablename__ = "notification_channel_prefs"
    __table_args__ = (UniqueConstraint("user_id", "kind", "channel"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(8))
    enabled: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # where the choice was made: profile | api | unsubscribe
    source: Mapped[str] = mapped_column(String(16), default="profile")


class OutboundMessage(Base, IdMixin):
    """One e-mail or SMS to one person, written in the same transaction as the in-app notification (from
    the outbox relay), sent by the message worker after commit. `(user_id, channel, key)` is unique, the
    key being the event's id (or the alert's key): an event reaches a person at most once per channel."""

    __tablename__ = "outbound_messages"
    __table_args__ = (
        UniqueConstraint("user_id", "channel", "key"),
        Index("ix_outbound_messages_due", "status", "next_attempt_at"),
        Index("ix_outbound_messages_user_recent", "user_id", "channel", "created_at"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(8))  # email | sms
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(80))
    to_address: Mapped[str] = mapped_column(String(254))
    lang: Mapped[str] = mapped_column(String(5))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))  # path on the site, made absolute when sent
    essential: Mapped[bool] = mapped_column(Boolean, default=False)
    # pending → sending → sent | failed; suppressed (rate cap) never leaves
    status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
