"""Request and answer shapes of the webhook endpoints' admin API, and how a row becomes its answer."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from auction.schemas import Out, UTCTime
from auction.webhooks.dispatch import circuit_state
from auction.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


class EndpointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000, description="https://… (http:// only outside production)")
    events: list[str] = Field(min_length=1, max_length=50, description="event types, e.g. [\"sale.won\"]")
    description: str = Field("", max_length=200)


class RotateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    overlap_hours: float | None = Field(None, ge=0, description="how long the old secret keeps signing "
                                                                 "(default 24, at most 168)")


class RedeliverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: str | None = Field(None, max_length=40, description="one event (`webhook-id`), in any state")
    since: AwareDatetime | None = Field(None, description="every failed delivery of events since then")

    @model_validator(mode="after")
    def _one_of(self) -> RedeliverIn:
        if (self.event_id is None) == (self.since is None):
            raise ValueError("give either event_id (one event) or since (every failed one since then)")
        return self


class EndpointOut(Out):
    id: int
    url: str
    description: str
    events: list[str]
    status: str
    disabled_reason: str | None
    disabled_at: UTCTime | None
    secret_hint: str = Field(description="the first characters of the current secret")
    previous_secret_until: UTCTime | None = Field(description="the old secret signs too until then (rotation)")
    failure_streak: int
    circuit: str = Field(description="closed | open | half_open")
    circuit_open_until: UTCTime | None
    last_success_at: UTCTime | None
    last_failure_at: UTCTime | None
    pending: int = Field(0, description="deliveries waiting to be sent")
    created_at: UTCTime

    @classmethod
    def of(cls, e: WebhookEndpoint, *, now: datetime, pending: int = 0, **extra: object) -> Self:
        fields = {name: getattr(e, name) for name in cls.model_fields if hasattr(e, name)}
        return cls.model_validate({**fields, "circuit": circuit_state(e, now), "pending": pending, **extra})


class EndpointCreated(EndpointOut):
    secret: str = Field(description="`whsec_…`: shown only now; keep it where the receiver verifies")


class SecretOut(BaseModel):
    endpoint_id: int
    secret: str = Field(description="the new `whsec_…`, shown only now")
    previous_secret_until: UTCTime | None


class AttemptOut(Out):
    id: int
    delivery_id: int
    event_id: str
    event_type: str
    attempt: int
    at: UTCTime
    duration_ms: int
    status_code: int | None
    outcome: str
    error: str | None
    response_excerpt: str | None
    next_retry_at: UTCTime | None
    delivery_status: str

    @classmethod
    def of(cls, a: WebhookAttempt, delivery_status: str) -> AttemptOut:
        return cls(id=a.id, delivery_id=a.delivery_id, event_id=a.event_id, event_type=a.event_type,
                   attempt=a.number, at=a.started_at, duration_ms=a.duration_ms, status_code=a.status_code,
                   outcome=a.outcome, error=a.error, response_excerpt=a.response_excerpt,
                   next_retry_at=a.next_retry_at, delivery_status=delivery_status)


class DeliveryOut(Out):
    id: int
    event_id: str
    event_type: str
    status: str
    attempts: int
    next_attempt_at: UTCTime | None
    last_status_code: int | None
    last_error: str | None
    created_at: UTCTime

    @classmethod
    def of(cls, d: WebhookDelivery) -> DeliveryOut:
        return cls.model_validate(d)


class DeliveryLog(BaseModel):
    endpoint_id: int
    attempts: list[AttemptOut] = Field(description="every attempt, newest first")
    waiting: list[DeliveryOut] = Field(description="deliveries not attempted yet or waiting for a retry")
    next_before_id: int | None = Field(description="pass as `before_id` for older attempts")


class Queued(BaseModel):
    endpoint_id: int
    deliveries: list[int]
    event_ids: list[str]
    status: str = "pending"
