"""The round clock's two transitions, each in the caller's (the closer worker's) transaction: a round opens
at its start (S-03, TM-10) and locks R, C and the threshold; it closes at its close (S-07, TM-13),
exactly once, never early; the close is finished by the refund jobs, the tutanak draft and `round.closed`.

Both are claimed with `auction.dbutil.claim` (SKIP LOCKED on PostgreSQL) and decided by one conditional
UPDATE, so two closers never open or close a round twice (workers/closer.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auction.audit import service as audit
from auction.bidding.aliases import alias_of
from auction.clock import iso_ms
from auction.dbutil import claim
from auction.deposits import refunds
from auction.deposits.refunds import carries_to_next_round
from auction.events import service as events
from auction.money import fmt
from auction.runtime import Runtime
from auction.sales import live, state
from auction.sales.models import Round, RoundResult, RoundStatus, Sale, SaleStatus, Tutanak
from auction.sales.reads import get_sale, min_next_bid, snapshot_of
from auction.sales.threshold import sale_threshold
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
    """S-07 (TM-13): freeze the round with one conditional UPDATE (it can never close twice, nor before
    its close: a bid that moved `ends_at` meanwhile wins), move the sale on, write the `closed` lot event
    and the audit row - all in the caller's transaction. With `finish` (every caller but the closer
    worker) the work the close triggers follows in the same transaction (`finish_close`); the closer
    commits the close first and finishes it in a transaction of its own, so that a round is seen closed
    without waiting for its tutanak."""
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
    alias = await alias_of(session, rnd.lot_id, rnd.leader_user_id)
    result_payload = {
        "round": rnd.number, "status": outcome, "highest_bid": fmt(rnd.current_price) if rnd.current_price else None,
        "bidder": alias, "bid_count": rnd.bid_count, "ends_at": iso_ms(rnd.ends_at),
        "extensions": rnd.extensions,
    }
    live.append(session, runtime.broker, lot_id=rnd.lot_id, seq=seq, type_="closed",
                payload={"result": result_payload, "ends_at": iso_ms(rnd.ends_at)}, at=now, round_id=rnd.id)
    audit.record(session, "round.closed", "round", rnd.id, office_id=sale.office_id, data={
        "sale_id": sale.id, "number": rnd.number, "result": outcome, "ends_at": iso_ms(rnd.ends_at),
        "closed_at": iso_ms(now), "highest_bid": fmt(rnd.current_price) if rnd.current_price else None,
        "bid_count": rnd.bid_count, "extensions": rnd.extensions})
    if finish:
        await finish_close(session, runtime, round_id)
    return True


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
    rnd = await session.get(Round, round_id)
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
