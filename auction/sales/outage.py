"""The technical-outage extension (A-43, S-08, TM-15), the müdür's review of the outage report (A-43, A-60)
and the overdue-tutanak alert (TM-14).

After a round closes the müdür sees its outage report (the platform's own record of portal-side failed
bid requests in the last W before the actual close, `auction/availability`). He must review it before
the tutanak can be posted; on the first working day after the close he may instead order a one-day
extension: a new round of the same artırma (same opening price, increment, threshold; anti-sniping
with E = the extension's end) in which the previous highest bid stays bound as the current price.
The sale waits in `extension_scheduled` until the closer opens the extension round (S-03).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.audit import service as audit
from auction.calendar import (
    format_local,
    local_date,
    outage_decision_window,
    outage_extension_end,
    outage_extension_latest_start,
    utc_ms,
)
from auction.clock import iso_ms
from auction.deposits.models import Deposit, DepositStatus, Refund, RefundStatus
from auction.events import service as events
from auction.money import fmt
from auction.notifications import service as notifications
from auction.rules.table import Ruleset
from auction.runtime import Runtime
from auction.sales import reads, state
from auction.sales.decision import RoundPlan, new_round
from auction.sales.errors import (
    AlreadyExtended,
    ExtensionStartInvalid,
    InvalidTransition,
    ManagerRequired,
    NoPortalOutage,
    OutageDecisionOutOfWindow,
    TutanakAlreadyPosted,
    TutanakNotFound,
)
from auction.sales.models import Round, Sale, SaleStatus, Tutanak
from auction.sales.schemas import OutageExtensionCreate, OutageReview
from auction.sales.tutanak import outage_report_of
from auction.users.models import Role, User
from auction.users.principal import Principal, requires_role


async def _closed_round_and_tutanak(session: AsyncSession, sale: Sale) -> tuple[Round, Tutanak]:
    if sale.status != SaleStatus.round_closed:
        raise InvalidTransition(details={"sale_id": sale.id, "status": sale.status})
    rnd = await reads.last_closed_round(session, sale.id)
    tutanak = (await session.scalars(select(Tutanak).where(Tutanak.round_id == rnd.id))).first() if rnd else None
    if rnd is None or tutanak is None:
        raise TutanakNotFound(details={"sale_id": sale.id})
    return rnd, tutanak


async def report_view(session: AsyncSession, runtime: Runtime, actor: Principal, sale_id: int) -> dict[str, Any]:
    """`GET /sales/{id}/outage-report` (staff of the office): the report of the round that closed last,
    computed now from the availability record, with its review state and the decision window."""
    sale = await reads.get_sale_for(session, actor, sale_id)
    rnd = await reads.last_closed_round(session, sale.id)
    if rnd is None:
        raise TutanakNotFound(details={"sale_id": sale.id})
    tutanak = (await session.scalars(select(Tutanak).where(Tutanak.round_id == rnd.id))).first()
    report = await outage_report_of(session, runtime, sale, rnd)
    ruleset: Ruleset = "demo" if sale.ruleset == "demo" else "law"
    opens, closes = outage_decision_window(rnd.ends_at, ruleset, on=sale.ilan_date, policy=runtime.policy)
    now = clock.now()
    return {
        "sale_id": sale.id, "sale_status": sale.status, "round_id": rnd.id, "round": rnd.number,
        "extension_of": rnd.extension_of, "closed_at": iso_ms(rnd.ends_at),
        "tutanak_id": tutanak.id if tutanak else None, "report": report,
        "reviewed_at": iso_ms(tutanak.outage_reviewed_at) if tutanak and tutanak.outage_reviewed_at else None,
        "reviewed_by": tutanak.outage_reviewed_by if tutanak else None,
        "reviewed_report": tutanak.outage_report if tutanak and tutanak.outage_reviewed_at else None,
        "extension": {
            "decision_opens_at": iso_ms(opens), "decision_closes_at": iso_ms(closes),
            "possible": (sale.status == SaleStatus.round_closed and rnd.extension_of is None
                         and opens <= now < closes),
            "needs_override": not report["outage"],
        },
    }


@requires_role(Role.manager, Role.admin, error=ManagerRequired)
async def review(session: AsyncSession, runtime: Runtime, actor: Principal, sale_id: int,
                 body: OutageReview) -> Tutanak:
    """The müdür has seen the outage report (A-43): recorded with who, when and the report as he saw it.
    Without it the tutanak cannot be posted (`outage_review_required`)."""
    sale = await reads.get_sale_for(session, actor, sale_id)
    rnd, tutanak = await _closed_round_and_tutanak(session, sale)
    if tutanak.posted_at is not None:
        raise TutanakAlreadyPosted()
    report = await outage_report_of(session, runtime, sale, rnd)
    now = clock.now()
    tutanak.outage_report = report
    tutanak.outage_reviewed_at = now
    tutanak.outage_reviewed_by = actor.user_id
    audit.record(session, "outage.reviewed", "sale", sale.id, actor=actor, office_id=sale.office_id, data={
        "tutanak_id": tutanak.id, "round": rnd.number, "auto": False, "note": body.note,
        "failed_requests": report["failed_requests"], "peak_per_minute": report["peak_per_minute"],
        "outage": report["outage"]})
    await session.flush()
    return tutanak


@requires_role(Role.manager, Role.admin, error=ManagerRequired)
async def order_extension(session: AsyncSession, runtime: Runtime, actor: Principal, sale_id: int,
                          body: OutageExtensionCreate) -> Round:
    """S-08 (A-43, TM-15): the müdür extends the closed round by one day for a technical outage.

    Guards: müdür of the office; the sale is `round_closed` and its tutanak not posted; the closed round
    is not itself an extension (UNCERTAIN: one extension per artırma); the decision falls on the first
    working day after the close; the report shows an outage (`outage.threshold_failed_requests`,
    OP-12) or the müdür gives `override_reason`; the start is after the decision and no later than
    `outage.extension.max_start_days` after it. Everything is one transaction: the extension round,
    the state change, the superseded tutanak, the held refunds taken back, audit and `round.extended`."""
    sale = await reads.get_sale_for(session, actor, sale_id)
    rnd, tutanak = await _closed_round_and_tutanak(session, sale)
    if tutanak.posted_at is not None:
        raise TutanakAlreadyPosted()
    if rnd.extension_of is not None:
        raise AlreadyExtended(details={"round_id": rnd.id, "extension_of": rnd.extension_of})
    now = clock.now()
    ruleset: Ruleset = "demo" if sale.ruleset == "demo" else "law"
    # rule: A-43 - on the first working day after the round ends (demo: from the close, G-09).
    opens, closes = outage_decision_window(rnd.ends_at, ruleset, on=sale.ilan_date, policy=runtime.policy)
    if not opens <= now < closes:
        raise OutageDecisionOutOfWindow(details={"opens_at": iso_ms(opens), "closes_at": iso_ms(closes),
                                                 "now": iso_ms(now)})
    report = await outage_report_of(session, runtime, sale, rnd)
    override = body.override_reason
    if not report["outage"] and not override:
        raise NoPortalOutage(details={"report": report})
    # rule: A-43 / TM-15 - the start no later than 3 days after the decision; one day long.
    start = utc_ms(body.starts_at)
    latest_day = outage_extension_latest_start(local_date(now), on=sale.ilan_date)
    if start <= now or local_date(start) > latest_day:
        raise ExtensionStartInvalid(details={"starts_at": iso_ms(start), "after": iso_ms(now),
                                             "latest_day": latest_day.isoformat()})
    end = outage_extension_end(start, ruleset, on=sale.ilan_date)

    # Lock order as the posting's: tutanak first (so a concurrent posting and this decision serialise
    # on it), then the sale's state.
    superseded = await session.execute(
        update(Tutanak).where(Tutanak.id == tutanak.id, Tutanak.posted_at.is_(None), Tutanak.superseded_at.is_(None))
        .values(superseded_at=now, outage_report=report,
                outage_reviewed_at=func.coalesce(Tutanak.outage_reviewed_at, now),
                outage_reviewed_by=func.coalesce(Tutanak.outage_reviewed_by, actor.user_id))
        .returning(Tutanak.id).execution_options(synchronize_session=False))
    if superseded.first() is None:
        raise TutanakAlreadyPosted()
    await state.apply(session, sale.id, "order_outage_extension")
    number = int(await session.scalar(select(func.max(Round.number)).where(Round.sale_id == sale.id)) or 0) + 1
    snap = reads.snapshot_of(sale)
    ext = new_round(sale, RoundPlan(number, start, end), snap, ruleset, runtime, now)
    # The same artırma: same opening price and increment (from the sale), the threshold locked again at
    # its start from the same R and C; the previous highest bid stays bound and is the current price.
    ext.extension_of = rnd.artirma
    ext.current_price = rnd.current_price
    ext.leader_user_id = rnd.leader_user_id
    session.add(ext)
    await session.flush()
    # Deposits keep covering the extension: the held refund jobs of this close are taken back.
    # UNCERTAIN(OP-17): with `teminat.refund_trigger = round_closed` they were released at the close and
    # those bidders deposit again.
    held = (await session.execute(
        delete(Refund).where(Refund.sale_id == sale.id, Refund.status == RefundStatus.held.value)
        .returning(Refund.deposit_id).execution_options(synchronize_session=False))).scalars().all()
    if held:
        await session.execute(
            update(Deposit).where(Deposit.id.in_(list(held)), Deposit.status == DepositStatus.refunding.value)
            .values(status=DepositStatus.confirmed.value, updated_at=now).execution_options(synchronize_session=False))
    await session.refresh(sale, ["status"])
    sale.updated_at = now
    decision = {
        "sale_id": sale.id, "lot_id": sale.lot_id, "round_id": ext.id, "round": ext.number,
        "extends_round_id": rnd.id, "extension_of": ext.extension_of, "reason": "technical",
        "starts_at": iso_ms(start), "ends_at": iso_ms(end), "scheduled_end": iso_ms(end),
        "previous_close": iso_ms(rnd.ends_at), "decided_at": iso_ms(now),
        "current_price": fmt(ext.current_price) if ext.current_price is not None else None,
        "cash_deadline": iso_ms(ext.cash_deadline), "mektup_deadline": iso_ms(ext.mektup_deadline),
        "override": bool(override) and not report["outage"],
    }
    audit.record(session, "sale.outage_extension_ordered", "sale", sale.id, actor=actor, office_id=sale.office_id,
                 data={**decision, "override_reason": override, "refunds_taken_back": len(held),
                       "failed_requests": report["failed_requests"], "peak_per_minute": report["peak_per_minute"],
                       "threshold_per_minute": report["threshold_per_minute"], "tutanak_id": tutanak.id})
    events.emit(session, "round.extended", decision, subject_type="sale", subject_id=sale.id,
                office_id=sale.office_id)
    return ext


# --- TM-14: the tutanak is overdue ------------------------------------------------------------------


async def alert_overdue_tutanaks(session: AsyncSession, runtime: Runtime, now: datetime, limit: int = 50) -> int:
    """TM-14 (A-60, A-43): a round's tutanak (and outage review) not posted by the end of the first
    working day after the close (`tutanaklar.due_at`) alerts the office's müdür(s) once. Each tutanak is
    claimed by a conditional update of `overdue_alerted_at`, so two workers never alert twice; the
    notification key is per tutanak as well."""
    stmt = (select(Tutanak.id).join(Sale, Sale.id == Tutanak.sale_id)
            .where(Tutanak.posted_at.is_(None), Tutanak.superseded_at.is_(None), Tutanak.overdue_alerted_at.is_(None),
                   Tutanak.due_at <= now, Sale.status == SaleStatus.round_closed.value)
            .order_by(Tutanak.due_at).limit(limit))
    ids = list((await session.scalars(stmt)).all())
    alerted = 0
    for tutanak_id in ids:
        claimed = await session.execute(
            update(Tutanak).where(Tutanak.id == tutanak_id, Tutanak.overdue_alerted_at.is_(None),
                                  Tutanak.posted_at.is_(None))
            .values(overdue_alerted_at=now).returning(Tutanak.id).execution_options(synchronize_session=False))
        if claimed.first() is None:
            continue
        t = await session.get(Tutanak, tutanak_id)
        assert t is not None
        await session.refresh(t)
        managers = list((await session.scalars(
            select(User.id).where(User.office_id == t.office_id, User.role == Role.manager.value,
                                  User.is_active.is_(True)).order_by(User.id))).all())
        reviewed = t.outage_reviewed_at is not None
        message = (f"Satış {t.sale_id}: artırma sonuç tutanağı {format_local(t.due_at)} itibarıyla ilan edilmedi "
                   "(İİK 115/4)." + ("" if reviewed else " Kesinti raporu da henüz incelenmedi (İİK 115/8)."))
        items = [notifications.NewNotification(
            user_id=uid, kind="tutanak_overdue", title="Tutanak süresi geçti", message=message,
            key=f"tm14:tutanak:{t.id}", lot_id=t.lot_id,
            data={"sale_id": t.sale_id, "tutanak_id": t.id, "round_id": t.round_id, "due_at": iso_ms(t.due_at),
                  "outage_reviewed": reviewed}) for uid in managers]
        await notifications.notify(session, items, runtime.broker)
        audit.record(session, "tutanak.overdue_alerted", "sale", t.sale_id, office_id=t.office_id, data={
            "tutanak_id": t.id, "due_at": iso_ms(t.due_at), "managers": managers, "outage_reviewed": reviewed})
        alerted += 1
    return alerted
