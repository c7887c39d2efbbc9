"""The round clock's two transitions, each in the caller's (the closer worker's) transaction: a round opens
at its start (S-03, TM-10) and locks R, C and the threshold; it closes at its close (S-07, TM-13),
exactly once, never early; the close is finished by the refund jobs, the tutanak draft and `round.closed`.

Both are claimed with `auction.dbutil.claim` (SKIP LOCKED on PostgreSQL) and decided by one conditional
UPDATE, so two closers never open or close a round twice (workers/closer.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from auction.audit import service as audit
from auction.audit.models import AuditEntry
from auction.bidding import locked
from auction.bidding.aliases import alias_numbers, pseudonym
from auction.clock import iso_ms
from auction.dbutil import claim
from auction.deposits import refunds
from auction.deposits.refunds import carries_to_next_round
from auction.events import service as events
from auction.events.models import OutboxEvent
from auction.money import fmt
from auction.runtime import Runtime
from auction.sales import live, state
from auction.sales.models import LotEvent, Round, RoundResult, RoundStatus, Sale, SaleStatus, Tutanak
from auction.sales.reads import get_sale, snapshot_of
from auction.sales.snapshot import Snapshot, threshold
from auction.sales.tutanak import draft_tutanak

# --- S-03: a round opens ----------------------------------------------------------------------------


async def claim_due_opening(session: AsyncSession, now: datetime) -> int | None:
    ids = await claim_due_openings(session, now, 1)
    return ids[0] if ids else None


async def claim_due_openings(session: AsyncSession, now: datetime, limit: int,
                             only: int | None = None) -> list[int]:
    """Up to `limit` rounds due to open, locked for this transaction (SKIP LOCKED: a second opener running
    the same select takes the next ones, never these); `only` restricts the claim to one round."""
    stmt = (select(Round.id).join(Sale, Sale.id == Round.sale_id)
            .where(Round.status == RoundStatus.scheduled.value, Round.starts_at <= now,
                   or_(and_(Round.number == 1, Sale.status == SaleStatus.announced.value),
                       and_(Round.number > 1, Round.extension_of.is_(None),
                            Sale.status == SaleStatus.awaiting_round2.value),
                       # S-08 → S-03: the outage extension on the day the müdür fixed (TM-15).
                       and_(Round.extension_of.is_not(None), Sale.status == SaleStatus.extension_scheduled.value)))
            .order_by(Round.starts_at, Round.id).limit(limit))
    if only is not None:
        stmt = stmt.where(Round.id == only)
    return [int(i) for i in (await session.execute(claim(session, stmt, of=Round))).scalars()]


async def open_round(session: AsyncSession, runtime: Runtime, round_id: int, now: datetime) -> bool:
    """S-03 (TM-10): open the round, lock R, C and the threshold (A-31), give the lot its next seq."""
    if not await open_rounds(session, runtime, [round_id], now):
        return False
    await _refresh_loaded(session, round_id)
    return True


async def _refresh_loaded(session: AsyncSession, round_id: int) -> None:
    """The batch statements write past the ORM: a caller that had the round or its sale loaded in this
    session (the demo loader, staff steps) reads them as they now are."""
    rnd = session.identity_map.get(identity_key(Round, round_id))
    if isinstance(rnd, Round):
        await session.refresh(rnd)
        sale = session.identity_map.get(identity_key(Sale, rnd.sale_id))
        if isinstance(sale, Sale):
            await session.refresh(sale)


async def open_rounds(session: AsyncSession, runtime: Runtime, round_ids: list[int], now: datetime) -> list[int]:
    """S-03 (TM-10) for a batch, set-based: one conditional UPDATE opens every round of `round_ids` still
    scheduled and due (locking R, C and the threshold, A-31, and giving each lot its next seq), one moves
    their sales on, and one statement writes their `round_opened` lot events, audit rows and `round.opened`
    events; the ids opened. A sale whose guard fails raises `InvalidTransition`: the whole batch rolls back
    (the closer then retries its rounds one by one)."""
    if not round_ids:
        return []
    rows = (await session.execute(
        select(Round.id, Round.sale_id, Round.lot_id, Sale.office_id, Sale.appraised_value, Sale.r_amount,
               Sale.c_amount, Sale.metal_value, Sale.rules, Sale.policy, Sale.rc_entered_at)
        .join(Sale, Sale.id == Round.sale_id).where(Round.id.in_(round_ids)))).all()
    if not rows:
        return []
    lots = sorted({int(r.lot_id) for r in rows})
    last = dict((await session.execute(select(LotEvent.lot_id, func.max(LotEvent.seq))
                                       .where(LotEvent.lot_id.in_(lots)).group_by(LotEvent.lot_id))).all())
    snaps = {int(r.id): Snapshot(r.rules, r.policy) for r in rows}
    thresholds = {int(r.id): threshold(r.appraised_value, r.r_amount, r.c_amount, r.metal_value, snaps[int(r.id)])
                  for r in rows}
    seqs = {int(r.id): int(last.get(r.lot_id) or 0) + 1 for r in rows}

    def per_round(column: Any, values: dict[int, Any]) -> Any:
        # One CASE over the batch; each value bound with the column's type (kuruş for money).
        return case(*((Round.id == rid, literal(v, type_=column.type)) for rid, v in values.items()))

    result = await session.execute(
        update(Round)
        .where(Round.id.in_(list(seqs)), Round.status == RoundStatus.scheduled.value, Round.starts_at <= now)
        .values(status=RoundStatus.open.value, opened_at=now, locked_at=now, updated_at=now,
                seq=per_round(Round.seq, seqs),
                r_amount=per_round(Round.r_amount, {int(r.id): r.r_amount for r in rows}),
                c_amount=per_round(Round.c_amount, {int(r.id): r.c_amount for r in rows}),
                threshold=per_round(Round.threshold, thresholds))
        .returning(Round.id, Round.number, Round.starts_at, Round.ends_at, Round.opening_price, Round.min_increment,
                   Round.current_price, Round.extension_of)
        .execution_options(synchronize_session=False)
    )
    opened = {int(o.id): o for o in result.all()}
    if not opened:
        return []
    rows = [r for r in rows if int(r.id) in opened]
    await state.apply_many(session, [int(r.sale_id) for r in rows], "open_round")
    lot_events: list[dict[str, Any]] = []
    audit_rows: list[dict[str, Any]] = []
    outbox_rows: list[dict[str, Any]] = []
    for r in rows:
        rnd, rid, thr = opened[int(r.id)], int(r.id), thresholds[int(r.id)]
        show_threshold = bool(snaps[rid].pol("auction.show_threshold"))
        price = rnd.opening_price if rnd.current_price is None else rnd.current_price + rnd.min_increment
        payload = {
            "round": rnd.number, "round_id": rid, "sale_id": r.sale_id, "starts_at": iso_ms(rnd.starts_at),
            "ends_at": iso_ms(rnd.ends_at), "opening_price": fmt(rnd.opening_price),
            "min_increment": fmt(rnd.min_increment), "min_next_bid": fmt(price),  # A-32 / A-33 (min_next_bid)
            # UNCERTAIN(OP-09): bidders see the threshold once R and C are locked (default true).
            "threshold": fmt(thr) if show_threshold else None,
        }
        if rnd.extension_of is not None:
            # the extension day of artırma n; the previous highest bid stays bound and is the price.
            payload["extension_of"] = rnd.extension_of
            payload["current_price"] = fmt(rnd.current_price) if rnd.current_price is not None else None
        lot_events.append(live.row(session, runtime.broker, lot_id=r.lot_id, seq=seqs[rid], type_="round_opened",
                                   payload=payload, at=now, round_id=rid))
        audit_rows.append(audit.row("round.opened", "round", rid, office_id=r.office_id, data={
            "sale_id": r.sale_id, "number": rnd.number, "r": fmt(r.r_amount), "c": fmt(r.c_amount),
            "threshold": fmt(thr), "rc_entered": r.rc_entered_at is not None}))
        outbox_rows.append(events.row(session, "round.opened", {
            "sale_id": r.sale_id, "lot_id": r.lot_id, "round_id": rid, "round": rnd.number,
            "starts_at": iso_ms(rnd.starts_at), "ends_at": iso_ms(rnd.ends_at),
            "opening_price": fmt(rnd.opening_price), "min_increment": fmt(rnd.min_increment),
            "r": fmt(r.r_amount), "c": fmt(r.c_amount), "threshold": fmt(thr), "extension_of": rnd.extension_of},
            subject_type="sale", subject_id=r.sale_id, office_id=r.office_id))
    await locked.write(session, [(LotEvent, lot_events), (AuditEntry, audit_rows), (OutboxEvent, outbox_rows)],
                       None)
    return [int(r.id) for r in rows]


# --- S-07: a round closes ---------------------------------------------------------------------------


async def claim_due_close(session: AsyncSession, cutoff: datetime) -> int | None:
    ids = await claim_due_closes(session, cutoff, 1)
    return ids[0] if ids else None


async def claim_due_closes(session: AsyncSession, cutoff: datetime, limit: int,
                           only: int | None = None) -> list[int]:
    """Up to `limit` open rounds whose close has passed `cutoff`, earliest close first, locked for this
    transaction (SKIP LOCKED: closers running at once claim disjoint batches); `only`: just that round."""
    stmt = (select(Round.id).where(Round.status == RoundStatus.open.value, Round.ends_at <= cutoff)
            .order_by(Round.ends_at, Round.id).limit(limit))
    if only is not None:
        stmt = stmt.where(Round.id == only)
    return [int(i) for i in (await session.execute(claim(session, stmt, of=Round))).scalars()]


async def close_round(session: AsyncSession, runtime: Runtime, round_id: int, now: datetime,
                      cutoff: datetime, *, finish: bool = True) -> bool:
    """S-07 (TM-13) for one round (`close_rounds`). With `finish` (every caller but the closer worker) the
    work the close triggers follows in the same transaction (`finish_close`); the closer commits the close
    first and finishes it in a transaction of its own, so that a round is seen closed without waiting for
    its tutanak."""
    if not await close_rounds(session, runtime, [round_id], now, cutoff):
        return False
    await _refresh_loaded(session, round_id)
    if finish:
        await finish_close(session, runtime, round_id)
    return True


async def close_rounds(session: AsyncSession, runtime: Runtime, round_ids: list[int], now: datetime,
                       cutoff: datetime) -> list[int]:
    """S-07 (TM-13) for a batch, set-based: one conditional UPDATE freezes every round of `round_ids` still
    open whose close has passed `cutoff` and sets its result (so none closes twice, nor before its close: a
    bid that moved `ends_at` meanwhile wins), one moves their sales on, and one statement writes their
    `closed` lot events and audit rows - all in the caller's transaction; the ids closed. The refund jobs,
    the tutanak draft and `round.closed` follow (`finish_close`)."""
    if not round_ids:
        return []
    result_case = case(
        (Round.current_price.is_(None), RoundResult.no_bids.value),
        (Round.current_price > Round.threshold, RoundResult.above_threshold.value),
        else_=RoundResult.below_threshold.value,
    )
    result = await session.execute(
        update(Round)
        .where(Round.id.in_(round_ids), Round.status == RoundStatus.open.value, Round.ends_at <= cutoff)
        .values(status=RoundStatus.closed.value, closed_at=now, seq=Round.seq + 1, result=result_case,
                updated_at=now)
        .returning(Round.id, Round.seq, Round.result, Round.sale_id, Round.lot_id, Round.number,
                   Round.current_price, Round.leader_user_id, Round.bid_count, Round.ends_at, Round.extensions)
        .execution_options(synchronize_session=False)
    )
    closed = sorted(result.all(), key=lambda c: int(c.id))
    if not closed:
        return []
    await state.apply_many(session, [int(c.sale_id) for c in closed], "close_round")
    offices = dict((await session.execute(select(Sale.id, Sale.office_id)
                                          .where(Sale.id.in_({int(c.sale_id) for c in closed})))).all())
    numbers = await alias_numbers(session, [(int(c.lot_id), int(c.leader_user_id)) for c in closed
                                            if c.leader_user_id is not None])
    lot_events: list[dict[str, Any]] = []
    audit_rows: list[dict[str, Any]] = []
    for c in closed:
        outcome = str(c.result)
        number = numbers.get((int(c.lot_id), int(c.leader_user_id))) if c.leader_user_id is not None else None
        highest = fmt(c.current_price) if c.current_price else None
        result_payload = {
            "round": c.number, "status": outcome, "highest_bid": highest,
            "bidder": pseudonym(number) if number is not None else None, "bid_count": c.bid_count,
            "ends_at": iso_ms(c.ends_at), "extensions": c.extensions,
        }
        lot_events.append(live.row(session, runtime.broker, lot_id=c.lot_id, seq=int(c.seq), type_="closed",
                                   payload={"result": result_payload, "ends_at": iso_ms(c.ends_at)}, at=now,
                                   round_id=int(c.id)))
        audit_rows.append(audit.row("round.closed", "round", int(c.id), office_id=offices[c.sale_id], data={
            "sale_id": c.sale_id, "number": c.number, "result": outcome, "ends_at": iso_ms(c.ends_at),
            "closed_at": iso_ms(now), "highest_bid": highest, "bid_count": c.bid_count,
            "extensions": c.extensions}))
    await locked.write(session, [(LotEvent, lot_events), (AuditEntry, audit_rows)], None)
    return [int(c.id) for c in closed]


async def claim_unfinished_closes(session: AsyncSession, limit: int, among: list[int] | None = None) -> list[int]:
    """Closed rounds whose close is not finished yet (no tutanak: every close drafts one), locked for this
    transaction. The tutanaks are read again by a second statement once the rows are locked: under READ
    COMMITTED the first one may have started before another closer committed the finish of a round whose
    lock it then got, and only a statement that starts after the lock sees that (no round is finished
    twice; the unique tutanak per round is the net)."""
    done = select(Tutanak.id).where(Tutanak.round_id == Round.id).exists()
    stmt = (select(Round.id).where(Round.status == RoundStatus.closed.value, ~done)
            .order_by(Round.closed_at, Round.id).limit(limit))
    if among is not None:
        stmt = stmt.where(Round.id.in_(among))
    ids = [int(i) for i in (await session.execute(claim(session, stmt, of=Round))).scalars()]
    if not ids:
        return []
    finished = set((await session.scalars(select(Tutanak.round_id).where(Tutanak.round_id.in_(ids)))).all())
    return [i for i in ids if i not in finished]


async def finish_close(session: AsyncSession, runtime: Runtime, round_id: int) -> None:
    """The work a close triggers, in the caller's transaction: the refund jobs (A-55), the tutanak draft
    (A-60) and the `round.closed` event (the webhook carries the tutanak's id)."""
    # populate_existing: the close wrote past the ORM (`close_rounds`); a round already loaded in this
    # session is read again.
    rnd = await session.get(Round, round_id, populate_existing=True)
    assert rnd is not None and rnd.closed_at is not None and rnd.result is not None
    sale = await get_sale(session, rnd.sale_id)
    now, outcome = rnd.closed_at, str(rnd.result)
    snap = snapshot_of(sale)
    winner_id = rnd.leader_user_id if outcome == RoundResult.above_threshold else None
    # Refund jobs for every deposit except the provisional winner's; held until the tutanak is
    # posted. UNCERTAIN(OP-17): `teminat.refund_trigger` = tutanak_posted (default) | round_closed.
    release_now = snap.pol("teminat.refund_trigger") == "round_closed"
    if carries_to_next_round(snap, rnd, outcome):
        # UNCERTAIN(OP-49): the deposits stay for round 2 ("covers every round of that sale"); a bidder
        # who wants his money back withdraws it (OP-16) and is refunded at once.
        jobs = 0
    else:
        jobs = await refunds.schedule_refunds(session, sale, keep_user_id=winner_id, reason="round_closed",
                                                  round_number=rnd.number, release=release_now, now=now)
    tutanak = await draft_tutanak(session, runtime, sale, rnd, outcome, now)
    audit.record(session, "tutanak.drafted", "round", rnd.id, office_id=sale.office_id, data={
        "sale_id": sale.id, "number": rnd.number, "result": outcome, "refund_jobs": jobs, "tutanak_id": tutanak.id})
    events.emit(session, "round.closed", {
        "sale_id": sale.id, "lot_id": rnd.lot_id, "round_id": rnd.id, "round": rnd.number, "result": outcome,
        "scheduled_end": iso_ms(rnd.scheduled_end), "ends_at": iso_ms(rnd.ends_at), "closed_at": iso_ms(now),
        "extensions": rnd.extensions, "bid_count": rnd.bid_count,
        "highest_bid": fmt(rnd.current_price) if rnd.current_price else None,
        "threshold": fmt(rnd.threshold) if rnd.threshold is not None else None, "tutanak_id": tutanak.id,
    }, subject_type="sale", subject_id=sale.id, office_id=sale.office_id)
