"""A bidder's watchlist, saved searches, notification settings, and the marks that make every alert
go out once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from auction.db import Base, IdMixin, JSONText, UTCDateTime


class WatchItem(Base, IdMixin):
    """A starred lot."""

    __tablename__ = "watch_items"
    __table_args__ = (UniqueConstraint("user_id", "lot_id"), Index("ix_watch_items_lot_id", "lot_id"))

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SavedSearch(Base, IdMixin):
    """A search form as the bidder filled it in (the normalised query parameters), with alerts for new
    lots that match it. `checked_until` is the creation time of the newest sale already compared."""

    __tablename__ = "saved_searches"
    __table_args__ = (Index("ix_saved_searches_user_id", "user_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    params: Mapped[dict[str, Any]] = mapped_column(JSONText)
    alerts: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checked_until: Mapped[datetime] = mapped_column(UTCDateTime)


class NotificationPrefs(Base, IdMixin):
    """Which alerts a bidder wants. No row = the defaults (everything on, e-mail off). The e-mail opt-in
    is stored for when e-mail delivery exists; nothing sends e-mail yet."""

    __tablename__ = "notification_prefs"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    round_opened: Mapped[bool] = mapped_column(Boolean, default=True)
    closing_soon: Mapped[bool] = mapped_column(Boolean, default=True)
    extended: Mapped[bool] = mapped_column(Boolean, default=True)
    closed: Mapped[bool] = mapped_column(Boolean, default=True)
    saved_search: Mapped[bool] = mapped_column(Boolean, default=True)
    email_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AlertMark(Base, IdMixin):
    """One alert that went out: (user, kind, key) is unique, so a retried or concurrent worker pass can
    never alert twice (the insert is the claim)."""

    __tablename__ = "watch_alert_marks"
    __table_args__ = (UniqueConstraint("user_id", "kind", "key"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
