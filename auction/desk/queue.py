"""The work queue of an office (docs/desk.md): one list of what needs a staff or müdür decision, oldest and
most urgent first, each row naming the object it concerns.

Each kind of work is one small *source*: a function registered with `@source(kind, rule, role)` that reads
the rows of that kind from the actor's office and returns `Item`s. The page, the navigation badge and the
count endpoint all ask `collect` / `counts`; a new kind of work (the distribution's cetvels and payouts,
say) is one more registered function, and nothing else changes.

Office scope: every source starts its query from `in_office` (auction/users/scope.py), so a member of
staff sees only his office's work and an admin every office's. Sources only read; the decisions
themselves are the existing service functions behind the sale page's forms.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.calendar import ISTANBUL
from auction.deposits.models import Refund, RefundStatus
from auction.disbursement.models import Cetvel, Objection, Payout
from auction.lots.models import Lot, LotStatus
from auction.mektup.models import MektupSubmission, SubmissionStatus
from auction.sales.models import (
    ACTIVE_SALE_STATES,
    FesihStatus,
    PaymentStatus,
    Round,
    RoundStatus,
    Sale,
    SaleStatus,
    Tutanak,
)
from auction.settlement.models import PaymentRefund
from auction.users.models import Role
from auction.users.principal import Principal
from auction.users.scope import in_office


@dataclass(frozen=True)
class Item:
    """One thing to do: its kind, the object it concerns (`sale`, `lot`, `mektup`) and its office, the
    deadline or the moment it falls due, and whether that has passed."""

    kind: str
    rule: str  # the rule id (docs/law/) the decision applies
    role: Role  # who decides: staff (the satış bürosu) or the müdür
    office_id: int
    object_type: str
    object_id: int
    sale_id: int | None
    title: str
    due: datetime | None
    overdue: bool


Source = Callable[[AsyncSession, Principal, datetime], Awaitable[list[Item]]]


@dataclass(frozen=True)
class Kind:
    kind: str
    rule: str
    role: Role
    read: Source


KINDS: dict[str, Kind] = {}


def source(kind: str, rule: str, role: Role) -> Callable[[Source], Source]:
    """Register `fn` as the source of one kind of work (its rule id and the role that decides it)."""

    def register(fn: Source) -> Source:
        if kind in KINDS:
            raise ValueError(f"work kind {kind!r} registered twice")
        KINDS[kind] = Kind(kind, rule, role, fn)
        return fn

    return register


def _item(kind: str, office_id: int, object_type: str, object_id: int, sale_id: int | None, title: str,
          due: datetime | None, now: datetime) -> Item:
    k = KINDS[kind]
    return Item(kind, k.rule, k.role, office_id, object_type, object_id, sale_id, title, due,
                due is not None and due < now)


def _today_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The office's day (İstanbul) that contains `now`."""
    day = now.astimezone(ISTANBUL).date()
    start = datetime.combine(day, time(0, 0), tzinfo=ISTANBUL)
    return start, start + timedelta(days=1)


# --- The sources -------------------------------------------------------------------------------------------


@source("appraisal_pending", "A-04", Role.staff)
async def _appraisals(session: AsyncSession, actor: Principal, now: datetime) -> list[Item]:
    """Appraisals served and not yet kesin: the şikayet window runs, or a şikayet waits for the court
    (staff record the court's outcome)."""
    stmt = in_office(select(Lot).where(Lot.status.in_([LotStatus.appraisal_served.value,
                                                        LotStatus.appraisal_challenged.value]),
                                       Lot.appraisal_final_at.is_(None)), actor, Lot.office_id)
    return [_item("appraisal_pending", lot.office_id, "lot", lot.id, None, lot.title,
                  lot.appraisal_objection_until, now) for lot in (await session.scalars(stmt)).all()]


