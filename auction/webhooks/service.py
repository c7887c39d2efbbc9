"""Webhook endpoints, administered: create (the secret shown once), list, disable and enable, rotate the
secret, send a test ping, read the delivery log, redeliver. Admins only; every change is audited (never
with a secret in it)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.audit import service as audit
from auction.config import Settings
from auction.events.models import OutboxEvent
from auction.events.service import EVENT_TYPES
from auction.runtime import Runtime
from auction.users.models import Role
from auction.users.principal import Principal, requires_role
from auction.webhooks import dispatch, payloads, ssrf
from auction.webhooks.consumer import wake
from auction.webhooks.errors import (
    EndpointDisabled,
    EndpointNotFound,
    EventNotFound,
    SecretUnreadable,
    WebhookEventsInvalid,
)
from auction.webhooks.models import DeliveryStatus, EndpointStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from auction.webhooks.policy import load_policy
from auction.webhooks.schemas import EndpointCreate, RedeliverIn
from auction.webhooks.signing import SecretBox, hint, new_secret

MAX_REDELIVER = 5000  # deliveries one "since" request may bring back


def _box(settings: Settings) -> SecretBox:
    return SecretBox(settings.resolved_secret_key())


def _clean_events(requested: list[str]) -> list[str]:
    wanted = sorted({e.strip() for e in requested})
    unknown = [e for e in wanted if e not in EVENT_TYPES]
    if not wanted or unknown:
        raise WebhookEventsInvalid(details={"unknown": unknown, "allowed": sorted(EVENT_TYPES)})
    return wanted


async def check_url(settings: Settings, url: str) -> str:
    await ssrf.check_url(url, allow_private=settings.webhook_allow_private, require_https=settings.env == "production")
    return url.strip()


@requires_role(Role.admin)
async def create_endpoint(session: AsyncSession, runtime: Runtime, actor: Principal,
                          body: EndpointCreate) -> tuple[WebhookEndpoint, str]:
    events = _clean_events(body.events)
    url = await check_url(runtime.settings, body.url)
    secret = new_secret()
    now = clock.now()
    endpoint = WebhookEndpoint(
        url=url, description=body.description.strip(), events=events, status=EndpointStatus.active.value,
        secret_enc=_box(runtime.settings).seal(secret), secret_hint=hint(secret), failure_streak=0,
        circuit_openings=0, created_by_user_id=actor.user_id, created_at=now, updated_at=now)
    session.add(endpoint)
    await session.flush()
    audit.record(session, "webhook.endpoint_created", "webhook_endpoint", endpoint.id, actor=actor,
                 data={"url": url, "events": events, "secret_hint": endpoint.secret_hint})
    return endpoint, secret


@requires_role(Role.admin)
async def get_endpoint(session: AsyncSession, actor: Principal, endpoint_id: int, *,
                       for_update: bool = False) -> WebhookEndpoint:
    stmt = select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
    if for_update:
        stmt = stmt.with_for_update()
    endpoint = (await session.scalars(stmt)).first()
    if endpoint is None:
        raise EndpointNotFound(details={"endpoint_id": endpoint_id})
    return endpoint


async def pending_counts(session: AsyncSession, endpoint_ids: list[int]) -> dict[int, int]:
    if not endpoint_ids:
        return {}
    rows = (await session.execute(
        select(WebhookDelivery.endpoint_id, func.count()).where(
            WebhookDelivery.endpoint_id.in_(endpoint_ids),
            WebhookDelivery.status.in_([DeliveryStatus.pending.value, DeliveryStatus.sending.value]))
        .group_by(WebhookDelivery.endpoint_id))).all()
    return {int(e): int(n) for e, n in rows}


@requires_role(Role.admin)
async def list_endpoints(session: AsyncSession, actor: Principal) -> list[WebhookEndpoint]:
    return list((await session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id))).all())


@requires_role(Role.admin)
async def disable_endpoint(session: AsyncSession, actor: Principal, endpoint_id: int) -> WebhookEndpoint:
    endpoint = await get_endpoint(session, actor, endpoint_id, for_update=True)
    if endpoint.status == EndpointStatus.disabled.value:
        return endpoint
    now = clock.now()
    dispatch.disable(session, endpoint, now, "manual")
    failed = await dispatch.fail_open_deliveries(session, endpoint.id, now, "endpoint_disabled")
    audit.record(session, "webhook.endpoint_disabled", "webhook_endpoint", endpoint.id, actor=actor,
                 data={"reason": "manual", "deliveries_failed": failed})
    return endpoint


@requires_role(Role.admin)
async def enable_endpoint(session: AsyncSession, runtime: Runtime, actor: Principal,
                          endpoint_id: int) -> WebhookEndpoint:
    endpoint = await get_endpoint(session, actor, endpoint_id, for_update=True)
    if endpoint.status == EndpointStatus.active.value:
        return endpoint
    await check_url(runtime.settings, endpoint.url)  # the rules may have tightened since it was created
    now = clock.now()
    endpoint.status = EndpointStatus.active.value
    endpoint.disabled_reason = None
    endpoint.disabled_at = None
    endpoint.failure_streak = 0
    endpoint.circuit_open_until = None
    endpoint.circuit_openings = 0
    endpoint.updated_at = now
    audit.record(session, "webhook.endpoint_enabled", "webhook_endpoint", endpoint.id, actor=actor)
    return endpoint


@requires_role(Role.admin)
async def rotate_secret(session: AsyncSession, runtime: Runtime, actor: Principal, endpoint_id: int,
                        overlap_hours: float | None = None) -> tuple[WebhookEndpoint, str]:
    """A new secret signs from now on; the current one keeps signing beside it for the overlap (a receiver
    holding either verifies), then stops. A secret older than that (an earlier rotation's) stops at once."""
    endpoint = await get_endpoint(session, actor, endpoint_id, for_update=True)
    policy = load_policy()
    overlap = policy.rotation_overlap if overlap_hours is None else timedelta(hours=overlap_hours)
    overlap = min(overlap, policy.max_overlap)
    now = clock.now()
    secret = new_secret()
    box = _box(runtime.settings)
    try:
        box.open(endpoint.secret_enc)
    except SecretUnreadable:
        overlap = timedelta(0)  # a secret that no longer decrypts (ESATIS_SECRET_KEY changed) cannot sign on
    if overlap > timedelta(0):
        endpoint.previous_secret_enc = endpoint.secret_enc
        endpoint.previous_secret_until = now + overlap
    else:
        endpoint.previous_secret_enc = None
        endpoint.previous_secret_until = None
    endpoint.secret_enc = box.seal(secret)
    endpoint.secret_hint = hint(secret)
    endpoint.rotated_at = now
    endpoint.updated_at = now
    audit.record(session, "webhook.secret_rotated", "webhook_endpoint", endpoint.id, actor=actor, data={
        "secret_hint": endpoint.secret_hint,
        "previous_valid_until": endpoint.previous_secret_until.isoformat() if endpoint.previous_secret_until else None})
    return endpoint, secret


def _new_delivery(endpoint_id: int, event_id: str, event_type: str, occurred_at: datetime, body: str,
                  now: datetime, outbox_event_id: int | None = None) -> WebhookDelivery:
    return WebhookDelivery(endpoint_id=endpoint_id, outbox_event_id=outbox_event_id, event_id=event_id,
                           event_type=event_type, occurred_at=occurred_at, payload=body,
                           status=DeliveryStatus.pending.value, failures=0, attempts=0, next_attempt_at=now,
                           scheduled_at=now, created_at=now)


@requires_role(Role.admin)
async def send_test(session: AsyncSession, runtime: Runtime, actor: Principal, endpoint_id: int) -> WebhookDelivery:
    """A `ping` event to this endpoint alone, through the dispatcher like any other (one attempt)."""
    endpoint = await get_endpoint(session, actor, endpoint_id)
    if endpoint.status != EndpointStatus.active.value:
        raise EndpointDisabled(details={"endpoint_id": endpoint_id})
    now = clock.now()
    event_id = f"evt_{uuid.uuid4().hex}"
    body = payloads.encode({"type": dispatch.PING, "timestamp": clock.iso_ms(now), "data": {
        "endpoint_id": endpoint.id, "message": "esatis webhook test / deneme"}})
    delivery = _new_delivery(endpoint.id, event_id, dispatch.PING, now, body, now)
    session.add(delivery)
    await session.flush()
    audit.record(session, "webhook.test_sent", "webhook_endpoint", endpoint.id, actor=actor,
                 data={"event_id": event_id})
    wake(session, runtime.broker)
    return delivery


def _requeue(d: WebhookDelivery, now: datetime) -> None:
    d.status = DeliveryStatus.pending.value
    d.failures = 0
    d.next_attempt_at = now
    d.scheduled_at = now
    d.lease_until = None
    d.completed_at = None


@requires_role(Role.admin)
async def redeliver(session: AsyncSession, runtime: Runtime, actor: Principal, endpoint_id: int,
                    body: RedeliverIn) -> list[WebhookDelivery]:
    """One event again (whatever became of it; also one sent before the endpoint subscribed, if it is of a
    type it subscribes to now), or every failed delivery of events since a time. Same `webhook-id`, same
    body, a fresh retry schedule."""
    endpoint = await get_endpoint(session, actor, endpoint_id)
    if endpoint.status != EndpointStatus.active.value:
        raise EndpointDisabled(details={"endpoint_id": endpoint_id})
    now = clock.now()
    out: list[WebhookDelivery] = []
    if body.event_id is not None:
        d = (await session.scalars(select(WebhookDelivery).where(
            WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.event_id == body.event_id)
            .with_for_update())).first()
        if d is None:
            d = await _delivery_from_outbox(session, runtime, endpoint, body.event_id, now)
        elif d.status != DeliveryStatus.sending.value:  # one in flight is being delivered already
            _requeue(d, now)
        out.append(d)
    else:
        assert body.since is not None
        out = list((await session.scalars(select(WebhookDelivery).where(
            WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == DeliveryStatus.failed.value,
            WebhookDelivery.occurred_at >= body.since).order_by(WebhookDelivery.id).limit(MAX_REDELIVER)
            .with_for_update())).all())
        for d in out:
            _requeue(d, now)
    await session.flush()
    audit.record(session, "webhook.redelivered", "webhook_endpoint", endpoint.id, actor=actor, data={
        "event_id": body.event_id, "since": body.since.isoformat() if body.since else None, "deliveries": len(out)})
    if out:
        wake(session, runtime.broker)
    return out


async def _delivery_from_outbox(session: AsyncSession, runtime: Runtime, endpoint: WebhookEndpoint,
                                event_id: str, now: datetime) -> WebhookDelivery:
    event = (await session.scalars(select(OutboxEvent).where(OutboxEvent.event_id == event_id))).first()
    if event is None or event.type not in EVENT_TYPES or event.type not in endpoint.events:
        raise EventNotFound(details={"event_id": event_id})
    body = payloads.body(event, await payloads.alias_table(session, [event]), runtime.settings.public_url or "")
    d = _new_delivery(endpoint.id, event.event_id, event.type, event.occurred_at, body, now, event.id)
    session.add(d)
    return d


@requires_role(Role.admin)
async def delivery_log(session: AsyncSession, actor: Principal, endpoint_id: int, *, before_id: int | None = None,
                       limit: int = 50, event_id: str | None = None
                       ) -> tuple[list[tuple[WebhookAttempt, str]], list[WebhookDelivery], int | None]:
    """(attempts newest first with their delivery's status, deliveries waiting, the next page's before_id)."""
    endpoint = await get_endpoint(session, actor, endpoint_id)
    stmt = (select(WebhookAttempt, WebhookDelivery.status).join(
        WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
        .where(WebhookAttempt.endpoint_id == endpoint.id))
    if before_id is not None:
        stmt = stmt.where(WebhookAttempt.id < before_id)
    if event_id is not None:
        stmt = stmt.where(WebhookAttempt.event_id == event_id)
    rows = [(a, str(s)) for a, s in (await session.execute(stmt.order_by(WebhookAttempt.id.desc())
                                                           .limit(limit + 1))).all()]
    more = len(rows) > limit
    rows = rows[:limit]
    waiting_stmt = select(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint.id,
        WebhookDelivery.status.in_([DeliveryStatus.pending.value, DeliveryStatus.sending.value]))
    if event_id is not None:
        waiting_stmt = waiting_stmt.where(WebhookDelivery.event_id == event_id)
    waiting = list((await session.scalars(waiting_stmt.order_by(WebhookDelivery.next_attempt_at,
                                                                WebhookDelivery.id).limit(100))).all())
    return rows, waiting, (rows[-1][0].id if more and rows else None)


async def forget_previous_secrets(session: AsyncSession, now: datetime) -> int:
    """Drop old secrets whose overlap is over (they no longer sign; no need to keep them at all)."""
    result = await session.execute(
        update(WebhookEndpoint).where(WebhookEndpoint.previous_secret_until.is_not(None),
                                      WebhookEndpoint.previous_secret_until <= now)
        .values(previous_secret_enc=None, previous_secret_until=None)
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
