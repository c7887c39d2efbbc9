"""The notifications consumer of the outbox: turns events into notifications for the people they concern,
as the catalogue (`data/catalogue.toml`) says — which event makes which kind, for whom (`data.FIELD`: a
user id or a list of them in the event; `role.ROLE`: every active user with that role), in which words.

| event | kind | who |
| --- | --- | --- |
| `bid.outbid` | `outbid` | `data.user_id` (the previous leader) |
| `deposit.confirmed` / `deposit.refunded` | `deposit_confirmed` / `deposit_refunded` | `data.user_id` |
| `sale.won` | `sale_won` | `data.buyer_user_id` |
| `payment.due` (at the award) / `payment.reminder` | `payment_due` / `payment_reminder` | `data.buyer_user_id` |
| `payment.received` | `payment_received` | `data.buyer_user_id` |
| `payment.refunded` | `payment_refunded` | `data.user_id` |
| `payment.defaulted` | `payment_defaulted` | `data.buyer_user_id` |
| `sale.finalised` / `sale.handover` | `sale_finalised` / `sale_handover` | `data.buyer_user_id` |
| `sale.failed` (an annulment that names the buyer) | `sale_failed` | `data.buyer_user_id` |
| `distribution.ready` | `cetvel_served` | `data.party_user_ids` |
| `payout.sent` | `payout_sent` | `data.party_user_id` |
| `webhook.circuit_opened` / `webhook.endpoint_disabled` | `webhook_failing` / `webhook_disabled` | `role.admin` |

Every other event is no concern of this consumer. The notification's `key` is the event's `event_id`,
so relaying an event twice would still notify once (and e-mail and text once).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction.broker import Broker
from auction.events.models import OutboxEvent
from auction.lots.models import Lot
from auction.notifications import service
from auction.notifications.catalogue import load
from auction.notifications.service import NewNotification
from auction.users.models import User


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _ids(value: Any) -> list[int]:
    values = value if isinstance(value, list) else [value]
    return [i for v in values if (i := _int(v)) is not None]


class NotificationsConsumer:
    """Creates the notifications of a batch of outbox events in the relay's transaction."""

    name = "notifications"

    def __init__(self, broker: Broker | None) -> None:
        self.broker = broker

    async def consume(self, session: AsyncSession, events: Sequence[OutboxEvent]) -> None:
        catalogue = load()
        wanted = [(e, kind) for e in events for kind in catalogue.for_event(e.type)]
        if not wanted:
            return
        lot_ids = {i for e, _ in wanted if (i := _int(e.data.get("lot_id"))) is not None}
        titles: dict[int, str] = {}
        if lot_ids:
            rows = (await session.execute(select(Lot.id, Lot.title).where(Lot.id.in_(lot_ids)))).all()
            titles = {int(i): str(t) for i, t in rows}
        roles = {spec[len("role."):] for _, kind in wanted for spec in kind.recipients if spec.startswith("role.")}
        by_role: dict[str, list[int]] = {}
        for role in sorted(roles):
            by_role[role] = [int(i) for i in (await session.scalars(select(User.id).where(
                User.role == role, User.is_active.is_(True)).order_by(User.id))).all()]
        items: list[NewNotification] = []
        for event, kind in wanted:
            users: list[int] = []
            for spec in kind.recipients:
                if spec.startswith("data."):
                    users += _ids(event.data.get(spec[len("data."):]))
                else:
                    users += by_role.get(spec[len("role."):], [])
            lot_id = _int(event.data.get("lot_id"))
            # A lot the event names but we cannot find renders as "—" in the words (never fails the relay).
            context = {**event.data, **({"lot": titles[lot_id]} if lot_id in titles else {})}
            for user_id in dict.fromkeys(users):
                items.append(NewNotification(
                    user_id=user_id, kind=kind.name, title="", message="", key=event.event_id,
                    lot_id=lot_id if lot_id in titles else None, context=context,
                    data={**event.data, "event_id": event.event_id, "event": event.type}))
        await service.notify(session, items, self.broker)
