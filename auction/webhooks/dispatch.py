"""The database side of the dispatcher: claim due attempts, record how each ended, schedule the next.

Claim (one short transaction, no network inside it): the active endpoints with due deliveries whose circuit
is closed or cooled down are locked `FOR NO KEY UPDATE SKIP LOCKED` (PostgreSQL; SQLite has one writer),
so two dispatchers never fill the same endpoint's slots at once; for each, up to its free slots
(`per_endpoint` minus attempts in flight, 1 probe when half-open) of its due deliveries are taken
`FOR UPDATE SKIP LOCKED`, marked `sending` with a lease and their attempt number. The HTTP request happens
after commit. Finish (another short transaction) records the attempt and moves the delivery on, but only
if it still holds that claim (same status and attempt number): an attempt is never recorded into a
delivery someone else has taken over after a lease ran out.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auction import dbutil
from auction.audit import service as audit
from auction.events import service as events
from auction.webhooks.errors import SecretUnreadable
from auction.webhooks.models import (
    DeliveryStatus,
    EndpointStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from auction.webhooks.policy import DeliveryPolicy
from auction.webhooks.sender import Outcome
from auction.webhooks.signing import SecretBox

log = structlog.get_logger(__name__)

PING = "ping"


@dataclass(frozen=True)
class Claim:
    delivery_id: int
    endpoint_id: int
    number: int  # the attempt number this claim owns
    event_id: str
    event_type: str
    payload: str
    url: str
    secrets: list[str]


def _due(now: datetime) -> Any:
    return or_(and_(WebhookDelivery.status == DeliveryStatus.pending.value, WebhookDelivery.next_attempt_at <= now),
               and_(WebhookDelivery.status == DeliveryStatus.sending.value, WebhookDelivery.lease_until < now))


def circuit_state(endpoint: WebhookEndpoint, now: datetime) -> str:
    """closed (sending), open (paused until `circuit_open_until`) or half_open (one probe next)."""
    if endpoint.circuit_open_until is None:
        return "closed"
    return "open" if endpoint.circuit_open_until > now else "half_open"


def signing_secrets(endpoint: WebhookEndpoint, box: SecretBox, now: datetime) -> list[str]:
    keys = [box.open(endpoint.secret_enc)]
    if endpoint.previous_secret_enc and endpoint.previous_secret_until and endpoint.previous_secret_until > now:
        keys.append(box.open(endpoint.previous_secret_enc))
    return keys


async def claim(session: AsyncSession, *, now: datetime, slots: int, policy: DeliveryPolicy,
                box: SecretBox) -> list[Claim]:
    if slots <= 0:
        return []
    # NO KEY UPDATE on endpoints: the relay inserting deliveries (a foreign key share lock) never waits.
    endpoints = list((await session.scalars(dbutil.claim(
        session, select(WebhookEndpoint).where(
            WebhookEndpoint.status == EndpointStatus.active.value,
            or_(WebhookEndpoint.circuit_open_until.is_(None), WebhookEndpoint.circuit_open_until <= now),
            exists().where(WebhookDelivery.endpoint_id == WebhookEndpoint.id, _due(now)))
        # A random order: with more endpoints due than slots, none is always served last.
        .order_by(func.random()).limit(max(slots, 1) * 4), key_share=True))).all())
    claims: list[Claim] = []
    for endpoint in endpoints:
        if len(claims) >= slots:
            break
        in_flight = int(await session.scalar(select(func.count()).select_from(WebhookDelivery).where(
            WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == DeliveryStatus.sending.value,
            WebhookDelivery.lease_until >= now)) or 0)
        half_open = endpoint.circuit_open_until is not None
        take = min((1 if half_open else policy.per_endpoint) - in_flight, slots - len(claims))
        if take <= 0:
            continue
        try:
            keys = signing_secrets(endpoint, box, now)
        except SecretUnreadable:
            # ESATIS_SECRET_KEY changed: this endpoint waits for a rotation; the others go on.
            log.error("webhook_secret_unreadable", endpoint_id=endpoint.id)
            continue
        rows = list((await session.scalars(dbutil.claim(
            session, select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id, _due(now))
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(take)))).all())
        if not rows:
            continue
        for d in rows:
            d.status = DeliveryStatus.sending.value
            d.lease_until = now + policy.lease
            d.attempts += 1
            claims.append(Claim(d.id, endpoint.id, d.attempts, d.event_id, d.event_type, d.payload, endpoint.url,
                                keys))
    await session.flush()
    return claims


async def expire(session: AsyncSession, *, now: datetime, policy: DeliveryPolicy) -> int:
    """Deliveries pending longer than `max_age` since they were (re)scheduled fail (an endpoint down for
    days keeps nothing waiting for ever)."""
    result = await session.execute(
        update(WebhookDelivery).where(WebhookDelivery.status == DeliveryStatus.pending.value,
                                      WebhookDelivery.scheduled_at < now - policy.max_age)
        .values(status=DeliveryStatus.failed.value, last_error="expired", next_attempt_at=None, completed_at=now)
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


async def fail_open_deliveries(session: AsyncSession, endpoint_id: int, now: datetime, reason: str) -> int:
    """Every delivery of a disabled endpoint still waiting (or in flight) fails; redeliver brings them back."""
    result = await session.execute(
        update(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status.in_(
            [DeliveryStatus.pending.value, DeliveryStatus.sending.value]))
        .values(status=DeliveryStatus.failed.value, last_error=reason, next_attempt_at=None, lease_until=None,
                completed_at=now)
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def _alert(session: AsyncSession, type_: str, endpoint: WebhookEndpoint, **data: Any) -> None:
    """An internal event for the admins (in-app notification and e-mail, auction/notifications)."""
    events.emit(session, type_, {"endpoint_id": endpoint.id, "url": endpoint.url, **data},
                subject_type="webhook_endpoint", subject_id=endpoint.id, office_id=None)


def disable(session: AsyncSession, endpoint: WebhookEndpoint, now: datetime, reason: str) -> None:
    endpoint.status = EndpointStatus.disabled.value
    endpoint.disabled_reason = reason
    endpoint.disabled_at = now
    endpoint.updated_at = now


async def _on_success(session: AsyncSession, d: WebhookDelivery, ep: WebhookEndpoint, now: datetime) -> None:
    d.status = DeliveryStatus.succeeded.value
    d.completed_at = now
    d.next_attempt_at = None
    ep.last_success_at = now
    if ep.circuit_open_until is not None:
        audit.record(session, "webhook.circuit_closed", "webhook_endpoint", ep.id,
                     data={"after_openings": ep.circuit_openings})
    ep.failure_streak = 0
    ep.circuit_open_until = None
    ep.circuit_openings = 0


async def _on_gone(session: AsyncSession, d: WebhookDelivery, ep: WebhookEndpoint, now: datetime) -> None:
    d.status = DeliveryStatus.failed.value
    d.completed_at = now
    d.next_attempt_at = None
    ep.last_failure_at = now
    if ep.status == EndpointStatus.active.value:
        disable(session, ep, now, "gone")
        failed = await fail_open_deliveries(session, ep.id, now, "endpoint_disabled")
        audit.record(session, "webhook.endpoint_disabled", "webhook_endpoint", ep.id,
                     data={"reason": "gone", "status_code": 410, "event_id": d.event_id, "deliveries_failed": failed})
        _alert(session, "webhook.endpoint_disabled", ep, reason="gone")


def _on_failure(session: AsyncSession, d: WebhookDelivery, ep: WebhookEndpoint, now: datetime,
                policy: DeliveryPolicy, rng: random.Random | None) -> None:
    d.failures += 1
    ep.failure_streak += 1
    ep.last_failure_at = now
    # A test ping is one attempt; an event retries on the schedule while it is young enough.
    delay = None if d.event_type == PING else policy.retry_delay(d.failures, rng)
    if delay is None or now + delay - d.scheduled_at > policy.max_age:
        d.status = DeliveryStatus.failed.value
        d.next_attempt_at = None
        d.completed_at = now
    else:
        d.status = DeliveryStatus.pending.value
        d.next_attempt_at = now + delay
    if ep.circuit_open_until is not None:
        if ep.circuit_open_until <= now:  # the half-open probe failed: open again, for longer
            ep.circuit_openings += 1
            ep.circuit_open_until = now + policy.cooldown(ep.circuit_openings)
    elif ep.failure_streak >= policy.failures_to_open:
        ep.circuit_openings = 1
        ep.circuit_open_until = now + policy.cooldown(1)
        audit.record(session, "webhook.circuit_opened", "webhook_endpoint", ep.id,
                     data={"failure_streak": ep.failure_streak, "open_until": ep.circuit_open_until.isoformat()})
        _alert(session, "webhook.circuit_opened", ep, failure_streak=ep.failure_streak,
               open_until=ep.circuit_open_until.isoformat())


async def finish(session: AsyncSession, c: Claim, result: Outcome, *, started_at: datetime, now: datetime,
                 policy: DeliveryPolicy, dispatcher: str, rng: random.Random | None = None) -> bool:
    """Record the attempt and move the delivery on. False if the claim was lost (lease ran out)."""
    d = (await session.scalars(select(WebhookDelivery).where(WebhookDelivery.id == c.delivery_id)
                               .with_for_update())).first()
    ep = (await session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.id == c.endpoint_id)
                                .with_for_update())).first()
    owned = (d is not None and ep is not None and d.status == DeliveryStatus.sending.value
             and d.attempts == c.number)
    if d is not None and ep is not None and owned:
        d.lease_until = None
        d.last_status_code = result.status_code
        d.last_error = None if result.ok else (result.error or result.outcome)[:300]
        if result.ok:
            await _on_success(session, d, ep, now)
        elif result.outcome == "gone":
            await _on_gone(session, d, ep, now)
        else:
            _on_failure(session, d, ep, now, policy, rng)
    elif d is None or ep is None:
        return False  # the endpoint was deleted meanwhile: nothing to record it into
    else:
        log.warning("webhook_claim_lost", delivery_id=c.delivery_id, attempt=c.number, status=d.status)
    session.add(WebhookAttempt(
        delivery_id=c.delivery_id, endpoint_id=c.endpoint_id, event_id=c.event_id, event_type=c.event_type,
        number=c.number, started_at=started_at, duration_ms=result.duration_ms, status_code=result.status_code,
        outcome=result.outcome, error=result.error, response_excerpt=result.excerpt,
        next_retry_at=d.next_attempt_at if owned and d.status == DeliveryStatus.pending.value else None,
        dispatcher=dispatcher[:80], details={"address": result.address} if result.address else {}))
    return owned
