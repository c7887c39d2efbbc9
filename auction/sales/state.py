"""The sale state machine of docs/law/auction-rules.md §12: S-01 … S-11 (the auction engine) and S-12 …
S-22 (after the award, docs/aftersale.md).

A transition is one conditional UPDATE (`… WHERE id = :id AND status IN (:from) [AND <sub-state>] [AND
<deadline>]`), so two actors that race for the same transition (two closers, a worker and a staff action, a
payment and the default timer) cannot both apply it: the loser gets `InvalidTransition` and its transaction
rolls back. `awarded` carries two sub-states in their own columns, `payment_status` (due | paid |
defaulted) and `fesih_status` (window | none | pending | rejected); a transition may require and set them
in the same write, and may require that a deadline column has (or has not yet) passed at `now`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.sales.errors import InvalidTransition
from auction.sales.models import FesihStatus as F
from auction.sales.models import PaymentStatus as P
from auction.sales.models import Sale
from auction.sales.models import SaleStatus as S

DeadlineColumn = Literal["payment_due_at", "fesih_until", "tax_due_at"]


@dataclass(frozen=True)
class Transition:
    rule: str
    sources: frozenset[S]
    target: S
    payment_from: frozenset[P] | None = None
    fesih_from: frozenset[F] | None = None
    payment_to: P | None = None
    fesih_to: F | None = None
    # (column, "passed" | "pending"): the deadline must have passed (`<= now`) or not yet (`> now`).
    deadline: tuple[DeadlineColumn, Literal["passed", "pending"]] | None = None
    sets: dict[str, Any] = field(default_factory=dict)


def _t(rule: str, sources: set[S], target: S, **kw: Any) -> Transition:
    return Transition(rule, frozenset(sources), target, **kw)


TRANSITIONS: dict[str, Transition] = {
    # S-01: the müdür's decision and ilan (our POST /lots/{id}/sale takes both in one step).
    "publish": _t("S-01", {S.draft}, S.announced),
    # S-02: debt paid or request withdrawn before round 1 starts.
    "cancel_before_start": _t("S-02", {S.announced}, S.cancelled),
    # S-03: the clock reaches a round's start (round 1, or round 2 after a failed/defaulted round 1).
    "open_round": _t("S-03", {S.announced, S.awaiting_round2, S.extension_scheduled}, S.round_open),
    # S-06: debt paid in full before the close; also while waiting for round 2.
    "debt_paid": _t("S-06", {S.round_open, S.awaiting_round2}, S.cancelled),
    # S-07: the clock reaches the close.
    "close_round": _t("S-07", {S.round_open}, S.round_closed),
    # S-08: the müdür orders a one-day extension for a technical outage of the portal.
    "order_outage_extension": _t("S-08", {S.round_closed}, S.extension_scheduled),
    # S-09 / S-10 / S-11: the tutanak is posted. The award opens both sub-states (TM-16, TM-17).
    "award": _t("S-09", {S.round_closed}, S.awarded, payment_to=P.due, fesih_to=F.window),
    "round1_failed": _t("S-10", {S.round_closed}, S.awaiting_round2),
    "round2_failed": _t("S-11", {S.round_closed}, S.failed),
    # --- After the award ---------------------------------------------------------------------------
    # S-12: the full balance arrives before the deadline (A-62: even while a fesih is pending).
    "payment_received": _t("S-12", {S.awarded}, S.awarded, payment_from=frozenset({P.due}), payment_to=P.paid,
                           deadline=("payment_due_at", "pending")),
    # S-13: the payment deadline passes unpaid: round 2 on its announced dates, else the end.
    # The fesih sub-state ends with the award it belonged to.
    "default_to_round2": _t("S-13", {S.awarded}, S.awaiting_round2, payment_from=frozenset({P.due}),
                            payment_to=P.defaulted, deadline=("payment_due_at", "passed"),
                            sets={"fesih_status": None}),
    "default_failed": _t("S-13", {S.awarded}, S.failed, payment_from=frozenset({P.due}), payment_to=P.defaulted,
                         deadline=("payment_due_at", "passed"), sets={"fesih_status": None}),
    # TM-17: the A-80 window ran out with no complaint recorded.
    "fesih_window_closed": _t("TM-17", {S.awarded}, S.awarded, fesih_from=frozenset({F.window}), fesih_to=F.none,
                              deadline=("fesih_until", "passed")),
    # S-14: a complaint is recorded (in the window, or late under A-81; it may reach the office during the
    # finality check, A-85): kesinleşme is blocked.
    "fesih_recorded": _t("S-14", {S.awarded, S.awaiting_finality_check}, S.awarded,
                         fesih_from=frozenset({F.window, F.none}), fesih_to=F.pending),
    # S-15 / S-16: the court's decision is final.
    "fesih_rejected": _t("S-15", {S.awarded}, S.awarded, fesih_from=frozenset({F.pending}), fesih_to=F.rejected),
    "fesih_annulled": _t("S-16", {S.awarded}, S.annulled, fesih_from=frozenset({F.pending})),
    # S-17: paid, and the window closed without complaint or the complaint was rejected.
    "window_passed": _t("S-17", {S.awarded}, S.awaiting_finality_check, payment_from=frozenset({P.paid}),
                        fesih_from=frozenset({F.none, F.rejected})),
    # S-18: staff confirm from UYAP that no complaint was filed.
    "finality_confirmed": _t("S-18", {S.awaiting_finality_check}, S.final, payment_from=frozenset({P.paid}),
                             fesih_from=frozenset({F.none, F.rejected})),
    # S-19: KDV and damga vergisi paid: tescil / teslim.
    "taxes_paid": _t("S-19", {S.final}, S.handover),
    # S-20: the muhtıra period (TM-20) passed unpaid and the müdür cancels the ihale (A-91, OP-26).
    "tax_default_annulled": _t("S-20", {S.final}, S.annulled, deadline=("tax_due_at", "passed")),
    # S-21: delivered or "teslime hazır": the proceeds become distributable.
    "handed_over": _t("S-21", {S.handover}, S.distributing),
    # S-22: handover impossible, the müdür cancels the ihale (İİK 134/9).
    "handover_impossible": _t("S-22", {S.handover}, S.annulled),
    # S-24: every line of the cetvel paid, the surplus too (auction/disbursement/payouts.py).
    "distribution_paid": _t("S-24", {S.distributing}, S.closed),
}


def _where(t: Transition, sale_id: int, now: datetime) -> list[Any]:
    conditions: list[Any] = [Sale.id == sale_id, Sale.status.in_([s.value for s in t.sources])]
    if t.payment_from is not None:
        conditions.append(Sale.payment_status.in_([p.value for p in t.payment_from]))
    if t.fesih_from is not None:
        conditions.append(Sale.fesih_status.in_([f.value for f in t.fesih_from]))
    if t.deadline is not None:
        column = getattr(Sale, t.deadline[0])
        conditions.append(column <= now if t.deadline[1] == "passed" else column > now)
    return conditions


def _refused(t: Transition, sale_id: int, event: str) -> InvalidTransition:
    details: dict[str, Any] = {"sale_id": sale_id, "event": event, "rule": t.rule,
                               "allowed_from": sorted(s.value for s in t.sources)}
    if t.payment_from is not None:
        details["payment_status"] = sorted(p.value for p in t.payment_from)
    if t.fesih_from is not None:
        details["fesih_status"] = sorted(f.value for f in t.fesih_from)
    if t.deadline is not None:
        details["deadline"] = {"column": t.deadline[0], "must_be": t.deadline[1]}
    return InvalidTransition(details=details)


async def apply(session: AsyncSession, sale_id: int, event: str, *, now: datetime | None = None,
                values: dict[str, Any] | None = None) -> Transition:
    """Apply `event` to the sale in one conditional write; `values` are further columns the same write
    sets (the moment of the step, who took it). Raises `InvalidTransition` when the guard fails."""
    t = TRANSITIONS[event]
    now = now or clock.now()
    new: dict[str, Any] = {"status": t.target.value, "updated_at": now, **t.sets, **(values or {})}
    if t.payment_to is not None:
        new["payment_status"] = t.payment_to.value
    if t.fesih_to is not None:
        new["fesih_status"] = t.fesih_to.value
    # The default synchronisation updates a Sale already loaded in the session, so that a later flush of
    # it never writes back the status it had before this transition.
    result = await session.execute(update(Sale).where(*_where(t, sale_id, now)).values(**new).returning(Sale.id))
    if result.first() is None:
        raise _refused(t, sale_id, event)
    return t


async def apply_many(session: AsyncSession, sale_ids: list[int], event: str, *,
                     now: datetime | None = None) -> Transition:
    """Apply `event` to every sale in `sale_ids` in one conditional write (the round clock's batches):
    all of them or none - if the guard fails for any (or a sale is listed twice) `InvalidTransition`
    names the first such sale and the caller's transaction rolls back."""
    t = TRANSITIONS[event]
    if not t.sets and t.payment_to is None and t.fesih_to is None and t.deadline is None:
        now = now or clock.now()
        wanted = list(dict.fromkeys(sale_ids))
        conditions = [Sale.id.in_(wanted), Sale.status.in_([s.value for s in t.sources])]
        if t.payment_from is not None:
            conditions.append(Sale.payment_status.in_([p.value for p in t.payment_from]))
        if t.fesih_from is not None:
            conditions.append(Sale.fesih_status.in_([f.value for f in t.fesih_from]))
        result = await session.execute(update(Sale).where(*conditions)
                                       .values(status=t.target.value, updated_at=now).returning(Sale.id))
        done = {int(i) for i in result.scalars()}
        refused = [i for i in wanted if i not in done]
        if refused or len(wanted) != len(sale_ids):
            raise _refused(t, refused[0] if refused else sale_ids[0], event)
        return t
    for sale_id in sale_ids:  # a transition with sub-states or deadlines: one write each, same guard
        await apply(session, sale_id, event, now=now)
    return t


async def lock_if(session: AsyncSession, sale_id: int, event: str, *, now: datetime | None = None) -> bool:
    """Take the sale row's write lock only if `event` could apply now (its guard holds), changing nothing
    but `updated_at`. Whoever then decides on the sale (a payment's confirmation, the default timer) waits
    for the holder's commit and re-reads the row: READ COMMITTED re-evaluates the WHERE after the wait."""
    t = TRANSITIONS[event]
    now = now or clock.now()
    result = await session.execute(
        update(Sale).where(*_where(t, sale_id, now)).values(updated_at=now).returning(Sale.id))
    return result.first() is not None


def guard_of(event: str) -> Transition:
    return TRANSITIONS[event]
