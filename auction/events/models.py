from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from auction.db import Base, IdMixin, JSONText, UTCDateTime


class OutboxEvent(Base, IdMixin):
    """One domain event. `event_id` is the Standard Webhooks `webhook-id`, reused on every retry.

    `relayed_at` marks the event as handed to the dispatchers (fan-out to webhook endpoints and user
    notifications happens by creating their own delivery rows, so a crash between the two loses nothing:
    an event without `relayed_at` is simply picked up again).
    """

    __tablename__ = "outbox_events"
    __table_args__ = (
        Index("ix_outbox_events_pending", "relayed_at", "id"),
        Index("ix_outbox_events_subject", "subject_type", "subject_id"),
    )

    event_id: Mapped[str] = mapped_column(String(40), unique=True)
    type: Mapped[str] = mapped_column(String(48))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id", ondelete="RESTRICT"))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSONText)
    relayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
