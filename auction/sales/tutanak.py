"""The artırma sonuç tutanağı (A-60): drafted when a round closes, with its outage report (A-43); posted by
the müdür (or by the system under the demo ruleset), which decides the sale: S-09 award (payment and
fesih periods start), S-10 round 2 awaits, S-11 failed; the held refund jobs are released. Also the
documents worker's side: tutanaks due for the demo auto-post and PDFs still to render.

Every figure comes from the sale's rule snapshot (G-08) and names its rule.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.audit import service as audit
from auction.availability import service as availability
from auction.bidding import ledger
from auction.bidding.aliases import alias_of
from auction.bidding.models import Bid
from auction.calendar import local_date, tutanak_due
from auction.cases.models import Case
from auction.clock import iso_ms
from auction.deposits import refunds
from auction.deposits.refunds import carries_to_next_round
from auction.events import service as events
from auction.lots import service as lots
from auction.lots.models import LotKind, LotStatus
from auction.money import ZERO, fmt
from auction.rules.table import RuleError, rulebook
from auction.runtime import Runtime
from auction.sales import deadlines, documents, state
from auction.sales.errors import (
    InvalidTransition,
    ManagerRequired,
    OutageReviewRequired,
    TutanakAlreadyPosted,
    TutanakNotFound,
)
from auction.sales.models import Round, RoundResult, Sale, SaleStatus, Tutanak
from auction.sales.reads import get_sale, get_sale_for, last_closed_round, snapshot_of
from auction.sales.snapshot import Snapshot
from auction.sales.threshold import sale_threshold
from auction.users.models import Office, Role, User
from auction.users.principal import Principal, requires_role

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
        ("İhale için geçilmesi gereken tutar (muhammen bedelin yarısı ile rüçhanlı alacaklardan büyüğü, "
         "artı satış masrafları)", thr, snap.ref("auction.threshold.appraisal_ratio")),
        ("En yüksek teklif", rnd.current_price, "A-32, A-33"),
    ]
    if sale.metal_value is not None:
        fig.insert(7, ("Maden değeri", sale.metal_value, "A-103"))
    buyer: dict[str, Any] | None = None
    if outcome == RoundResult.above_threshold and rnd.leader_user_id is not None:
        user = await session.get(User, rnd.leader_user_id)
        win_id = await _winning_bid_id(session, rnd)
        win = await session.get(Bid, win_id) if win_id is not None else None
        buyer = {"name": user.full_name if user else "—", "user_id": rnd.leader_user_id,
                 "alias": await alias_of(session, rnd.lot_id, rnd.leader_user_id),
                 "amount": documents.money_or_dash(rnd.current_price),
                 "at": documents.local_or_dash(win.at, seconds=True) if win else "—",
                 "bid_id": win.id if win else None}
    ihale = local_date(rnd.ends_at)
    credit = None
    balance = None
    if buyer is not None and rnd.current_price is not None:
            # UNCERTAIN(OP-18): the winner's cash teminat is credited against the price.
        credit = await refunds.cash_held(session, sale.id, rnd.leader_user_id) if snap.pol(
            "teminat.credit_winner") else ZERO
        balance = rnd.current_price - credit
    deadline = (deadlines.payment_due_at(sale, posted_at, runtime.policy)
                if posted_at is not None and buyer is not None else None)
    damga = rulebook().row("damga.ihale_karari", ihale)
    kdv = documents.percent_tr(sale.kdv_rate) if sale.kdv_rate is not None else "şartnamedeki oran"
    # The bid ledger's final hash at this round's close: a bidder checks his receipt against it.
    chain_hash, chain_bids = await ledger.final_hash(session, rnd.lot_id, rnd.id)
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
        "ledger": {"final_hash": chain_hash, "bids": chain_bids, "algorithm": ledger.HASH_ALGORITHM},
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


async def draft_tutanak(session: AsyncSession, runtime: Runtime, sale: Sale, rnd: Round, outcome: str,
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


@requires_role(Role.manager, Role.admin, error=ManagerRequired)
async def post_tutanak(session: AsyncSession, runtime: Runtime, actor: Principal | None, sale_id: int) -> Tutanak:
    """The müdür signs and posts the round's tutanak (A-60): S-09 award, S-10 round 2 awaits, S-11 failed.
    Refund jobs are released now (OP-17 default); the award starts the payment (A-62) and fesih (A-80)
    periods. `actor` None = the system under the demo ruleset (`tutanak.auto_post`)."""
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
        credit = (await refunds.cash_held(session, sale.id, rnd.leader_user_id)
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
    released = await refunds.release_refunds(session, sale.id, now, keep_user_id=sale.winner_user_id,
                                              reset_withdrawals=outcome != RoundResult.above_threshold,
                                              carry_over=carries_to_next_round(snap, rnd, outcome))
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
    found = await session.scalar(select(Bid.id).where(Bid.round_id == rnd.id).order_by(Bid.seq.desc()).limit(1))
    if found is not None or rnd.extension_of is None or rnd.leader_user_id is None:
        return found
    return await session.scalar(select(Bid.id).where(Bid.sale_id == rnd.sale_id, Bid.user_id == rnd.leader_user_id,
                                                     Bid.amount == rnd.current_price)
                                .order_by(Bid.id.desc()).limit(1))


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