@source("sale_to_schedule", "S-01", Role.staff)
async def _to_schedule(session: AsyncSession, actor: Principal, now: datetime) -> list[Item]:
    """Lots whose appraisal is kesin and that no active sale owns: the satış kararı is to be taken."""
    active = select(Sale.id).where(Sale.lot_id == Lot.id, Sale.status.in_([s.value for s in ACTIVE_SALE_STATES]))
    stmt = in_office(select(Lot).where(Lot.appraisal_final_at.is_not(None),
                                       Lot.status.in_([LotStatus.appraised.value, LotStatus.sale_requested.value]),
                                       ~active.exists()), actor, Lot.office_id)
    return [_item("sale_to_schedule", lot.office_id, "lot", lot.id, None, lot.title, None, now)
            for lot in (await session.scalars(stmt.order_by(Lot.appraisal_final_at))).all()]


async def _rounds(session: AsyncSession, actor: Principal, now: datetime, kind: str, status: RoundStatus,
                  column: str) -> list[Item]:
    start, end = _today_bounds(now)
    at = getattr(Round, column)
    stmt = in_office(select(Round, Sale.office_id, Lot.title).join(Sale, Sale.id == Round.sale_id)
                     .join(Lot, Lot.id == Round.lot_id)
                     .where(Round.status == status.value, at >= start, at < end), actor, Sale.office_id)
    return [Item(kind, KINDS[kind].rule, KINDS[kind].role, office_id, "sale", r.sale_id, r.sale_id, title,
                 getattr(r, column), False) for r, office_id, title in (await session.execute(stmt)).all()]


@source("round_opening", "TM-10", Role.staff)
async def _opening(session: AsyncSession, actor: Principal, now: datetime) -> list[Item]:
    """Rounds that open today (S-03): the teminat and mektup to be in order before."""
    return await _rounds(session, actor, now, "round_opening", RoundStatus.scheduled, "starts_at")


@source("round_closing", "TM-13", Role.staff)
async def _closing(session: AsyncSession, actor: Principal, now: datetime) -> list[Item]:
    """Rounds open now that close today (S-07): the tutanak follows."""
    return await _rounds(session, actor, now, "round_closing", RoundStatus.open, "ends_at")


async def _tutanaks(session: AsyncSession, actor: Principal, now: datetime, kind: str, *where: object) -> list[Item]:
    stmt = in_office(select(Tutanak, Lot.title).join(Lot, Lot.id == Tutanak.lot_id)
                     .where(Tutanak.posted_at.is_(None), Tutanak.superseded_at.is_(None), *where),  # type: ignore[arg-type]
                     actor, Tutanak.office_id)
    return [_item(kind, t.office_id, "sale", t.sale_id, t.sale_id, title, t.due_at, now)
            for t, title in (await session.execute(stmt)).all()]


@source("outage_review", "A-43", Role.manager)
async def _outages(session: AsyncSession, actor: Principal, now: datetime) -> list[Item]:
    """The outage record of a closed round, to be reviewed by the müdür before the tutanak (TM-14)."""
    return await _tutanaks(session, actor, now, "outage_review", Tutanak.outage_report.is_not(None),
                           Tutanak.outage_reviewed_at.is_(None))


@source("tutanak_to_post", "A-60", Role.manager)
async def _to_post(session: AsyncSession, actor: Principal, now: datetime) -> list[Item]:
    """Tutanaks drafted at the close and not posted (due by TM-14)."""
    return await _tutanaks(session, actor, now, "tutanak_to_post")


async def _sales(session: AsyncSession, actor: Principal, now: datetime, kind: str,
                 due: Callable[[Sale], datetime | None], *where: object) -> list[Item]:
    stmt = in_office(select(Sale, Lot.title).join(Lot, Lot.id == Sale.lot_id).where(*where),  # type: ignore[arg-type]
                     actor, Sale.office_id)
    return [_item(kind, s.office_id, "sale", s.id, s.id, title, due(s), now)
            for s, title in (await session.execute(stmt)).all()]


@source("payment_due", "TM-16", Role.staff)
async def _payments(session: AsyncSession, actor: Principal, now: datetime) -> list[Item]:
    """Awarded sales whose price is not yet paid (S-12); past the deadline the default follows (S-13)."""
    return await _sales(session, actor, now, "payment_due", lambda s: s.payment_due_at,
                        Sale.status == SaleStatus.awarded.value, Sale.payment_status == PaymentStatus.due.value)


