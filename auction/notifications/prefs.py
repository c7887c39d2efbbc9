"""A person's notification choices: per kind, in-app / e-mail / SMS on or off, and the language of the
messages. Read and changed from the profile page, the API and an e-mail's unsubscribe link."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.audit import service as audit
from auction.dbutil import insert_ignore
from auction.notifications import channels
from auction.notifications.catalogue import CHANNELS, LANGS, Kind, load
from auction.notifications.errors import PersonNotFound, PreferenceInvalid
from auction.notifications.models import ChannelPref
from auction.notifications.unsubscribe import Unsubscribe
from auction.users.models import User
from auction.users.principal import Principal

# Which kinds a role sees on its preference page (the catalogue's `audience`).
AUDIENCES = {"bidder": ("bidder",), "party": ("party",), "admin": ("admin",)}


@dataclass(frozen=True)
class KindChoice:
    kind: str
    label: str
    essential: bool
    in_app: bool
    email: bool
    sms: bool


@dataclass(frozen=True)
class Preferences:
    lang: str
    email: str | None
    phone: str | None
    kinds: list[KindChoice]


def kinds_for(role: str) -> list[Kind]:
    return load().for_audience(*AUDIENCES.get(role, ()))


async def preferences(session: AsyncSession, user_id: int, *, label_lang: str | None = None) -> Preferences:
    """The person's choices, each kind labelled in `label_lang` (the page's language) or else in the
    language the person chose for the messages."""
    person = (await channels.people(session, [user_id])).get(user_id)
    if person is None:
        raise PersonNotFound(details={"user_id": user_id})
    prefs = await channels.stored_prefs(session, [user_id])
    out = [KindChoice(k.name, k.label(label_lang or person.lang), k.essential,
                      *(channels.wants(prefs, user_id, k.name, k, c) for c in CHANNELS))
           for k in kinds_for(person.role)]
    return Preferences(person.lang, person.email, person.phone, out)


async def _store(session: AsyncSession, user_id: int, kind: str, channel: str, enabled: bool, source: str) -> None:
    now = clock.now()
    await insert_ignore(session, ChannelPref, {"user_id": user_id, "kind": kind, "channel": channel,
                                               "enabled": enabled, "updated_at": now, "source": source},
                        ["user_id", "kind", "channel"])
    row = (await session.scalars(select(ChannelPref).where(
        ChannelPref.user_id == user_id, ChannelPref.kind == kind, ChannelPref.channel == channel)
        .execution_options(populate_existing=True))).one()
    row.enabled, row.updated_at, row.source = enabled, now, source


async def set_preferences(session: AsyncSession, actor: Principal, changes: Mapping[str, Mapping[str, bool]], *,
                          lang: str | None = None, source: str = "profile") -> Preferences:
    """Set the given (kind, channel) choices; the others keep theirs. An essential kind's in-app notice
    cannot be turned off; a kind outside the person's list is refused."""
    allowed = {k.name: k for k in kinds_for(actor.role.value)}
    problems = []
    for kind, values in changes.items():
        if kind not in allowed:
            problems.append({"kind": kind, "problem": "unknown_kind"})
            continue
        for channel, enabled in values.items():
            if channel not in CHANNELS:
                problems.append({"kind": kind, "channel": channel, "problem": "unknown_channel"})
            elif channel == "in_app" and allowed[kind].essential and not enabled:
                problems.append({"kind": kind, "channel": channel, "problem": "essential"})
    if lang is not None and lang not in LANGS:
        problems.append({"lang": lang, "problem": "unknown_language"})
    if problems:
        raise PreferenceInvalid(details={"problems": problems, "kinds": sorted(allowed), "channels": list(CHANNELS)})
    before = await preferences(session, actor.user_id)
    current = {(c.kind, ch): getattr(c, ch) for c in before.kinds for ch in CHANNELS}
    changed = []
    for kind, values in sorted(changes.items()):
        for channel, enabled in sorted(values.items()):
            if current.get((kind, channel)) != bool(enabled):
                await _store(session, actor.user_id, kind, channel, bool(enabled), source)
                changed.append({"kind": kind, "channel": channel, "enabled": bool(enabled)})
    if lang is not None and lang != before.lang:
        user = await session.get(User, actor.user_id)
        assert user is not None
        user.lang = lang
        changed.append({"lang": lang})
    if changed:
        await session.flush()
        audit.record(session, "notification.preferences_changed", "user", actor.user_id, actor=actor,
                     data={"changes": changed, "source": source})
    return await preferences(session, actor.user_id)


async def unsubscribe(session: AsyncSession, request: Unsubscribe) -> tuple[Kind, str]:
    """Turn one kind off on one channel for the token's person (no sign-in: the signed token is the
    authority). Returns the kind and the person's language for the confirmation page."""
    kind = load().get(request.kind)
    if kind is None or request.channel not in ("email", "sms"):
        raise PreferenceInvalid(details={"kind": request.kind, "channel": request.channel})
    person = (await channels.people(session, [request.user_id])).get(request.user_id)
    if person is None:
        raise PersonNotFound(details={"user_id": request.user_id})
    prefs = await channels.stored_prefs(session, [request.user_id])
    if channels.wants(prefs, request.user_id, kind.name, kind, request.channel):
        await _store(session, request.user_id, kind.name, request.channel, False, "unsubscribe")
        audit.record(session, "notification.unsubscribed", "user", request.user_id,
                     data={"kind": kind.name, "channel": request.channel})
    return kind, person.lang
