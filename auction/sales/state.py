"""The sale state machine of docs/law/auction-rules.md §12 (the part this engine drives: S-01 … S-11).

A transition is one conditional UPDATE (`… WHERE id = :id AND status IN (:from)`), so two actors that
race for the same transition (two closers, a closer and a cancellation) cannot both apply it: the loser
gets `InvalidTransition` and its transaction rolls back.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.sales.errors import InvalidTransition
from auction.sales.models import Sale
from auction.sales.models import SaleStatus as S


@dataclass(frozen=True)
class Transition:
    rule: str
    sources: frozenset[S]
    target: S


TRANSITIONS: dict[str, Transition] = {
    # S-01: the müdür's decision and ilan (our POST /lots/{id}/sale takes both in one step).
    "publish": Transition("S-01", frozenset({S.draft}), S.announced),
    # S-02: debt paid or request withdrawn before round 1 starts.
    "cancel_before_start": Transition("S-02", frozenset({S.announced}), S.cancelled),
    # S-03: the clock reaches a round's start (round 1, or round 2 after a failed/defaulted round 1).
    "open_round": Transition("S-03", frozenset({S.announced, S.awaiting_round2, S.extension_scheduled}),
                             S.round_open),
    # S-06: debt paid in full before the close; also while waiting for round 2.
    "debt_paid": Transition("S-06", frozenset({S.round_open, S.awaiting_round2}), S.cancelled),
    # S-07: the clock reaches the close.
    "close_round": Transition("S-07", frozenset({S.round_open}), S.round_closed),
    # S-08: the müdür orders a one-day extension for a technical outage of the portal.
    "order_outage_extension": Transition("S-08", frozenset({S.round_closed}), S.extension_scheduled),
    # S-09 / S-10 / S-11: the tutanak is posted.
    "award": Transition("S-09", frozenset({S.round_closed}), S.awarded),
    "round1_failed": Transition("S-10", frozenset({S.round_closed}), S.awaiting_round2),
    "round2_failed": Transition("S-11", frozenset({S.round_closed}), S.failed),
}


async def apply(session: AsyncSession, sale_id: int, event: str) -> Transition:
    t = TRANSITIONS[event]
    result = await session.execute(
        update(Sale)
        .where(Sale.id == sale_id, Sale.status.in_([s.value for s in t.sources]))
        .values(status=t.target.value, updated_at=clock.now())
        .returning(Sale.id)
    )
    if result.first() is None:
        raise InvalidTransition(details={"sale_id": sale_id, "event": event, "rule": t.rule,
                                         "allowed_from": sorted(s.value for s in t.sources)})
    return t