@source("fesih_pending", "S-15", Role.manager)
async def _fesih(session: AsyncSession, actor: Principal, now: datetime) -> list[Item]:
    """A fesih complaint is recorded (S-14): the court's outcome is to be entered by the müdür."""
    return await _sales(session, actor, now, "fesih_pending", lambda s: None,
                        Sale.status == SaleStatus.awarded.value, Sale.fesih_status == FesihStatus.pending.value)


@source("finality_check", "S-18", Role.staff)
async def _finality(session: AsyncSession, actor: Principal, now: datetime) -> list[Item]:
    """The fesih window passed with no complaint: staff confirm kesinleşme."""
    return await _sales(session, actor, now, "finality_check", lambda s: s.finality_alert_at,
                        Sale.status == SaleStatus.awaiting_finality_check.value)


@source("taxes_due", "TM-20", Role.manager)
async def _taxes(session: AsyncSession, actor: Principal, now: datetime) -> list[Item]:
    """Final sales whose KDV and damga are unpaid (A-91): past the muhtıra's period the müdür decides
    (S-20)."""
    return await _sales(session, actor, now, "taxes_due", lambda s: s.tax_due_at,
                        Sale.status == SaleStatus.final.value, Sale.taxes_paid_at.is_(None))


@source("handover", "S-21", Role.staff)
async def _handover(session: AsyncSession, actor: Principal, now: datetime) -> list[Item]:
    """Taxes paid: the tapu letter to send or the goods to deliver (A-94)."""
    return await _sales(session, actor, now, "handover", lambda s: None, Sale.status == SaleStatus.handover.value)


@source("mektup_to_record", "A-51", Role.staff)
async def _mektup(session: AsyncSession, actor: Principal, now: datetime) -> list[Item]:
    """Teminat mektubu scans sent by bidders, waiting for the original to be seen."""
    stmt = in_office(select(MektupSubmission, Sale.office_id, Lot.title).join(Sale, Sale.id == MektupSubmission.sale_id)
                     .join(Lot, Lot.id == Sale.lot_id)
                     .where(MektupSubmission.status == SubmissionStatus.submitted.value), actor, Sale.office_id)
    return [_item("mektup_to_record", office_id, "mektup", m.id, m.sale_id, title, None, now)
            for m, office_id, title in (await session.execute(stmt)).all()]


@source("refund_failed", "TM-22", Role.staff)
async def _refunds(session: AsyncSession, actor: Principal, now: datetime) -> list[Item]:
    """Refunds the payment provider refused (teminat, or the buyer's payments): retried by the workers,
    but the office must see why (a closed account, a wrong IBAN)."""
    out: list[Item] = []
    for model in (Refund, PaymentRefund):
        stmt = in_office(select(model.sale_id, model.created_at, Sale.office_id, Lot.title)
                         .join(Sale, Sale.id == model.sale_id).join(Lot, Lot.id == Sale.lot_id)
                         .where(model.status == RefundStatus.failed.value), actor, Sale.office_id)
        out += [_item("refund_failed", office_id, "sale", sale_id, sale_id, title, created, now)
                for sale_id, created, office_id, title in (await session.execute(stmt)).all()]
    return out


@source("cetvel_to_serve", "D-40", Role.staff)
async def _cetvels_to_serve(session: AsyncSession, actor: Principal, now: datetime) -> list[Item]:
    """Sıra cetvels built at handover (D-50) and still drafts: staff check them and serve the parties."""
    stmt = in_office(select(Cetvel, Lot.title).join(Sale, Sale.id == Cetvel.sale_id).join(Lot, Lot.id == Sale.lot_id)
                     .where(Cetvel.status == "draft"), actor, Cetvel.office_id)
    return [_item("cetvel_to_serve", c.office_id, "cetvel", c.id, c.sale_id, title, None, now)
            for c, title in (await session.execute(stmt.order_by(Cetvel.created_at))).all()]


