"""The webhooks consumer of the outbox relay: one delivery row per (subscribed endpoint, event), written in
the relay's transaction, so a delivery exists exactly when its event was committed and relayed; the
dispatcher (workers/webhook_dispatcher.py) sends it after commit."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.broker import Broker
from auction.db import after_commit
from auction.dbutil import insert_ignore
from auction.events.models import OutboxEvent
from auction.events.service import EVENT_TYPES
from auction.webhooks import payloads
from auction.webhooks.models import DeliveryStatus, EndpointStatus, WebhookDelivery, WebhookEndpoint

WAKE_CHANNEL = "esatis:webhooks"


def wake(session: AsyncSession, broker: Broker | None) -> None:
    """After commit, wake the dispatchers (they poll anyway: this only makes delivery immediate)."""
    if broker is None or session.info.get("webhooks_wake"):
        return
    session.info["webhooks_wake"] = True

    async def publish() -> None:
        await broker.publish(WAKE_CHANNEL, {"type": "webhooks"})

    after_commit(session, publish)


class WebhooksConsumer:
    name = "webhooks"

    def __init__(self, broker: Broker | None, public_url: str | None) -> None:
        self.broker = broker
        self.base_url = public_url or ""

    async def consume(self, session: AsyncSession, events: Sequence[OutboxEvent]) -> None:
        wanted = [e for e in events if e.type in EVENT_TYPES]  # internal events never leave
        if not wanted:
            return
        endpoints = (await session.execute(select(WebhookEndpoint.id, WebhookEndpoint.events).where(
            WebhookEndpoint.status == EndpointStatus.active.value).order_by(WebhookEndpoint.id))).all()
        if not endpoints:
            return
        aliases = await payloads.alias_table(session, wanted)
        now = clock.now()
        created = 0
        for event in wanted:
            subscribers = [eid for eid, types in endpoints if event.type in (types or [])]
            if not subscribers:
                continue
            body = payloads.body(event, aliases, self.base_url)
            for endpoint_id in subscribers:
                # (endpoint, event) is unique: relaying an event twice still delivers it once.
                new = await insert_ignore(session, WebhookDelivery, {
                    "endpoint_id": endpoint_id, "outbox_event_id": event.id, "event_id": event.event_id,
                    "event_type": event.type, "occurred_at": event.occurred_at, "payload": body,
                    "status": DeliveryStatus.pending.value, "failures": 0, "attempts": 0, "next_attempt_at": now,
                    "scheduled_at": now, "created_at": now}, ["endpoint_id", "event_id"])
                created += new is not None
        if created:
            wake(session, self.broker)
