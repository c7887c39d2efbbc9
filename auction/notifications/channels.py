"""Channels: which of in-app, e-mail and SMS a notification takes for a person, in which words, and the
e-mail and SMS rows it leaves for the message worker (workers/messages.py).

`service.notify` calls this for every notification inside the caller's transaction (from the outbox
relay, normally), with the person's counter row locked: so the e-mail and SMS exist exactly when the
notification does, one per (person, channel, key) at most, and the hourly cap is counted without a race.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from auction.dbutil import insert_ignore
from auction.notifications.catalogue import CHANNELS, DEFAULT_LANG, LANGS, Kind, Rendered, load
from auction.notifications.models import ChannelPref, OutboundMessage
from auction.users.models import User

CAP_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Person:
    user_id: int
    lang: str
    email: str | None
    phone: str | None
    active: bool
    role: str


async def people(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, Person]:
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = (await session.execute(select(User.id, User.lang, User.email, User.phone, User.is_active, User.role)
                                  .where(User.id.in_(ids)))).all()
    return {int(i): Person(int(i), lang if lang in LANGS else DEFAULT_LANG, email or None, phone or None,
                           bool(active), str(role)) for i, lang, email, phone, active, role in rows}


async def stored_prefs(session: AsyncSession, user_ids: Iterable[int]) -> dict[tuple[int, str, str], bool]:
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = (await session.execute(select(ChannelPref.user_id, ChannelPref.kind, ChannelPref.channel,
                                         ChannelPref.enabled).where(ChannelPref.user_id.in_(ids)))).all()
    return {(int(u), str(k), str(c)): bool(e) for u, k, c, e in rows}


def wants(prefs: dict[tuple[int, str, str], bool], user_id: int, kind_name: str, kind: Kind | None,
          channel: str) -> bool:
    """The person's choice, else the catalogue's default. A kind the catalogue does not know goes in-app
    only; an essential kind always goes in-app."""
    if kind is None:
        return channel == "in_app"
    if channel == "in_app" and kind.essential:
        return True
    return prefs.get((user_id, kind_name, channel), kind.defaults[channel])


@dataclass(frozen=True)
class Planned:
    """What one notification becomes for one person."""

    in_app: bool
    title: str
    message: str
    rendered: Rendered | None
    link: str | None


def plan(person: Person | None, kind_name: str, title: str, message: str, context: dict[str, Any] | None,
         prefs: dict[tuple[int, str, str], bool], user_id: int) -> Planned:
    kind = load().get(kind_name)
    rendered = None
    link = None
    if kind is not None and context is not None:
        rendered = kind.render(person.lang if person else DEFAULT_LANG, context)
        title, message = rendered.title, rendered.text
        link = kind.link_for(context)
    return Planned(wants(prefs, user_id, kind_name, kind, "in_app"), title[:120], message, rendered, link)


async def _recent(session: AsyncSession, user_id: int, channel: str, since: datetime) -> int:
    value = await session.scalar(select(func.count()).select_from(OutboundMessage).where(
        OutboundMessage.user_id == user_id, OutboundMessage.channel == channel, OutboundMessage.created_at >= since,
        OutboundMessage.status != "suppressed"))
    return int(value or 0)


async def enqueue(session: AsyncSession, person: Person, items: Sequence[tuple[str, str, Planned]],
                  prefs: dict[tuple[int, str, str], bool], now: datetime) -> list[int]:
    """E-mail and SMS rows for one person's notifications `(kind, key, planned)`. The caller holds the
    person's counter lock. Returns the ids of the rows that will be sent."""
    if not person.active:
        return []
    catalogue = load()
    counts: dict[str, int] = {}
    queued: list[int] = []
    for kind_name, key, planned in items:
        kind = catalogue.get(kind_name)
        if kind is None or planned.rendered is None:
            continue
        for channel in CHANNELS[1:]:
            address = person.email if channel == "email" else person.phone
            if address is None or not wants(prefs, person.user_id, kind_name, kind, channel):
                continue
            if channel not in counts:
                counts[channel] = await _recent(session, person.user_id, channel, now - CAP_WINDOW)
            capped = counts[channel] >= catalogue.delivery.per_hour(channel) and not kind.essential
            body = planned.rendered.text if channel == "email" else planned.rendered.sms
            new_id = await insert_ignore(session, OutboundMessage, {
                "user_id": person.user_id, "channel": channel, "kind": kind_name, "key": key[:80],
                "to_address": address, "lang": person.lang, "subject": planned.title[:200], "body": body,
                "link": planned.link, "essential": kind.essential,
                "status": "suppressed" if capped else "pending", "reason": "rate_capped" if capped else None,
                "attempts": 0, "next_attempt_at": None if capped else now, "created_at": now},
                ["user_id", "channel", "key"])
            if new_id is not None and not capped:
                counts[channel] += 1
                queued.append(new_id)
    return queued
