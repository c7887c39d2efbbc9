"""A file's safahat (its history) as a party to it sees it (`/files/{case_id}`, seed 000: "online
inspection of the file"): the file, each lot's appraisal and its finality, the sale decision and its
ilan, every round, the tutanak, the payment, the fesih window, kesinleşme, the taxes, the handover and the
distribution, in the order they happened, each with the rule it applies.

What a party sees: only files it is linked to (`parties.standing_in`, 404 otherwise), and of those what
the public tutanak shows (results and prices, never who bid: A-34) plus the steps of the file. Its own
cetvel lines are the distribution's to show (`GET /api/v1/distributions/{id}`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction.calendar import ISTANBUL
from auction.cases import parties
from auction.cases.models import Case
from auction.lots.models import Lot
from auction.sales.models import Round, RoundStatus, Sale, SaleStatus, Tutanak
from auction.users.principal import Principal


@dataclass(frozen=True)
class Event:
    at: datetime
    key: str  # `safahat.<key>` in the page texts
    rule: str
    lot: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    document: str | None = None  # a document the party may open (the public tutanak)
    day_only: bool = False  # a date without a time (the ilan, a service)


_ROUNDS_AHEAD = frozenset(s.value for s in (SaleStatus.draft, SaleStatus.announced, SaleStatus.round_open,
                                             SaleStatus.round_closed, SaleStatus.extension_scheduled,
                                             SaleStatus.awaiting_round2))


def _day(d: date) -> datetime:
    return datetime.combine(d, time(0, 0), tzinfo=ISTANBUL)


async def _lot_events(session: AsyncSession, lot: Lot, now: datetime) -> list[Event]:
    out: list[Event] = []
    if lot.appraisal_served_on:
        out.append(Event(max(_day(lot.appraisal_served_on), lot.created_at), "appraisal_served", "A-04", lot.title,
                         {"value": lot.appraised_value}, day_only=True))
    if lot.appraisal_challenged_at:
        out.append(Event(lot.appraisal_challenged_at, "appraisal_challenged", "A-04", lot.title))
    if lot.appraisal_final_at:
        out.append(Event(lot.appraisal_final_at, "appraisal_final", "A-04", lot.title, {"value": lot.appraised_value}))
    sales = (await session.scalars(select(Sale).where(Sale.lot_id == lot.id).order_by(Sale.id))).all()
    for sale in sales:
        out += await _sale_events(session, lot, sale, now)
    return out


async def _sale_events(session: AsyncSession, lot: Lot, sale: Sale, now: datetime) -> list[Event]:
    t = lot.title
    out = [Event(sale.created_at, "sale_decided", "S-01", t, {"opening": sale.opening_price,
                                                               "teminat": sale.teminat_amount}),
           # A date: shown as the day, placed after the decision when both fall on the same day.
           Event(max(_day(sale.ilan_date), sale.created_at), "ilan", "A-21", t, day_only=True)]
    rounds = (await session.scalars(select(Round).where(Round.sale_id == sale.id).order_by(Round.number))).all()
    for r in rounds:
        # A round still scheduled after the award (or the end) of its sale will never run: not announced.
        if r.status == RoundStatus.scheduled.value and sale.status in _ROUNDS_AHEAD:
            out.append(Event(r.starts_at, "round_scheduled", "TM-10", t, {"round": r.number, "ends": r.ends_at}))
        if r.opened_at:
            out.append(Event(r.opened_at, "round_opened", "S-03", t, {"round": r.number, "ends": r.ends_at}))
        if r.closed_at and r.status == RoundStatus.closed.value:
            out.append(Event(r.closed_at, "round_closed", "S-07", t, {"round": r.number, "bids": r.bid_count,
                                                                     "price": r.current_price}))
    posted = (await session.scalars(select(Tutanak).where(Tutanak.sale_id == sale.id, Tutanak.posted_at.is_not(None))
                                    .order_by(Tutanak.posted_at))).all()
    for tt in posted:
        assert tt.posted_at is not None
        out.append(Event(tt.posted_at, "tutanak_posted", "A-60", t, {"result": tt.result},
                         document=f"/api/v1/lots/{lot.id}/tutanak"))
    if sale.paid_at:
        out.append(Event(sale.paid_at, "paid", "S-12", t, {"price": sale.price}))
    elif sale.payment_due_at and sale.status == SaleStatus.awarded.value:
        out.append(Event(sale.payment_due_at, "payment_due", "TM-16", t, {"price": sale.price}))
    if sale.fesih_until and sale.fesih_until <= now:
        out.append(Event(sale.fesih_until, "fesih_window_closed", "TM-17", t, {"status": sale.fesih_status}))
    if sale.finalised_at:
        out.append(Event(sale.finalised_at, "final", "S-18", t))
    if sale.taxes_paid_at:
        out.append(Event(sale.taxes_paid_at, "taxes_paid", "S-19", t))
    if sale.handed_over_at:
        out.append(Event(sale.handed_over_at, "handed_over", "S-21", t))
    if sale.status in (SaleStatus.distributing.value, SaleStatus.closed.value):
        # The hand-over (S-21) starts the distribution; closed_at moves on to the closing (S-24) once paid.
        out.append(Event(sale.handed_over_at or sale.closed_at or now, "distribution", "D-50", t))
        if sale.status == SaleStatus.closed.value and sale.closed_at:
            out.append(Event(sale.closed_at, "sale_closed", "S-24", t))
    elif sale.closed_at:
        key = {SaleStatus.failed.value: "sale_failed", SaleStatus.annulled.value: "sale_annulled",
               SaleStatus.cancelled.value: "sale_cancelled"}.get(sale.status)
        rule = {"sale_failed": "S-11", "sale_annulled": "S-16",
                "sale_cancelled": "S-02"}.get(key or "", "§12")
        if key:
            out.append(Event(sale.closed_at, key, rule, t, {"reason": sale.end_reason}))
    return out


async def safahat(session: AsyncSession, actor: Principal, case_id: int,
                  now: datetime) -> tuple[Case, list[Event]]:
    """The file and its events, oldest first, for a party linked to it (404 for anyone else)."""
    await parties.standing_in(session, actor, case_id)
    case = await session.get(Case, case_id)
    assert case is not None
    # A file or a lot entered after the fact (brought in with its history) cannot come after what happened
    # on it: each is placed no later than its first event.
    events: list[Event] = []
    for lot in (await session.scalars(select(Lot).where(Lot.case_id == case_id).order_by(Lot.id))).all():
        of_lot = await _lot_events(session, lot, now)
        added = min([lot.created_at, *(e.at for e in of_lot)])
        events += [Event(added, "lot_added", "A-02", lot.title, {"kind": lot.kind}), *of_lot]
    opened = min([case.created_at, *(e.at for e in events)])
    events.append(Event(opened, "file_opened", "A-01", None, {"file_no": case.file_no}))
    order = {"file_opened": 0, "lot_added": 1}
    return case, sorted(events, key=lambda e: (e.at, order.get(e.key, 2)))
