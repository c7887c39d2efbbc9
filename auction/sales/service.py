"""The sale lifecycle up to the close of each round: decision (S-01), opening (S-03), close (S-07) and
the tutanak's posting (S-09 … S-11), plus R/C entry and cancellation (S-02, S-06).

Every state change writes an audit row and, where the API contract names one, an outbox event in the
same transaction (auction.events). Every figure comes from the sale's rule snapshot (G-08).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.audit import service as audit
from auction.availability import service as availability
from auction.calendar import (
    CalendarMissingError,
    ScheduleError,
    ScheduleProblem,
    cash_teminat_deadline,
    local_date,
    mektup_deadline,
    propose_schedule,
    round_end,
    tutanak_due,
    utc_ms,
    validate_schedule,
)
from auction.cases.models import Case, Creditor, Pledge
from auction.clock import iso_ms
from auction.dbutil import dialect
from auction.events import service as events
from auction.lots import service as lots
from auction.lots.models import Lot, LotKind, LotStatus
from auction.money import ZERO, fmt
from auction.rules.table import RuleError, Ruleset
from auction.runtime import Runtime
from auction.sales import deadlines, documents, live, state
from auction.sales.errors import (
    InvalidTransition,
    ManagerRequired,
    NoSale,
    OutageReviewRequired,
    ReasonRequired,
    SaleExists,
    SaleInvalid,
    SaleNotFound,
    ThresholdLocked,
    TutanakAlreadyPosted,
    TutanakNotFound,
)
from auction.sales.models import (
    ACTIVE_SALE_STATES,
    Round,
    RoundResult,
    RoundStatus,
    Sale,
    SaleStatus,
    Tutanak,
)
from auction.sales.schemas import CancelSale, SaleCreate, ThresholdUpdate
from auction.sales.snapshot import Snapshot, figures, take_snapshot, threshold
from auction.users.models import Office, Role, User
from auction.users.principal import Principal, ensure_office

# --- Reading ---------------------------------------------------------------------------------------


async def get_sale(session: AsyncSession, sale_id: int) -> Sale:
    sale = await session.get(Sale, sale_id)
    if sale is None:
        raise SaleNotFound(details={"sale_id": sale_id})
    return sale


async def get_sale_for(session: AsyncSession, actor: Principal, sale_id: int) -> Sale:
    sale = await get_sale(session, sale_id)
    ensure_office(actor, sale.office_id)
    return sale


async def list_sales(session: AsyncSession, actor: Principal, *, status: str | None = None, limit: int = 50,
                     offset: int = 0) -> list[Sale]:
    stmt = select(Sale).order_by(Sale.id.desc()).limit(limit).offset(offset)
    if not actor.is_admin:
        stmt = stmt.where(Sale.office_id == actor.office_id)
    if status:
        stmt = stmt.where(Sale.status == status)
    return list((await session.scalars(stmt)).all())


async def rounds_of(session: AsyncSession, sale_id: int) -> list[Round]:
    stmt = select(Round).where(Round.sale_id == sale_id).order_by(Round.number)
    return list((await session.scalars(stmt)).all())


async def latest_sale_of_lot(session: AsyncSession, lot_id: int) -> Sale | None:
    stmt = select(Sale).where(Sale.lot_id == lot_id).order_by(Sale.id.desc()).limit(1)
    return (await session.scalars(stmt)).first()


async def require_sale_of_lot(session: AsyncSession, lot_id: int) -> Sale:
    await lots.get_lot(session, lot_id)
    sale = await latest_sale_of_lot(session, lot_id)
    if sale is None:
        raise NoSale(details={"lot_id": lot_id})
    return sale


def current_round(rounds: list[Round], sale_status: str) -> Round | None:
    """The round a lot page shows: the open one; while the sale waits for a round (announced, awaiting
    round 2) the next scheduled one; otherwise the last one that ran."""
    for r in rounds:
        if r.status == RoundStatus.open:
            return r
    # Rounds in the order they ran: an outage extension (S-08) runs after the round it extends although
    # its number is higher than round 2's.
    done = sorted((r for r in rounds if r.status in (RoundStatus.closed, RoundStatus.cancelled)),
                  key=lambda r: (r.closed_at or r.ends_at, r.id))
    scheduled = [r for r in rounds if r.status == RoundStatus.scheduled]
    if sale_status == SaleStatus.extension_scheduled:
        extension = [r for r in scheduled if r.extension_of is not None]
        if extension:
            return extension[0]
    scheduled = [r for r in scheduled if r.extension_of is None]
    if scheduled and (sale_status in (SaleStatus.announced, SaleStatus.awaiting_round2) or not done):
        return scheduled[0]
    return done[-1] if done else None


def snapshot_of(sale: Sale) -> Snapshot:
    return Snapshot(sale.rules, sale.policy)


def sale_threshold(sale: Sale) -> Decimal:
    return threshold(sale.appraised_value, sale.r_amount, sale.c_amount, sale.metal_value, snapshot_of(sale))


def min_next_bid(r: Round) -> Decimal:
    # rule: A-32 (UNCERTAIN OP-08: first bid ≥ opening price), A-33 (each later bid ≥ highest + increment)
    return r.opening_price if r.current_price is None else r.current_price + r.min_increment


# --- R proposal (A-31) ------------------------------------------------------------------------------


async def propose_r(session: AsyncSession, lot: Lot) -> Decimal:
    """R: the pledges on this lot that rank ahead of the sale-requesting creditor, each up to its limit.

    rule: A-31 - if the requester holds no pledge on the lot (a haciz creditor), every pledge counts; if
    it is itself a pledgee, only the pledges of a better (lower) degree.
    UNCERTAIN(OP-06): earlier hacizler are not in R (`auction.r_includes_hacizler` = false; we model only
    pledges). UNCERTAIN(OP-07): taxes on the asset are not in R. Staff confirm or override the figure.
    """
    pledges = await lots.list_pledges(session, lot.id)
    requester_ids = set((await session.scalars(
        select(Creditor.id).where(Creditor.case_id == lot.case_id, Creditor.sale_requester.is_(True)))).all())
    requester_degrees = [p.degree for p in pledges if p.creditor_id in requester_ids]
    ahead_of = min(requester_degrees) if requester_degrees else None
    total = ZERO
    for p in pledges:
        if p.creditor_id in requester_ids:
            continue
        if ahead_of is not None and p.degree >= ahead_of:
            continue
        total += min(p.claim_amount, p.limit_amount)
    return total


async def pledges_view(session: AsyncSession, lot_id: int) -> list[Pledge]:
    return await lots.list_pledges(session, lot_id)


# --- The sale decision (S-01) -------------------------------------------------------------------------


def _problem(code: str, rule: str, message: str, path: str | None = None, limit: datetime | None = None) -> dict[
        str, Any]:
    out: dict[str, Any] = {"code": code, "rule": rule, "message": message}
    if path:
        out["path"] = path
    if limit is not None:
        out["limit"] = iso_ms(limit)
    return out


_PROBLEM_PATHS = {
    "ilan_too_late": "first_round_start",
    "round2_before_round1_end": "second_round_start",
    "round2_too_late": "second_round_start",
    "round2_before_payment_deadline": "second_round_start",
}


def _schedule_problem(p: ScheduleProblem) -> dict[str, Any]:
    path = _PROBLEM_PATHS.get(p.code)
    if p.code == "round_length":
        path = "first_round_end" if p.message.startswith("1.") else "second_round_end"
    return _problem(p.code, p.rule, p.message, path, p.limit)


def _default_r2_start(ilan_date: date, r1_start: datetime, r1_end: datetime, ruleset: Ruleset, snap: Snapshot,
                      runtime: Runtime) -> datetime:
    """Round 2's start when the decision does not give it: the calendar's proposal (A-21: within a
    month, after round 1's latest payment deadline; 3 weeks by default, PRODUCT)."""
    gap = snap.duration("auction.round2.proposed_gap")
    if ruleset == "demo":
        return utc_ms(r1_end + gap)
    try:
        proposal = propose_schedule(ilan_date, r1_start, ruleset, policy=runtime.policy)
    except ScheduleError:
        return utc_ms(r1_end + gap)
    return proposal.r2_start


@dataclass(frozen=True)
class RoundPlan:
    number: int
    starts_at: datetime
    ends_at: datetime


async def decide_sale(session: AsyncSession, runtime: Runtime, actor: Principal, lot_id: int,
                      body: SaleCreate) -> Sale:
    """The satış kararı and its ilan (S-01): snapshot the rules, compute the figures and the schedule of
    both rounds, write the şartname. Every problem is reported at once (422 `sale_invalid`)."""
    lot = await lots.get_lot_for(session, actor, lot_id)
    await lots.refresh_appraisal(session, lot)
    active = await session.scalar(select(Sale.id).where(
        Sale.lot_id == lot.id, Sale.status.in_([s.value for s in ACTIVE_SALE_STATES])))
    if active is not None:
        raise SaleExists(details={"sale_id": active})
    case = await session.get(Case, lot.case_id)
    office = await session.get(Office, lot.office_id)
    assert case is not None
    assert office is not None
    ruleset: Ruleset = runtime.settings.ruleset
    policy = runtime.policy
    now = clock.now()
    today = local_date(now)
    ilan_date = body.ilan_date or today
    problems: list[dict[str, Any]] = []
    if ilan_date < today:
        problems.append(_problem("ilan_date_in_past", "A-21", "İlan tarihi bugünden önce olamaz.", "ilan_date"))
    try:
        rules, pol = take_snapshot(ilan_date, ruleset, policy)
    except RuleError as exc:
        raise SaleInvalid(details={"problems": [_problem(
            "no_rule_for_date", "G-01", f"Bu ilan tarihi için kural tablosu yok: {exc}", "ilan_date")]}) from None
    snap = Snapshot(rules, pol)

    # S-01 guards on the lot.
    if lot.status != LotStatus.appraised:
        problems.append(_problem(
            "appraisal_not_final", "A-04",
            "Kıymet takdiri kesinleşmeden satış kararı verilemez (şikayet süresi dolmalı ya da mahkeme karar "
            f"vermiş olmalı). Malın durumu: {lot.status}.", "lot"))
    if lot.kind == LotKind.tasinir and not lot.in_custody:
        problems.append(_problem(
            "not_in_custody", "A-03", "Taşınır mal muhafaza altında ya da teslime hazır olmadan satışa "
            "çıkarılamaz (İİK 88/2, 106/4).", "lot.in_custody"))

    # The schedule: ends from the ruleset; given ends only under demo (G-09, api-contract).
    r1s = utc_ms(body.first_round_start)
    if r1s < now - snap.duration("auction.round.start_slack"):
        problems.append(_problem("round_start_in_past", "A-21", "1. artırmanın başlangıcı geçmişte olamaz.",
                                 "first_round_start"))
    for field, given in (("first_round_end", body.first_round_end), ("second_round_end", body.second_round_end)):
        if given is not None and ruleset != "demo":
            problems.append(_problem(
                "round_end_not_allowed", "A-21",
                "Artırmanın bitişi kanundan hesaplanır (başlangıçtan 7 gün sonra aynı saat); yalnızca demo "
                "kural setinde verilebilir.", field))
    try:
        r1e = (utc_ms(body.first_round_end) if ruleset == "demo" and body.first_round_end is not None
               else round_end(r1s, ruleset, on=ilan_date))
        r2s = (utc_ms(body.second_round_start) if body.second_round_start is not None
               else _default_r2_start(ilan_date, r1s, r1e, ruleset, snap, runtime))
        r2e = (utc_ms(body.second_round_end) if ruleset == "demo" and body.second_round_end is not None
               else round_end(r2s, ruleset, on=ilan_date))
        problems.extend(_schedule_problem(p) for p in validate_schedule(
            ilan_date, r1s, r1e, r2s, r2e, ruleset, policy=policy))
    except CalendarMissingError as exc:
        problems.append(_problem("calendar_missing", "G-06", str(exc), "first_round_start"))
    if problems:
        raise SaleInvalid(details={"problems": problems})

    figs = figures(lot.appraised_value, snap)
    r_proposed = await propose_r(session, lot)
    r_amount = body.r_amount if body.r_amount is not None else r_proposed
    c_amount = body.c_amount if body.c_amount is not None else ZERO
    kdv_rate = body.kdv_rate if body.kdv_rate is not None else lot.kdv_rate
    warnings: list[dict[str, str]] = []
    if lots.appraisal_age_exceeded(lot, ilan_date, snap.integer("appraisal.max_age_years")):
        warnings.append({"code": "appraisal_old", "rule": "A-05",
                         "message": "Kıymet takdiri 2 yıldan eski; yeni kıymet takdiri istenebilir (İİK 128/a-2)."})
    if kdv_rate is None:
        warnings.append({"code": "kdv_rate_missing", "rule": "T-05",
                         "message": "Şartnamede KDV oranı belirtilmedi; ilandan önce girilmelidir."})
    if body.c_amount is None:
        warnings.append({"code": "c_not_entered", "rule": "A-31",
                         "message": "Satış masrafları (C) girilmedi; artırma başlamadan girilmelidir."})

    sale = Sale(
        lot_id=lot.id, case_id=lot.case_id, office_id=lot.office_id, status=SaleStatus.draft.value, ruleset=ruleset,
        ilan_date=ilan_date, decided_by=actor.user_id, appraised_value=lot.appraised_value,
        opening_price=figs.opening_price, min_increment=figs.min_increment, teminat_amount=figs.teminat,
        kdv_rate=kdv_rate, r_amount=r_amount, c_amount=c_amount, r_proposed=r_proposed,
        rc_entered_at=now if (body.r_amount is not None or body.c_amount is not None) else None,
        metal_value=lot.metal_value, rules=rules, policy=pol, sartname_html="", sartname_hash="",
        warnings=warnings, created_at=now, updated_at=now,
    )
    session.add(sale)
    await session.flush()
    plans = [RoundPlan(1, r1s, r1e), RoundPlan(2, r2s, r2e)]
    rounds = [_new_round(sale, plan, snap, ruleset, runtime, now) for plan in plans]
    session.add_all(rounds)
    sale.sartname_html = _sartname(sale, lot, case, office, rounds, snap, body.sartname_notes)
    sale.sartname_hash = documents.sha256_text(sale.sartname_html)
    await session.flush()
    await state.apply(session, sale.id, "publish")
    sale.status = SaleStatus.announced.value
    lot.status = LotStatus.in_sale.value
    lot.updated_at = now
    audit.record(session, "sale.decided", "sale", sale.id, actor=actor, office_id=sale.office_id, data={
        "lot_id": lot.id, "ruleset": ruleset, "ilan_date": ilan_date.isoformat(),
        "opening_price": fmt(sale.opening_price), "min_increment": fmt(sale.min_increment),
        "teminat": fmt(sale.teminat_amount), "r": fmt(r_amount), "c": fmt(c_amount),
        "rounds": [[iso_ms(r.starts_at), iso_ms(r.scheduled_end)] for r in rounds], "warnings": warnings})
    events.emit(session, "sale.scheduled", sale_payload(sale, rounds), subject_type="sale", subject_id=sale.id,
                office_id=sale.office_id)
    return sale


def _new_round(sale: Sale, plan: RoundPlan, snap: Snapshot, ruleset: Ruleset, runtime: Runtime,
               now: datetime) -> Round:
    e = plan.ends_at
    # rule: A-41 - W, X, K from the snapshot (legacy 'once' mode: one extension of X = K = 10 minutes;
    # the same formula applies with the scheduled-end base). UNCERTAIN(OP-02): base of the first extension.
    mode = str(snap.raw("auction.extension.mode"))
    window = snap.duration("auction.extension.window")
    step = snap.duration("auction.extension.step")
    cap = snap.optional_duration("auction.extension.cap")
    base = "scheduled_end" if mode == "once" else str(snap.pol("extension.first_base"))
    return Round(
        sale_id=sale.id, lot_id=sale.lot_id, number=plan.number, status=RoundStatus.scheduled.value,
        starts_at=plan.starts_at, scheduled_end=e, ends_at=e, window_start=utc_ms(e - window),
        first_extension_end=utc_ms(e + step), cap_at=utc_ms(e + cap) if cap is not None else None,
        ext_window_s=int(window.total_seconds()), ext_step_s=int(step.total_seconds()),
        ext_cap_s=int(cap.total_seconds()) if cap is not None else None, ext_mode=mode, first_base=base,
        # UNCERTAIN(OP-11): the highest bidder may not raise his own bid (default false).
        allow_self_outbid=bool(snap.pol("auction.allow_self_outbid")),
        window_bid=False, extensions=0, last_bid_extended=False,
        opening_price=sale.opening_price, min_increment=sale.min_increment, bid_count=0, seq=0,
        # rule: A-52 - keyed on the scheduled E, never on an extended close.
        cash_deadline=cash_teminat_deadline(e, ruleset, on=sale.ilan_date),
        mektup_deadline=mektup_deadline(e, ruleset, on=sale.ilan_date, policy=runtime.policy),
        created_at=now, updated_at=now,
    )


def _sartname(sale: Sale, lot: Lot, case: Case, office: Office, rounds: list[Round], snap: Snapshot,
              notes: str | None) -> str:
    r = rounds[0]
    refs = {
        "opening": snap.ref("auction.opening_price.ratio"),
        "increment": f"{snap.ref('auction.increment.rate')}, {snap.ref('auction.increment.minimum')}",
        "teminat": snap.ref("auction.teminat.rate"),
        "extension": f"{snap.ref('auction.extension.step')}, {snap.ref('auction.extension.cap')}",
        "all": ", ".join(sorted({v["ref"] for v in sale.rules.values()})),
    }
    ext = {"window": documents.window_text(r.ext_window_s),
           "text": documents.extension_text(r.ext_window_s, r.ext_step_s, r.ext_cap_s, r.ext_mode, r.first_base)}
    kdv = documents.percent_tr(sale.kdv_rate) if sale.kdv_rate is not None else "ilandan önce bildirilecek"
    # rule: A-31 - the text says what the engine checks (highest > max(0.50 × M, R) + C) with the figures as
    # of the şartname; UNCERTAIN(OP-09) `auction.show_threshold` decides whether R, C and the sum are printed.
    a31 = {"half": snap.decimal("auction.threshold.appraisal_ratio") * sale.appraised_value,
           "r": sale.r_amount, "c": sale.c_amount, "threshold": sale_threshold(sale),
           "show": bool(snap.pol("auction.show_threshold")), "ref": snap.ref("auction.threshold.appraisal_ratio")}
    return documents.render(
        "sartname.html", sale=sale, lot=lot, case=case, office=office, rounds=rounds, refs=refs, ext=ext,
        teminat_percent=documents.percent_tr(snap.decimal("auction.teminat.rate")),
        payment_days=snap.integer("payment.deadline_days"), kdv=kdv, notes=notes, a31=a31)


def sale_payload(sale: Sale, rounds: list[Round]) -> dict[str, Any]:
    """Webhook data of `sale.scheduled` (ids, amounts as strings, times ISO ms Z)."""
    return {
        "sale_id": sale.id, "lot_id": sale.lot_id, "case_id": sale.case_id, "office_id": sale.office_id,
        "ruleset": sale.ruleset, "ilan_date": sale.ilan_date.isoformat(),
        "appraised_value": fmt(sale.appraised_value), "opening_price": fmt(sale.opening_price),
        "min_increment": fmt(sale.min_increment), "teminat": fmt(sale.teminat_amount),
        "rounds": [{"number": r.number, "starts_at": iso_ms(r.starts_at), "ends_at": iso_ms(r.scheduled_end)}
                   for r in rounds],
    }


# --- R and C (A-31) ------------------------------------------------------------------------------------


async def update_threshold(session: AsyncSession, actor: Principal, sale_id: int, body: ThresholdUpdate) -> Sale:
    """Staff enter R and C before a round; they are locked at its start (S-03). During a round only the
    müdür may change them, with a written reason (A-31 PRODUCT, logged)."""
    sale = await get_sale_for(session, actor, sale_id)
    status = SaleStatus(sale.status)
    open_round: Round | None = None
    if status == SaleStatus.round_open:
        if actor.role not in (Role.manager, Role.admin):
            raise ThresholdLocked()
        if not body.reason:
            raise ReasonRequired()
        open_round = (await session.scalars(select(Round).where(
            Round.sale_id == sale.id, Round.status == RoundStatus.open.value))).first()
    elif status not in (SaleStatus.announced, SaleStatus.awaiting_round2):
        raise ThresholdLocked(details={"status": sale.status})
    before = {"r": fmt(sale.r_amount), "c": fmt(sale.c_amount)}
    sale.r_amount = body.r_amount
    sale.c_amount = body.c_amount
    if body.metal_value is not None:
        sale.metal_value = body.metal_value
    sale.rc_entered_at = clock.now()
    sale.updated_at = clock.now()
    sale.warnings = [w for w in sale.warnings if w.get("code") != "c_not_entered"]
    new_threshold = sale_threshold(sale)
    if open_round is not None:
        open_round.r_amount = sale.r_amount
        open_round.c_amount = sale.c_amount
        open_round.threshold = new_threshold
        open_round.updated_at = clock.now()
    audit.record(session, "sale.threshold_decision" if open_round is not None else "sale.threshold_entered",
                 "sale", sale.id, actor=actor, office_id=sale.office_id,
                 data={"before": before, "r": fmt(sale.r_amount), "c": fmt(sale.c_amount),
                       "threshold": fmt(new_threshold), "reason": body.reason})
    return sale


# --- S-03: a round opens ----------------------------------------------------------------------------


def _claim(stmt: Any, session: AsyncSession) -> Any:
    """Claim due rows without waiting for another worker's: SKIP LOCKED on PostgreSQL; SQLite has one
    writer (BEGIN IMMEDIATE), so a plain select is already exclusive."""
    if dialect(session) == "postgresql":
        return stmt.with_for_update(skip_locked=True, of=Round)
    return stmt


async def claim_due_opening(session: AsyncSession, now: datetime) -> int | None:
    stmt = (select(Round.id).join(Sale, Sale.id == Round.sale_id)
            .where(Round.status == RoundStatus.scheduled.value, Round.starts_at <= now,
                   or_(and_(Round.number == 1, Sale.status == SaleStatus.announced.value),
                       and_(Round.number > 1, Round.extension_of.is_(None),
                            Sale.status == SaleStatus.awaiting_round2.value),
                       # S-08 → S-03: the outage extension on the day the müdür fixed (TM-15).
                       and_(Round.extension_of.is_not(None), Sale.status == SaleStatus.extension_scheduled.value)))
            .order_by(Round.starts_at).limit(1))
    return (await session.execute(_claim(stmt, session))).scalar()


async def open_round(session: AsyncSession, runtime: Runtime, round_id: int, now: datetime) -> bool:
    """S-03 (TM-10): open the round, lock R, C and the threshold (A-31), give the lot its next seq."""
    rnd = await session.get(Round, round_id)
    if rnd is None:
        return False
    sale = await get_sale(session, rnd.sale_id)
    seq = await live.last_seq(session, rnd.lot_id) + 1
    thr = sale_threshold(sale)
    result = await session.execute(
        update(Round)
        .where(Round.id == round_id, Round.status == RoundStatus.scheduled.value, Round.starts_at <= now)
        .values(status=RoundStatus.open.value, opened_at=now, seq=seq, r_amount=sale.r_amount,
                c_amount=sale.c_amount, threshold=thr, locked_at=now, updated_at=now)
        .returning(Round.id)
        .execution_options(synchronize_session=False)
    )
    if result.first() is None:
        return False
    await state.apply(session, sale.id, "open_round")
    await session.flush()
    await session.refresh(rnd)
    await session.refresh(sale)
    show_threshold = bool(snapshot_of(sale).pol("auction.show_threshold"))
    payload = {
        "round": rnd.number, "round_id": rnd.id, "sale_id": sale.id, "starts_at": iso_ms(rnd.starts_at),
        "ends_at": iso_ms(rnd.ends_at), "opening_price": fmt(rnd.opening_price),
        "min_increment": fmt(rnd.min_increment), "min_next_bid": fmt(min_next_bid(rnd)),
        # UNCERTAIN(OP-09): bidders see the threshold once R and C are locked (default true).
        "threshold": fmt(thr) if show_threshold else None,
    }
    if rnd.extension_of is not None:
        # the extension day of artırma n; the previous highest bid stays bound and is the price.
        payload["extension_of"] = rnd.extension_of
        payload["current_price"] = fmt(rnd.current_price) if rnd.current_price is not None else None
    live.append(session, runtime.broker, lot_id=rnd.lot_id, seq=seq, type_="round_opened", payload=payload,
                at=now, round_id=rnd.id)
    audit.record(session, "round.opened", "round", rnd.id, office_id=sale.office_id,
                 data={"sale_id": sale.id, "number": rnd.number, "r": fmt(sale.r_amount), "c": fmt(sale.c_amount),
                       "threshold": fmt(thr), "rc_entered": sale.rc_entered_at is not None})
    events.emit(session, "round.opened", {
        "sale_id": sale.id, "lot_id": rnd.lot_id, "round_id": rnd.id, "round": rnd.number,
        "starts_at": iso_ms(rnd.starts_at), "ends_at": iso_ms(rnd.ends_at), "opening_price": fmt(rnd.opening_price),
        "min_increment": fmt(rnd.min_increment), "r": fmt(sale.r_amount), "c": fmt(sale.c_amount),
        "threshold": fmt(thr), "extension_of": rnd.extension_of}, subject_type="sale", subject_id=sale.id,
        office_id=sale.office_id)
    return True


# --- S-07: a round closes ---------------------------------------------------------------------------


async def claim_due_close(session: AsyncSession, cutoff: datetime) -> int | None:
    stmt = (select(Round.id).where(Round.status == RoundStatus.open.value, Round.ends_at <= cutoff)
            .order_by(Round.ends_at).limit(1))
    return (await session.execute(_claim(stmt, session))).scalar()


def _carries_to_next_round(snap: Snapshot, rnd: Round, outcome: str) -> bool:
    """A failed round 1 whose sale goes on to round 2 keeps its deposits (OP-49, proposed)."""
    return (rnd.artirma == 1 and outcome != RoundResult.above_threshold
            and bool(snap.pol_or("teminat.carry_to_round2", False)))


async def close_round(session: AsyncSession, runtime: Runtime, round_id: int, now: datetime,
                      cutoff: datetime) -> bool:
    """S-07 (TM-13): freeze the round with one conditional UPDATE (it can never close twice, nor before
    its close: a bid that moved `ends_at` meanwhile wins), evaluate A-31, draft the tutanak, create the
    refund jobs, write the `closed` lot event and `round.closed` - all in the caller's transaction."""
    result_case = case(
        (Round.current_price.is_(None), RoundResult.no_bids.value),
        (Round.current_price > Round.threshold, RoundResult.above_threshold.value),
        else_=RoundResult.below_threshold.value,
    )
    result = await session.execute(
        update(Round)
        .where(Round.id == round_id, Round.status == RoundStatus.open.value, Round.ends_at <= cutoff)
        .values(status=RoundStatus.closed.value, closed_at=now, seq=Round.seq + 1, result=result_case,
                updated_at=now)
        .returning(Round.seq, Round.result)
        .execution_options(synchronize_session=False)
    )
    row = result.first()
    if row is None:
        return False
    seq, outcome = int(row[0]), str(row[1])
    rnd = await session.get(Round, round_id)
    assert rnd is not None
    await session.flush()
    await session.refresh(rnd)
    sale = await get_sale(session, rnd.sale_id)
    await state.apply(session, sale.id, "close_round")
    await session.flush()
    await session.refresh(sale)
    snap = snapshot_of(sale)
    winner_id = rnd.leader_user_id if outcome == RoundResult.above_threshold else None
    alias = await _alias_of(session, rnd.lot_id, rnd.leader_user_id)
    result_payload = {
        "round": rnd.number, "status": outcome, "highest_bid": fmt(rnd.current_price) if rnd.current_price else None,
        "bidder": alias, "bid_count": rnd.bid_count, "ends_at": iso_ms(rnd.ends_at),
        "extensions": rnd.extensions,
    }
    live.append(session, runtime.broker, lot_id=rnd.lot_id, seq=seq, type_="closed",
                payload={"result": result_payload, "ends_at": iso_ms(rnd.ends_at)}, at=now, round_id=rnd.id)
    # Refund jobs for every deposit except the provisional winner's; held until the tutanak is
    # posted. UNCERTAIN(OP-17): `teminat.refund_trigger` = tutanak_posted (default) | round_closed.
    from auction.deposits import service as deposits

    release_now = snap.pol("teminat.refund_trigger") == "round_closed"
    if _carries_to_next_round(snap, rnd, outcome):
        # UNCERTAIN(OP-49): the deposits stay for round 2 ("covers every round of that sale"); a bidder
        # who wants his money back withdraws it (OP-16) and is refunded at once.
        refunds = 0
    else:
        refunds = await deposits.schedule_refunds(session, sale, keep_user_id=winner_id, reason="round_closed",
                                                  round_number=rnd.number, release=release_now, now=now)
    tutanak = await _draft_tutanak(session, runtime, sale, rnd, outcome, now)
    audit.record(session, "round.closed", "round", rnd.id, office_id=sale.office_id, data={
        "sale_id": sale.id, "number": rnd.number, "result": outcome, "ends_at": iso_ms(rnd.ends_at),
        "closed_at": iso_ms(now), "highest_bid": fmt(rnd.current_price) if rnd.current_price else None,
        "bid_count": rnd.bid_count, "extensions": rnd.extensions, "refund_jobs": refunds, "tutanak_id": tutanak.id})
    events.emit(session, "round.closed", {
        "sale_id": sale.id, "lot_id": rnd.lot_id, "round_id": rnd.id, "round": rnd.number, "result": outcome,
        "scheduled_end": iso_ms(rnd.scheduled_end), "ends_at": iso_ms(rnd.ends_at), "closed_at": iso_ms(now),
        "extensions": rnd.extensions, "bid_count": rnd.bid_count,
        "highest_bid": fmt(rnd.current_price) if rnd.current_price else None,
        "threshold": fmt(rnd.threshold) if rnd.threshold is not None else None, "tutanak_id": tutanak.id,
    }, subject_type="sale", subject_id=sale.id, office_id=sale.office_id)
    return True


async def _alias_of(session: AsyncSession, lot_id: int, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    from auction.bidding.models import LotAlias

    number = await session.scalar(select(LotAlias.number).where(LotAlias.lot_id == lot_id,
                                                                 LotAlias.user_id == user_id))
    return f"Teklif {number}" if number is not None else None


# --- The artırma sonuç tutanağı (A-60) -----------------------------------------------------------------


_RESULT_TEXT = {
    RoundResult.above_threshold: "İhale, en yüksek teklifi veren alıcıya yapılmıştır (İİK 115/2).",
    RoundResult.below_threshold: ("İhale yapılamadı: en yüksek teklif, muhammen bedelin yüzde ellisini ve "
                                  "rüçhanlı alacaklar toplamı ile masrafları geçmedi (İİK 115/1)."),
    RoundResult.no_bids: "İhale yapılamadı: artırmada teklif verilmedi.",
}


async def _tutanak_data(session: AsyncSession, runtime: Runtime, sale: Sale, rnd: Round, outcome: str,
                        drafted_at: datetime, posted_at: datetime | None, posted_by: str | None,
                        outage: dict[str, Any] | None = None) -> dict[str, Any]:
    snap = snapshot_of(sale)
    lot = await lots.get_lot(session, sale.lot_id)
    case_ = await session.get(Case, sale.case_id)
    office = await session.get(Office, sale.office_id)
    assert case_ is not None
    assert office is not None
    due = tutanak_due(rnd.ends_at, on=sale.ilan_date, policy=runtime.policy)
    r_amount = rnd.r_amount if rnd.r_amount is not None else sale.r_amount
    c_amount = rnd.c_amount if rnd.c_amount is not None else sale.c_amount
    thr = rnd.threshold if rnd.threshold is not None else sale_threshold(sale)
    fig = [
        ("Muhammen bedel (M)", sale.appraised_value, "A-04"),
        ("Açılış fiyatı", rnd.opening_price, snap.ref("auction.opening_price.ratio")),
        ("En az artış", rnd.min_increment,
         f"{snap.ref('auction.increment.rate')}; {snap.ref('auction.increment.minimum')}"),
        ("Teminat", sale.teminat_amount, snap.ref("auction.teminat.rate")),
        ("Rüçhanlı alacaklar (R)", r_amount, "A-31; " + snap.pol_ref("auction.r_includes_hacizler")),
        ("Satış masrafları (C)", c_amount, "A-31"),
        ("Eşik: max(M × oran, R) + C", thr, snap.ref("auction.threshold.appraisal_ratio")),
        ("En yüksek teklif", rnd.current_price, "A-32, A-33"),
    ]
    if sale.metal_value is not None:
        fig.insert(7, ("Maden değeri", sale.metal_value, "A-103"))
    buyer: dict[str, Any] | None = None
    if outcome == RoundResult.above_threshold and rnd.leader_user_id is not None:
        user = await session.get(User, rnd.leader_user_id)
        from auction.bidding.models import Bid

        win_id = await _winning_bid_id(session, rnd)
        win = await session.get(Bid, win_id) if win_id is not None else None
        buyer = {"name": user.full_name if user else "—", "user_id": rnd.leader_user_id,
                 "alias": await _alias_of(session, rnd.lot_id, rnd.leader_user_id),
                 "amount": documents.money_or_dash(rnd.current_price),
                 "at": documents.local_or_dash(win.at, seconds=True) if win else "—",
                 "bid_id": win.id if win else None}
    ihale = local_date(rnd.ends_at)
    credit = None
    balance = None
    if buyer is not None and rnd.current_price is not None:
        from auction.deposits import service as deposits

        # UNCERTAIN(OP-18): the winner's cash teminat is credited against the price.
        credit = await deposits.cash_held(session, sale.id, rnd.leader_user_id) if snap.pol(
            "teminat.credit_winner") else ZERO
        balance = rnd.current_price - credit
    deadline = (deadlines.payment_due_at(sale, posted_at, runtime.policy)
                if posted_at is not None and buyer is not None else None)
    from auction.rules.table import rulebook

    damga = rulebook().row("damga.ihale_karari", ihale)
    kdv = documents.percent_tr(sale.kdv_rate) if sale.kdv_rate is not None else "şartnamedeki oran"
    return {
        "office": {"name": office.name, "sales_bureau_name": office.sales_bureau_name},
        "case": {"file_no": case_.file_no},
        "sale": {"id": sale.id, "ruleset": sale.ruleset},
        "lot": {"id": lot.id, "title": lot.title,
                "kind_text": "taşınmaz" if lot.kind == LotKind.tasinmaz else "taşınır",
                "location": lot.address or lot.location},
        "round": {"id": rnd.id, "number": rnd.number, "starts_at": documents.local_or_dash(rnd.starts_at),
                  "scheduled_end": documents.local_or_dash(rnd.scheduled_end),
                  "closed_at": documents.local_or_dash(rnd.ends_at, seconds=True), "extensions": rnd.extensions,
                  "bid_count": rnd.bid_count},
        "extension": {"text": documents.extension_text(rnd.ext_window_s, rnd.ext_step_s, rnd.ext_cap_s,
                                                       rnd.ext_mode, rnd.first_base),
                      "refs": f"{snap.ref('auction.extension.window')}; {snap.ref('auction.extension.step')}; "
                              f"{snap.ref('auction.extension.cap')}; {snap.pol_ref('extension.first_base')}"},
        "figures": [{"label": label, "amount": documents.money_or_dash(amount), "ref": ref}
                    for label, amount, ref in fig],
        "amounts": {"appraised_value": fmt(sale.appraised_value), "opening_price": fmt(rnd.opening_price),
                    "min_increment": fmt(rnd.min_increment), "teminat": fmt(sale.teminat_amount),
                    "r": fmt(r_amount), "c": fmt(c_amount), "threshold": fmt(thr),
                    "highest_bid": fmt(rnd.current_price) if rnd.current_price is not None else None},
        "actual_close": iso_ms(rnd.ends_at),
        "result": outcome,
        "result_text": _RESULT_TEXT[RoundResult(outcome)],
        "buyer": buyer,
        "payment": {"days": snap.integer("payment.deadline_days"),
                    "deadline": documents.local_or_dash(deadline) if deadline else None,
                    "teminat_credit": documents.money_or_dash(credit) if credit else None,
                    "balance": documents.money_or_dash(balance) if balance is not None else None,
                    "kdv": kdv, "damga_binde": documents.number_tr(damga.decimal() * 1000)},
        "ihale_date": ihale.strftime("%d.%m.%Y"),
        "fesih_until": documents.local_or_dash(deadlines.fesih_until(sale, rnd.ends_at, runtime.policy))
        if buyer else None,
        "refunds": True,
        "refund_ref": snap.pol_ref("teminat.refund_trigger"),
        "drafted_at": documents.local_or_dash(drafted_at),
        "due_day": due.day.strftime("%d.%m.%Y"),
        "posted_at": documents.local_or_dash(posted_at) if posted_at else None,
        "posted_by": posted_by,
        # the tutanak lists the outage report and, for an extension day, what it extends.
        "outage": outage,
        "extension_of": rnd.extension_of,
        "rule_refs": ", ".join(sorted({v["ref"] for v in sale.rules.values()})),
        "policy_refs": ", ".join(v["ref"] for v in sale.policy.values()),
    }


def _render_tutanak(data: dict[str, Any], mask: bool) -> str:
    d = dict(data)
    if mask and d.get("buyer"):
        # UNCERTAIN(OP-10): the public copy shows the buyer's initials only (`tutanak.mask_buyer`).
        d["buyer"] = {**d["buyer"], "name": documents.mask_name(d["buyer"]["name"])}
    return documents.render("tutanak.html", d=d)


async def outage_report_of(session: AsyncSession, runtime: Runtime, sale: Sale, rnd: Round) -> dict[str, Any]:
    """A-43: the portal-side failures of the last W (the round's own anti-sniping window, 10 minutes by
    law) before the actual close, against `outage.threshold_failed_requests` (UNCERTAIN(OP-12))."""
    key = "outage.threshold_failed_requests"
    entry = sale.policy.get(key)
    if entry is not None:
        threshold, ref = int(entry["value"]), str(entry["ref"])
    else:  # a sale announced before the open point was snapshotted: the value in force now
        pv = runtime.policy.get(key)
        threshold, ref = int(pv.value), pv.ref
    return await availability.outage_report(session, close=rnd.ends_at, window=timedelta(seconds=rnd.ext_window_s),
                                            threshold=threshold, threshold_ref=ref)


async def _draft_tutanak(session: AsyncSession, runtime: Runtime, sale: Sale, rnd: Round, outcome: str,
                         now: datetime) -> Tutanak:
    report = await outage_report_of(session, runtime, sale, rnd)
    data = await _tutanak_data(session, runtime, sale, rnd, outcome, now, None, None, report)
    mask = bool(snapshot_of(sale).pol("tutanak.mask_buyer"))
    tutanak = Tutanak(sale_id=sale.id, round_id=rnd.id, lot_id=rnd.lot_id, office_id=sale.office_id, result=outcome,
                      data=data, html=_render_tutanak(data, False), html_public=_render_tutanak(data, mask),
                      drafted_at=now, due_at=tutanak_due(rnd.ends_at, on=sale.ilan_date, policy=runtime.policy).due_at,
                      version=1, outage_report=report)
    session.add(tutanak)
    await session.flush()
    return tutanak


async def tutanaklar_of(session: AsyncSession, sale_id: int) -> list[Tutanak]:
    stmt = select(Tutanak).where(Tutanak.sale_id == sale_id).order_by(Tutanak.id)
    return list((await session.scalars(stmt)).all())


async def get_tutanak_for(session: AsyncSession, actor: Principal, tutanak_id: int) -> Tutanak:
    t = await session.get(Tutanak, tutanak_id)
    if t is None:
        raise TutanakNotFound(details={"tutanak_id": tutanak_id})
    ensure_office(actor, t.office_id)
    return t


async def public_tutanak(session: AsyncSession, lot_id: int) -> Tutanak:
    """The latest posted tutanak of a lot (public copy, OP-10)."""
    stmt = (select(Tutanak).where(Tutanak.lot_id == lot_id, Tutanak.posted_at.is_not(None))
            .order_by(Tutanak.id.desc()).limit(1))
    t = (await session.scalars(stmt)).first()
    if t is None:
        raise TutanakNotFound(details={"lot_id": lot_id})
    return t


async def post_tutanak(session: AsyncSession, runtime: Runtime, actor: Principal | None, sale_id: int) -> Tutanak:
    """The müdür signs and posts the round's tutanak (A-60): S-09 award, S-10 round 2 awaits, S-11 failed.
    Refund jobs are released now (OP-17 default); the award starts the payment (A-62) and fesih (A-80)
    periods. `actor` None = the system under the demo ruleset (`tutanak.auto_post`)."""
    if actor is not None and actor.role not in (Role.manager, Role.admin):
        raise ManagerRequired()
    sale = await (get_sale_for(session, actor, sale_id) if actor is not None else get_sale(session, sale_id))
    if sale.status != SaleStatus.round_closed:
        raise InvalidTransition(details={"sale_id": sale.id, "status": sale.status, "event": "post_tutanak"})
    rnd = await last_closed_round(session, sale.id)
    assert rnd is not None
    tutanak = (await session.scalars(select(Tutanak).where(Tutanak.round_id == rnd.id))).first()
    if tutanak is None:
        raise TutanakNotFound(details={"round_id": rnd.id})
    if tutanak.posted_at is not None:
        raise TutanakAlreadyPosted()
    now = clock.now()
    if tutanak.outage_reviewed_at is None:
        # rule: A-43 - the tutanak cannot be posted before the müdür has seen the outage report. The
        # demo auto-post (actor None) reviews it itself only when it shows no portal-side failure at all.
        report = await outage_report_of(session, runtime, sale, rnd)
        if actor is not None or report["failed_requests"] > 0:
            raise OutageReviewRequired(details={"sale_id": sale.id, "tutanak_id": tutanak.id, "report": report})
        reviewed = await session.execute(
            update(Tutanak).where(Tutanak.id == tutanak.id, Tutanak.outage_reviewed_at.is_(None))
            .values(outage_report=report, outage_reviewed_at=now, outage_reviewed_by=None)
            .returning(Tutanak.id).execution_options(synchronize_session=False))
        if reviewed.first() is None:
            raise TutanakAlreadyPosted()
        audit.record(session, "outage.reviewed", "sale", sale.id, actor=None, office_id=sale.office_id,
                     data={"tutanak_id": tutanak.id, "round": rnd.number, "auto": True,
                           "failed_requests": report["failed_requests"], "outage": report["outage"]})
    # Conditional: two müdürs (or the müdür and the demo auto-post) cannot both post it, and an outage
    # extension ordered meanwhile (S-08) supersedes it.
    posted = await session.execute(
        update(Tutanak).where(Tutanak.id == tutanak.id, Tutanak.posted_at.is_(None), Tutanak.superseded_at.is_(None))
        .values(posted_at=now, posted_by=actor.user_id if actor else None, version=Tutanak.version + 1)
        .returning(Tutanak.id).execution_options(synchronize_session=False))
    if posted.first() is None:
        raise TutanakAlreadyPosted()
    await session.flush()
    await session.refresh(tutanak)
    outcome = RoundResult(rnd.result or RoundResult.no_bids)
    snap = snapshot_of(sale)
    from auction.deposits import service as deposits

    lot = await lots.get_lot(session, sale.lot_id)
    if outcome == RoundResult.above_threshold:
        await state.apply(session, sale.id, "award")  # S-09
        ihale = local_date(rnd.ends_at)  # rule: A-42 - the ihale date is the local date of the actual close
        win_bid = await _winning_bid_id(session, rnd)
        sale.winner_user_id = rnd.leader_user_id
        sale.winning_bid_id = win_bid
        sale.awarded_round = rnd.number
        sale.price = rnd.current_price
        sale.ihale_date = ihale
        # rule: A-62 - 7 days from the posting, close of office hours, holiday roll-over (TM-16); rule:
        # A-80 - 7 days from the ihale date (TM-17). Demo: elapsed seconds (auction/sales/deadlines.py).
        sale.payment_due_at = deadlines.payment_due_at(sale, now, runtime.policy)
        sale.fesih_until = deadlines.fesih_until(sale, rnd.ends_at, runtime.policy)
        lot.status = LotStatus.sold.value
        credit = (await deposits.cash_held(session, sale.id, rnd.leader_user_id)
                  if snap.pol("teminat.credit_winner") else ZERO)
        assert rnd.current_price is not None
        events.emit(session, "sale.won", {
            "sale_id": sale.id, "lot_id": sale.lot_id, "round": rnd.number, "price": fmt(rnd.current_price),
            "bid_id": win_bid, "buyer_user_id": rnd.leader_user_id, "ihale_date": ihale.isoformat(),
            "closed_at": iso_ms(rnd.ends_at), "tutanak_id": tutanak.id,
        }, subject_type="sale", subject_id=sale.id, office_id=sale.office_id)
        events.emit(session, "payment.due", {
            "sale_id": sale.id, "lot_id": sale.lot_id, "buyer_user_id": rnd.leader_user_id,
            "price": fmt(rnd.current_price), "teminat_credit": fmt(credit),
            "balance": fmt(rnd.current_price - credit), "due_at": iso_ms(sale.payment_due_at),
        }, subject_type="sale", subject_id=sale.id, office_id=sale.office_id)
    elif rnd.artirma == 1:  # an outage extension of round 1 decides like round 1
        await state.apply(session, sale.id, "round1_failed")  # S-10: round 2 on its announced dates
    else:
        await state.apply(session, sale.id, "round2_failed")  # S-11
        sale.end_reason = "round2_failed"
        lot.status = LotStatus.appraised.value
        events.emit(session, "sale.failed", {
            "sale_id": sale.id, "lot_id": sale.lot_id, "reason": "round2_failed", "round": rnd.number,
            "result": outcome.value}, subject_type="sale", subject_id=sale.id, office_id=sale.office_id)
    await session.flush()
    await session.refresh(sale, ["status"])
    released = await deposits.release_refunds(session, sale.id, now, keep_user_id=sale.winner_user_id,
                                              reset_withdrawals=outcome != RoundResult.above_threshold,
                                              carry_over=_carries_to_next_round(snap, rnd, outcome))
    posted_by = "Sistem (demo kural seti)" if actor is None else actor.full_name
    data = await _tutanak_data(session, runtime, sale, rnd, outcome.value, tutanak.drafted_at, now, posted_by,
                               tutanak.outage_report)
    mask = bool(snap.pol("tutanak.mask_buyer"))
    tutanak.data = data
    tutanak.html = _render_tutanak(data, False)
    tutanak.html_public = _render_tutanak(data, mask)
    lot.updated_at = now
    sale.updated_at = now
    audit.record(session, "tutanak.posted", "sale", sale.id, actor=actor, office_id=sale.office_id, data={
        "tutanak_id": tutanak.id, "round": rnd.number, "result": outcome.value, "status": sale.status,
        "refunds_released": released, "payment_due_at": iso_ms(sale.payment_due_at) if sale.payment_due_at else None,
        "auto": actor is None})
    return tutanak


async def _winning_bid_id(session: AsyncSession, rnd: Round) -> int | None:
    """The highest bid of the round: its last accepted bid, or - for an outage extension without new
    bids - the bound bid of the round it extends (A-43: the previous highest bid stays bound)."""
    from auction.bidding.models import Bid

    found = await session.scalar(select(Bid.id).where(Bid.round_id == rnd.id).order_by(Bid.seq.desc()).limit(1))
    if found is not None or rnd.extension_of is None or rnd.leader_user_id is None:
        return found
    return await session.scalar(select(Bid.id).where(Bid.sale_id == rnd.sale_id, Bid.user_id == rnd.leader_user_id,
                                                     Bid.amount == rnd.current_price)
                                .order_by(Bid.id.desc()).limit(1))


async def last_closed_round(session: AsyncSession, sale_id: int) -> Round | None:
    """The round that closed last (an outage extension closes after the round it extends)."""
    stmt = (select(Round).where(Round.sale_id == sale_id, Round.status == RoundStatus.closed.value)
            .order_by(Round.closed_at.desc(), Round.id.desc()).limit(1))
    return (await session.scalars(stmt)).first()


async def due_auto_posts(session: AsyncSession, now: datetime, limit: int = 20) -> list[int]:
    """Sales whose round tutanak the system posts itself (demo ruleset, `tutanak.auto_post`)."""
    stmt = (select(Tutanak.sale_id, Tutanak.drafted_at, Sale.rules, Tutanak.outage_reviewed_at, Tutanak.outage_report)
            .join(Sale, Sale.id == Tutanak.sale_id)
            .where(Tutanak.posted_at.is_(None), Tutanak.superseded_at.is_(None),
                   Sale.status == SaleStatus.round_closed.value)
            .order_by(Tutanak.id).limit(limit))
    out: list[int] = []
    for sale_id, drafted_at, rules, reviewed_at, report in (await session.execute(stmt)).all():
        if reviewed_at is None and report and report.get("failed_requests"):
            continue  # failures in the last minutes: the müdür reviews the report first
        snap = Snapshot(rules, {})
        try:
            if not snap.flag("tutanak.auto_post"):
                continue
            if drafted_at + snap.duration("tutanak.auto_post_after") <= now:
                out.append(int(sale_id))
        except RuleError:
            continue
    return out


async def pending_pdfs(session: AsyncSession, limit: int = 5) -> list[Tutanak]:
    stmt = (select(Tutanak).where(or_(Tutanak.pdf_version.is_(None), Tutanak.pdf_version < Tutanak.version))
            .order_by(Tutanak.id).limit(limit))
    return list((await session.scalars(stmt)).all())


async def store_pdf(session: AsyncSession, tutanak_id: int, version: int, key: str) -> bool:
    result = await session.execute(
        update(Tutanak).where(Tutanak.id == tutanak_id, Tutanak.version == version)
        .values(pdf_key=key, pdf_version=version).returning(Tutanak.id)
        .execution_options(synchronize_session=False))
    return result.first() is not None


# --- S-02 / S-06: cancellation ------------------------------------------------------------------------


async def cancel_sale(session: AsyncSession, runtime: Runtime, actor: Principal, sale_id: int,
                      body: CancelSale) -> Sale:
    """The müdür stops the sale: the request was withdrawn before round 1 (S-02), or the whole debt was
    paid before the bidding ended (S-06, A-36). Every teminat is refunded at once."""
    if actor.role not in (Role.manager, Role.admin):
        raise ManagerRequired()
    sale = await get_sale_for(session, actor, sale_id)
    now = clock.now()
    if body.reason == "request_withdrawn" or sale.status == SaleStatus.announced:
        await state.apply(session, sale.id, "cancel_before_start")
    else:
        await state.apply(session, sale.id, "debt_paid")
    # The open round stops now; a concurrent bid either committed before (and is refunded with the
    # rest) or finds the round cancelled.
    stopped = (await session.execute(
        update(Round).where(Round.sale_id == sale.id, Round.status == RoundStatus.open.value)
        .values(status=RoundStatus.cancelled.value, closed_at=now, updated_at=now, seq=Round.seq + 1)
        .returning(Round.id, Round.lot_id, Round.number, Round.seq, Round.ends_at)
        .execution_options(synchronize_session=False))).all()
    for round_id, lot_id, number, seq, ends_at in stopped:
        # Live clients learn that the open round ended (the `closed` event, with the reason).
        result = {"round": number, "status": "cancelled", "reason": body.reason, "scheduled_end": iso_ms(ends_at)}
        live.append(session, runtime.broker, lot_id=lot_id, seq=int(seq), type_="closed", round_id=round_id, at=now,
                    payload={"ends_at": iso_ms(now), "result": result})
    await session.execute(
        update(Round).where(Round.sale_id == sale.id, Round.status == RoundStatus.scheduled.value)
        .values(status=RoundStatus.cancelled.value, updated_at=now)
        .execution_options(synchronize_session=False))
    await session.flush()
    await session.refresh(sale)
    sale.end_reason = body.reason
    lot = await lots.get_lot(session, sale.lot_id)
    lot.status = LotStatus.appraised.value
    lot.updated_at = now
    from auction.deposits import service as deposits

    jobs = await deposits.schedule_refunds(session, sale, keep_user_id=None, reason="cancelled", round_number=None,
                                           release=True, now=now)
    audit.record(session, "sale.cancelled", "sale", sale.id, actor=actor, office_id=sale.office_id,
                 data={"reason": body.reason, "note": body.note, "refund_jobs": jobs})
    events.emit(session, "sale.failed", {"sale_id": sale.id, "lot_id": sale.lot_id, "reason": body.reason},
                subject_type="sale", subject_id=sale.id, office_id=sale.office_id)
    return sale