@source("cetvel_to_finalise", "D-52", Role.manager)
async def _cetvels_to_finalise(session: AsyncSession, actor: Principal, now: datetime) -> list[Item]:
    """Served cetvels whose objection window (TM-23, D-41) has ended: the müdür finalises them; the window's
    end is the moment they fell due."""
    stmt = in_office(select(Cetvel, Lot.title).join(Sale, Sale.id == Cetvel.sale_id).join(Lot, Lot.id == Sale.lot_id)
                     .where(Cetvel.status == "served", Cetvel.objection_until <= now), actor, Cetvel.office_id)
    return [_item("cetvel_to_finalise", c.office_id, "cetvel", c.id, c.sale_id, title, c.objection_until, now)
            for c, title in (await session.execute(stmt)).all()]


@source("objection_to_decide", "D-53", Role.manager)
async def _objections(session: AsyncSession, actor: Principal, now: datetime) -> list[Item]:
    """Objections to a cetvel (itiraz davası, şikayet) with no recorded outcome: the lines they hold stay
    disputed (D-53) until the müdür enters the court's decision."""
    stmt = in_office(select(Objection, Cetvel.office_id, Cetvel.sale_id, Lot.title)
                     .join(Cetvel, Cetvel.id == Objection.cetvel_id).join(Sale, Sale.id == Cetvel.sale_id)
                     .join(Lot, Lot.id == Sale.lot_id).where(Objection.status == "pending"), actor, Cetvel.office_id)
    return [_item("objection_to_decide", office_id, "objection", o.id, sale_id, title, None, now)
            for o, office_id, sale_id, title in (await session.execute(stmt.order_by(Objection.id))).all()]


@source("payout_to_approve", "D-44", Role.manager)
async def _payouts(session: AsyncSession, actor: Principal, now: datetime) -> list[Item]:
    """Payout instructions prepared and not approved, one row per cetvel, due by the earliest instruction's
    TM-22 deadline. Four eyes: a müdür does not see those he prepared himself (another must approve)."""
    stmt = in_office(select(Cetvel.id, Cetvel.office_id, Cetvel.sale_id, Lot.title, func.min(Payout.due_by))
                     .join(Cetvel, Cetvel.id == Payout.cetvel_id).join(Sale, Sale.id == Cetvel.sale_id)
                     .join(Lot, Lot.id == Sale.lot_id)
                     .where(Payout.status == "prepared", Payout.prepared_by != actor.user_id)
                     .group_by(Cetvel.id, Cetvel.office_id, Cetvel.sale_id, Lot.title), actor, Cetvel.office_id)
    return [_item("payout_to_approve", office_id, "cetvel", cid, sale_id, title, due, now)
            for cid, office_id, sale_id, title, due in (await session.execute(stmt)).all()]


# --- Reading the queue -------------------------------------------------------------------------------------


def _order(item: Item) -> tuple[int, datetime, int]:
    """Overdue first, then by the nearest deadline; work without a deadline after, oldest object first."""
    far = datetime.max.replace(tzinfo=ISTANBUL)
    return (0 if item.overdue else 1 if item.due is not None else 2, item.due or far, item.object_id)


async def collect(session: AsyncSession, actor: Principal, *, kinds: list[str] | None = None,
                  role: Role | None = None, now: datetime | None = None) -> list[Item]:
    """The actor's office's queue (every office for an admin), optionally of some kinds or of the work one
    role decides, most urgent first."""
    now = now or clock.now()
    items: list[Item] = []
    for k in KINDS.values():
        if (kinds and k.kind not in kinds) or (role is not None and k.role != role):
            continue
        items += await k.read(session, actor, now)
    return sorted(items, key=_order)


def count_by_kind(items: list[Item]) -> dict[str, int]:
    """How many of `items` are of each kind (every registered kind, zeros included)."""
    out = dict.fromkeys(KINDS, 0)
    for item in items:
        out[item.kind] += 1
    return out


async def counts(session: AsyncSession, actor: Principal, *, now: datetime | None = None) -> dict[str, int]:
    """How many items of each kind wait in the actor's queue."""
    return count_by_kind(await collect(session, actor, now=now))


__all__ = ["KINDS", "Item", "Kind", "collect", "count_by_kind", "counts", "source"]
