"""Watchlist, saved searches and notification settings of a bidder. Every function takes the user id
of the caller: a bidder only ever reads and changes his own rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.dbutil import insert_ignore
from auction.lots import service as lots
from auction.watch.errors import (
    MAX_SAVED_SEARCHES,
    MAX_WATCHED,
    AbsurdSearch,
    EmptySearch,
    SavedSearchNotFound,
    TooManySavedSearches,
    TooManyWatched,
)
from auction.watch.models import NotificationPrefs, SavedSearch, WatchItem
from auction.watch.search import SearchParams

PREF_FLAGS = ("round_opened", "closing_soon", "extended", "closed", "saved_search", "email_opt_in")


# --- Watchlist ------------------------------------------------------------------------------------------


async def watch(session: AsyncSession, user_id: int, lot_id: int) -> bool:
    """Star a lot; True when it was not starred yet. Idempotent (a double click stars once)."""
    await lots.get_lot(session, lot_id)
    count = await session.scalar(select(func.count()).select_from(WatchItem).where(WatchItem.user_id == user_id))
    if (count or 0) >= MAX_WATCHED:
        raise TooManyWatched()
    new_id = await insert_ignore(session, WatchItem, {"user_id": user_id, "lot_id": lot_id,
                                                      "created_at": clock.now()}, ["user_id", "lot_id"])
    return new_id is not None


async def unwatch(session: AsyncSession, user_id: int, lot_id: int) -> None:
    await session.execute(delete(WatchItem).where(WatchItem.user_id == user_id, WatchItem.lot_id == lot_id))


async def is_watching(session: AsyncSession, user_id: int | None, lot_id: int) -> bool:
    if user_id is None:
        return False
    found = await session.scalar(select(WatchItem.id).where(WatchItem.user_id == user_id, WatchItem.lot_id == lot_id))
    return found is not None


async def watched_among(session: AsyncSession, user_id: int | None, lot_ids: list[int]) -> set[int]:
    if user_id is None or not lot_ids:
        return set()
    rows = await session.scalars(select(WatchItem.lot_id).where(WatchItem.user_id == user_id,
                                                                WatchItem.lot_id.in_(lot_ids)))
    return set(rows.all())


async def watched_lot_ids(session: AsyncSession, user_id: int) -> list[int]:
    rows = await session.scalars(select(WatchItem.lot_id).where(WatchItem.user_id == user_id)
                                 .order_by(WatchItem.created_at.desc(), WatchItem.id.desc()))
    return list(rows.all())


# --- Saved searches ---------------------------------------------------------------------------------------


async def save_search(session: AsyncSession, user_id: int, name: str, params: SearchParams) -> SavedSearch:
    criteria = params.criteria()
    if not criteria:
        raise EmptySearch()
    if not params.can_be_saved():
        raise AbsurdSearch(details={"problems": params.problems()})
    count = await session.scalar(select(func.count()).select_from(SavedSearch).where(SavedSearch.user_id == user_id))
    if (count or 0) >= MAX_SAVED_SEARCHES:
        raise TooManySavedSearches()
    now = clock.now()
    row = SavedSearch(user_id=user_id, name=(name.strip() or _default_name(params))[:120], params=criteria,
                      alerts=True, created_at=now, checked_until=now)
    session.add(row)
    await session.flush()
    return row


def _default_name(params: SearchParams) -> str:
    parts = [v for k, v in params.criteria().items() if k in ("q", "province", "district")]
    return " · ".join(parts) or "Aramam"


async def saved_searches(session: AsyncSession, user_id: int) -> list[SavedSearch]:
    rows = await session.scalars(select(SavedSearch).where(SavedSearch.user_id == user_id)
                                 .order_by(SavedSearch.id.desc()))
    return list(rows.all())


async def _own_search(session: AsyncSession, user_id: int, search_id: int) -> SavedSearch:
    row = await session.get(SavedSearch, search_id)
    if row is None or row.user_id != user_id:
        raise SavedSearchNotFound(details={"id": search_id})
    return row


async def delete_search(session: AsyncSession, user_id: int, search_id: int) -> None:
    row = await _own_search(session, user_id, search_id)
    await session.delete(row)
    await session.flush()


async def set_search_alerts(session: AsyncSession, user_id: int, search_id: int, on: bool) -> SavedSearch:
    row = await _own_search(session, user_id, search_id)
    row.alerts = on
    if on:
        # Alerts are for lots announced from now on, not for everything that matched meanwhile.
        row.checked_until = clock.now()
    await session.flush()
    return row


def search_params(row: SavedSearch) -> SearchParams:
    return SearchParams.parse({k: str(v) for k, v in row.params.items()})


# --- Notification settings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prefs:
    round_opened: bool = True
    closing_soon: bool = True
    extended: bool = True
    closed: bool = True
    saved_search: bool = True
    email_opt_in: bool = False
    updated_at: datetime | None = None

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, kind, True))


async def prefs(session: AsyncSession, user_id: int) -> Prefs:
    row = (await session.scalars(select(NotificationPrefs).where(NotificationPrefs.user_id == user_id))).first()
    if row is None:
        return Prefs()
    return Prefs(round_opened=row.round_opened, closing_soon=row.closing_soon, extended=row.extended,
                 closed=row.closed, saved_search=row.saved_search, email_opt_in=row.email_opt_in,
                 updated_at=row.updated_at)


async def set_prefs(session: AsyncSession, user_id: int, values: dict[str, bool]) -> Prefs:
    now = clock.now()
    clean = {k: bool(values.get(k, False)) for k in PREF_FLAGS}
    await insert_ignore(session, NotificationPrefs, {"user_id": user_id, **Prefs().__dict__ | {"updated_at": now}},
                        ["user_id"])
    row = (await session.scalars(select(NotificationPrefs).where(NotificationPrefs.user_id == user_id)
                                 .execution_options(populate_existing=True))).one()
    for key, value in clean.items():
        setattr(row, key, value)
    row.updated_at = now
    await session.flush()
    return await prefs(session, user_id)
