from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.db import after_commit
from auction.events.models import OutboxEvent

# The webhook event types of the API contract ("Webhooks"). Emitting anything else is a bug.
EVENT_TYPES = frozenset({
    "sale.scheduled", "round.opened", "round.extended", "round.closed", "sale.won", "sale.failed",
    "deposit.confirmed", "deposit.refunded", "payment.due", "payment.received", "payment.defaulted",
    "sale.finalised", "distribution.ready", "payout.sent",
})

# Internal events that never leave as webhooks but use the same outbox (e.g. notifications).
INTERNAL_EVENT_TYPES = frozenset({
    "bid.outbid", "user.registered",
    # the webhook dispatcher tells the admins (auction/webhooks/dispatch.py)
    "webhook.circuit_opened", "webhook.endpoint_disabled",
    # After the award (docs/aftersale.md): a reminder before a payment deadline, a payment refunded, a
    # fesih complaint recorded or decided, the sale at tescil/teslim, and the hand-over to the distribution.
    "payment.reminder", "payment.refunded", "sale.fesih", "sale.handover", "sale.distributing",
    # The cetvel of a sale served on the parties (D-40; docs/distribution.md).
    "distribution.served",
    # an account locked after repeated wrong passwords: its owner is told (docs/security.md)
    "user.locked",
})

OUTBOX_WAKEUP_CHANNEL = "esatis:outbox"

_wakeup: Callable[[], Awaitable[None]] | None = None


def set_wakeup(fn: Callable[[], Awaitable[None]] | None) -> None:
    """Install what to call after a commit that emitted events (the app publishes a wake-up to the
    dispatchers through the broker). Without it the dispatchers still find events by polling."""
    global _wakeup
    _wakeup = fn


def emit(
    session: AsyncSession,
    type_: str,
    data: dict[str, Any],
    *,
    subject_type: str,
    subject_id: int | str,
    office_id: int | None,
) -> OutboxEvent:
    """Add an event to the caller's transaction. It exists if and only if the change commits."""
    event = OutboxEvent(**row(session, type_, data, subject_type=subject_type, subject_id=subject_id,
                              office_id=office_id))
    session.add(event)
    return event


def row(
    session: AsyncSession,
    type_: str,
    data: dict[str, Any],
    *,
    subject_type: str,
    subject_id: int | str,
    office_id: int | None,
) -> dict[str, Any]:
    """The `outbox_events` row of an event, for a caller that inserts it in the same transaction itself
    (the bid writes all its rows in one statement); the dispatcher's wake-up is queued as by `emit`."""
    if type_ not in EVENT_TYPES and type_ not in INTERNAL_EVENT_TYPES:
        raise ValueError(f"unknown event type {type_!r}")
    if _wakeup is not None and _wakeup not in session.info.get("after_commit", []):
        # Wake the dispatcher right after commit instead of waiting for its next poll.
        after_commit(session, _wakeup)
    return {"event_id": f"evt_{uuid.uuid4().hex}", "type": type_, "occurred_at": clock.now(), "office_id": office_id,
            "subject_type": subject_type, "subject_id": str(subject_id), "data": data, "relayed_at": None,
            "attempts": 0}
