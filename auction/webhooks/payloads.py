"""The body of a webhook: `{"type", "timestamp", "data"}` (Standard Webhooks), built from an outbox event.

Outside systems get ids, amounts, times and pseudonyms — never who a bidder is (A-34). The event's data
is projected, recursively:
- a bidder's user id becomes the lot's pseudonym (`"bidder": "Teklif 3"`, `"buyer": …`) when the lot has
  one for him, and is dropped otherwise; every other `…user_id(s)` is dropped;
- identity and bank fields (names, e-mail, phone, IBAN, address, national ids, payment references) are
  dropped wherever they appear;
- `links` points at the API for the rest (`ESATIS_PUBLIC_URL` + `/api/v1/…`), where the receiver's own
  credentials decide what it may read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from auction.bidding.aliases import alias_numbers, pseudonym
from auction.clock import iso_ms
from auction.events.models import OutboxEvent

# A bidder's id → the key its pseudonym takes.
PSEUDONYM_OF = {"user_id": "bidder", "buyer_user_id": "buyer", "winner_user_id": "buyer",
                "leader_user_id": "leader", "bidder_user_id": "bidder"}
# Dropped wherever they appear (exact keys; plus every key ending in `user_id` / `user_ids`).
IDENTITY_KEYS = frozenset({
    "email", "phone", "full_name", "name", "first_name", "last_name", "address", "iban", "tckn", "vkn",
    "national_id", "tax_id", "debtor", "party", "party_name", "creditor_name", "buyer_name", "reference",
    "provider_ref", "ip", "user_agent",
})
# Which ids get a link, and where (path templates under /api/v1).
LINKS = {"sale_id": ("sale", "/sales/{}"), "lot_id": ("lot", "/lots/{}"), "case_id": ("case", "/cases/{}"),
         "distribution_id": ("distribution", "/distributions/{}")}
SETTLEMENT_EVENTS = frozenset({"sale.won", "payment.due", "payment.received", "payment.defaulted",
                               "sale.finalised"})


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _user_ids(data: Any) -> Iterable[int]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key in PSEUDONYM_OF and (uid := _int(value)) is not None:
                yield uid
            else:
                yield from _user_ids(value)
    elif isinstance(data, list):
        for item in data:
            yield from _user_ids(item)


def scrub(data: Any, lot_id: int | None, aliases: dict[tuple[int, int], int]) -> Any:
    """The data without identities, with pseudonyms for the bidders the lot has one for."""
    if isinstance(data, list):
        return [scrub(item, lot_id, aliases) for item in data]
    if not isinstance(data, dict):
        return data
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in PSEUDONYM_OF:
            uid = _int(value)
            number = aliases.get((lot_id, uid)) if lot_id is not None and uid is not None else None
            if number is not None:
                out[PSEUDONYM_OF[key]] = pseudonym(number)
            continue
        if key in IDENTITY_KEYS or key.endswith(("user_id", "user_ids")):
            continue
        out[key] = scrub(value, lot_id, aliases)
    return out


def links(event_type: str, data: dict[str, Any], base_url: str) -> dict[str, str]:
    api = base_url.rstrip("/") + "/api/v1"
    out: dict[str, str] = {}
    for key, (name, path) in LINKS.items():
        if (value := _int(data.get(key))) is not None:
            out[name] = api + path.format(value)
    if event_type in SETTLEMENT_EVENTS and "sale" in out:
        out["settlement"] = out["sale"] + "/settlement"
    return out


async def alias_table(session: AsyncSession, events: Iterable[OutboxEvent]) -> dict[tuple[int, int], int]:
    """The pseudonym numbers of every (lot, bidder) the events mention, in one query."""
    return await alias_numbers(session, ((lot, uid) for e in events if (lot := _int(e.data.get("lot_id"))) is not None
                                         for uid in _user_ids(e.data)))


def body(event: OutboxEvent, aliases: dict[tuple[int, int], int], base_url: str) -> str:
    """The exact JSON body of the event's webhook (compact, keys sorted: the same bytes every time)."""
    data = scrub(event.data, _int(event.data.get("lot_id")), aliases)
    assert isinstance(data, dict)
    data["links"] = links(event.type, event.data, base_url)
    return encode({"type": event.type, "timestamp": iso_ms(event.occurred_at), "data": data})


def encode(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
