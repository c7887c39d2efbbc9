"""Webhook endpoints, one delivery per (endpoint, event), and every attempt to send it.

A delivery is written by the outbox relay's consumer in the relay's transaction (so it exists exactly when
the event does) and sent by the dispatcher after commit. Its `payload` is the exact body, fixed at that
moment: every retry sends the same bytes under the same `webhook-id` (the event's id).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from auction.db import Base, IdMixin, JSONText, UTCDateTime


class EndpointStatus(StrEnum):
    active = "active"
    disabled = "disabled"


class DeliveryStatus(StrEnum):
    pending = "pending"  # waiting for its next attempt (`next_attempt_at`)
    sending = "sending"  # claimed by a dispatcher until `lease_until`
    succeeded = "succeeded"  # a 2xx answer
    failed = "failed"  # attempts used up, too old, or the endpoint was disabled


class WebhookEndpoint(Base, IdMixin):
    __tablename__ = "webhook_endpoints"

    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[list[str]] = mapped_column(JSONText)
    status: Mapped[str] = mapped_column(String(16), default=EndpointStatus.active.value)
    # manual (an admin), gone (the receiver answered 410)
    disabled_reason: Mapped[str | None] = mapped_column(String(32))
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The signing secret, encrypted (auction/webhooks/signing.py); the previous one signs too until
    # `previous_secret_until` (the overlap after a rotation).
    secret_enc: Mapped[str] = mapped_column(Text)
    secret_hint: Mapped[str] = mapped_column(String(16))
    previous_secret_enc: Mapped[str | None] = mapped_column(Text)
    previous_secret_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Circuit breaker: failed attempts in a row; while `circuit_open_until` is in the future nothing is
    # sent; after it one probe goes (half-open). `circuit_openings` counts openings in a row (cooldown).
    failure_streak: Mapped[int] = mapped_column(Integer, default=0)
    circuit_open_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    circuit_openings: Mapped[int] = mapped_column(Integer, default=0)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookDelivery(Base, IdMixin):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        Index("ix_webhook_deliveries_due", "status", "endpoint_id", "next_attempt_at"),
    )

    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    outbox_event_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_events.id", ondelete="SET NULL"))
    event_id: Mapped[str] = mapped_column(String(40))  # the `webhook-id` of every attempt
    event_type: Mapped[str] = mapped_column(String(48))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[str] = mapped_column(Text)  # the exact JSON body
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.pending.value)
    # Failed attempts since the delivery was (re)scheduled: the position in the retry schedule.
    failures: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # every attempt ever made
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime)  # created or last redelivered
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookAttempt(Base, IdMixin):
    """One HTTP attempt (the admin's delivery log)."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (
        Index("ix_webhook_attempts_endpoint", "endpoint_id", "id"),
        Index("ix_webhook_attempts_delivery", "delivery_id"),
    )

    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"))
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(40))
    event_type: Mapped[str] = mapped_column(String(48))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … on the delivery
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    # success | http_error | gone | redirect | timeout | connection_error | refused (SSRF) | unresolvable
    outcome: Mapped[str] = mapped_column(String(24))
    error: Mapped[str | None] = mapped_column(String(300))
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    next_retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatcher: Mapped[str] = mapped_column(String(80))  # which dispatcher sent it (host:pid:id)
    details: Mapped[dict[str, Any]] = mapped_column(JSONText, default=dict)
