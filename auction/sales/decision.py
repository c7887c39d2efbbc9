"""The satış kararı and its ilan (S-01): the rule snapshot (G-08), the figures, both rounds scheduled by the
legal calendar (A-21), the şartname, the announced sale. Every problem is reported at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.audit import service as audit
from auction.calendar import (
    CalendarMissingError,
    ScheduleError,
    ScheduleProblem,
    cash_teminat_deadline,
    local_date,
    mektup_deadline,
    propose_schedule,
    round_end,
    utc_ms,
    validate_schedule,
)
from auction.cases.models import Case
from auction.clock import iso_ms
from auction.events import service as events
from auction.lots import service as lots
from auction.lots.models import Lot, LotKind, LotStatus
from auction.money import ZERO, fmt
from auction.rules.table import RuleError, Ruleset
from auction.runtime import Runtime
from auction.sales import documents, state
from auction.sales.errors import SaleExists, SaleInvalid
from auction.sales.models import ACTIVE_SALE_STATES, Round, RoundStatus, Sale, SaleStatus
from auction.sales.schemas import SaleCreate
from auction.sales.snapshot import Snapshot, figures, take_snapshot
from auction.sales.threshold import propose_r, sale_threshold
from auction.users.models import Office
from auction.users.principal import Principal


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

    # The schedule: ends from the ruleset; given ends only under demo (G-09, docs/api-contract.md).
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
    rounds = [new_round(sale, plan, snap, ruleset, runtime, now) for plan in plans]
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


def new_round(sale: Sale, plan: RoundPlan, snap: Snapshot, ruleset: Ruleset, runtime: Runtime,
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
