"""Alerts for watched lots and saved searches, delivered as notifications (`auction.notifications`): shown
in /hesabim and pushed live on the user's channel (`WS /ws/me`).

Two sources:
- the outbox (`WatchAlertsConsumer`, one more consumer of the outbox relay, in its transaction):
  `round.opened`, `round.extended` (once per round: the lot page shows every further extension live) and
  `round.closed` for the lot's watchers; `sale.scheduled` for the saved searches the new lot matches;
- the clock (`closing_soon`, run by `workers.watch_alerts`): a watched lot's round ends within the hour.

Every alert has a notification key of its own, so a relayed-twice event or a repeated pass alerts once;
the closing-soon pass also claims an `AlertMark` per (user, round) so it never looks at the same pair
again. The user's `NotificationPrefs` decide which alerts he gets (no row: all of them).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from auction.broker import Broker
from auction.calendar import format_local
from auction.dbutil import insert_ignore
from auction.events.models import OutboxEvent
from auction.lots.models import Lot
from auction.money import fmt_tr
from auction.notifications import service as notifications
from auction.notifications.service import NewNotification
from auction.sales.models import Round, RoundStatus
from auction.watch.models import AlertMark, NotificationPrefs, SavedSearch, WatchItem
from auction.watch.search import matching_lot_ids
from auction.watch.service import search_params

CLOSING_SOON = timedelta(hours=1)
# Which preference gates which alert (NotificationPrefs column).
PREF_OF = {"watch_round_opened": "round_opened", "watch_extended": "extended", "watch_closed": "closed",
           "watch_closing_soon": "closing_soon", "saved_search_match": "saved_search"}
RESULT_TR = {"above_threshold": "en yüksek teklif satış şartını karşıladı; sonuç tutanakla ilan edilecek",
             "below_threshold": "teklifler satış şartını karşılamadı", "no_bids": "teklif verilmedi"}


def _when(value: Any) -> str:
    try:
        return format_local(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
    except ValueError:
        return str(value)


def _money(value: Any) -> str:
    try:
        return fmt_tr(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)


def _wants(pref_column: str) -> Any:
    """SQL: the user has no preferences row, or the given alert is on in it."""
    column = getattr(NotificationPrefs, pref_column)
    return or_(NotificationPrefs.id.is_(None), column.is_(True))


async def _watchers(session: AsyncSession, lot_ids: set[int], kind: str) -> dict[int, list[int]]:
    if not lot_ids:
        return {}
    rows = (await session.execute(
        select(WatchItem.lot_id, WatchItem.user_id)
        .outerjoin(NotificationPrefs, NotificationPrefs.user_id == WatchItem.user_id)
        .where(WatchItem.lot_id.in_(lot_ids), _wants(PREF_OF[kind])))).all()
    out: dict[int, list[int]] = {}
    for lot_id, user_id in rows:
        out.setdefault(int(lot_id), []).append(int(user_id))
    return out


async def _titles(session: AsyncSession, lot_ids: set[int]) -> dict[int, str]:
    if not lot_ids:
        return {}
    rows = (await session.execute(select(Lot.id, Lot.title).where(Lot.id.in_(lot_ids)))).all()
    return {int(i): str(t) for i, t in rows}


def _lot_of(event: OutboxEvent) -> int | None:
    value = event.data.get("lot_id")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _text(event: OutboxEvent, title: str) -> tuple[str, str, str, str] | None:
    """(kind, key, title, message) of a watch alert for this event, or None."""
    d = event.data
    if event.type == "round.opened":
        return ("watch_round_opened", f"w:open:{d.get('round_id')}", "İzlediğiniz malda artırma başladı",
                f"«{title}» için {d.get('round')}. artırma başladı; bitiş {_when(d.get('ends_at'))}. "
                f"Açılış fiyatı {_money(d.get('opening_price'))}.")
    if event.type == "round.extended":
        return ("watch_extended", f"w:ext:{d.get('round_id')}", "İzlediğiniz malda süre uzadı",
                f"«{title}» için son dakikada teklif geldi; artırma {_when(d.get('ends_at'))} itibarıyla bitecek.")
    if event.type == "round.closed":
        result = RESULT_TR.get(str(d.get("result")), str(d.get("result")))
        price = f" En yüksek teklif {_money(d.get('highest_bid'))}." if d.get("highest_bid") else ""
        return ("watch_closed", f"w:closed:{d.get('round_id')}", "İzlediğiniz malda artırma bitti",
                f"«{title}» için {d.get('round')}. artırma sona erdi: {result}.{price}")
    return None


class WatchAlertsConsumer:
    """The outbox consumer of watch and saved-search alerts (runs in the relay's transaction)."""

    name = "watch_alerts"
    types = frozenset({"round.opened", "round.extended", "round.closed", "sale.scheduled"})

    def __init__(self, broker: Broker | None) -> None:
        self.broker = broker

    async def consume(self, session: AsyncSession, events: Sequence[OutboxEvent]) -> None:
        wanted = [e for e in events if e.type in self.types]
        if not wanted:
            return
        items = await self._watch_items(session, [e for e in wanted if e.type != "sale.scheduled"])
        items += await saved_search_items(session, [e for e in wanted if e.type == "sale.scheduled"])
        if items:
            await notifications.notify(session, items, self.broker)

    async def _watch_items(self, session: AsyncSession, events: list[OutboxEvent]) -> list[NewNotification]:
        lot_ids = {i for e in events if (i := _lot_of(e)) is not None}
        if not lot_ids:
            return []
        titles = await _titles(session, lot_ids)
        watchers = {kind: await _watchers(session, lot_ids, kind)
                    for kind in ("watch_round_opened", "watch_extended", "watch_closed")}
        items: list[NewNotification] = []
        for event in events:
            lot_id = _lot_of(event)
            if lot_id is None or lot_id not in titles:
                continue
            text = _text(event, titles[lot_id])
            if text is None:
                continue
            kind, key, title, message = text
            for user_id in watchers[kind].get(lot_id, []):
                items.append(NewNotification(user_id=user_id, kind=kind, title=title, message=message, key=key,
                                             lot_id=lot_id, data={"event": event.type, "event_id": event.event_id,
                                                                  "round": event.data.get("round")},
                                             # the catalogue's words (English, e-mail, SMS) for its kinds
                                             context={**event.data, "lot": titles[lot_id]}))
        return items


async def saved_search_items(session: AsyncSession, events: list[OutboxEvent]) -> list[NewNotification]:
    """A newly announced lot that matches a saved search (with alerts on) made BEFORE it was announced."""
    if not events:
        return []
    sale_ids = [int(e.data["sale_id"]) for e in events if e.data.get("sale_id") is not None]
    first = min(e.occurred_at for e in events)
    searches = (await session.execute(
        select(SavedSearch).outerjoin(NotificationPrefs, NotificationPrefs.user_id == SavedSearch.user_id)
        .where(SavedSearch.alerts.is_(True), SavedSearch.created_at <= max(e.occurred_at for e in events),
               _wants("saved_search")))).scalars().all()
    if not searches:
        return []
    announced = {int(e.data["lot_id"]): e for e in events if e.data.get("lot_id") is not None}
    titles = await _titles(session, set(announced))
    items: list[NewNotification] = []
    for search in searches:
        matches = await matching_lot_ids(session, search_params(search), first, sale_ids=sale_ids)
        for lot_id in matches:
            event = announced.get(lot_id)
            if event is None or search.created_at > event.occurred_at:
                continue
            items.append(NewNotification(
                user_id=search.user_id, kind="saved_search_match", key=f"w:ss:{search.id}:{lot_id}", lot_id=lot_id,
                title="Aramanıza uyan yeni mal",
                message=f"«{titles.get(lot_id, 'Mal')}» ilan edildi; «{search.name}» aramanıza uyuyor.",
                data={"event": event.type, "event_id": event.event_id, "saved_search_id": search.id}))
        if search.checked_until < first:
            search.checked_until = first
    return items


async def closing_soon(session: AsyncSession, broker: Broker | None, now: datetime) -> int:
    """Watchers of a round that ends within the hour, alerted once per round (the (possibly extended)
    close is read now; a round that was extended into the hour alerts when it gets there)."""
    mark = exists().where(AlertMark.user_id == WatchItem.user_id, AlertMark.kind == "closing_soon",
                          AlertMark.key == Round.id.cast(AlertMark.key.type))
    rows = (await session.execute(
        select(WatchItem.user_id, Round.id, Round.lot_id, Round.ends_at, Round.number, Lot.title)
        .join(Round, and_(Round.lot_id == WatchItem.lot_id, Round.status == RoundStatus.open.value))
        .join(Lot, Lot.id == Round.lot_id)
        .outerjoin(NotificationPrefs, NotificationPrefs.user_id == WatchItem.user_id)
        .where(Round.ends_at > now, Round.ends_at <= now + CLOSING_SOON, _wants("closing_soon"), ~mark)
        .limit(1000))).all()
    items: list[NewNotification] = []
    for user_id, round_id, lot_id, ends_at, number, title in rows:
        claimed = await insert_ignore(session, AlertMark, {"user_id": user_id, "kind": "closing_soon",
                                                           "key": str(round_id), "lot_id": lot_id,
                                                           "created_at": now}, ["user_id", "kind", "key"])
        if claimed is None:
            continue
        items.append(NewNotification(
            user_id=int(user_id), kind="watch_closing_soon", key=f"w:soon:{round_id}", lot_id=int(lot_id),
            title="İzlediğiniz malda son bir saat",
            message=f"«{title}» için {number}. artırma {format_local(ends_at)} itibarıyla bitiyor.",
            data={"round_id": int(round_id), "ends_at": ends_at.isoformat()}))
    if items:
        await notifications.notify(session, items, broker)
    return len(items)
