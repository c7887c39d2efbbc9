"""The bid (S-05): ONE conditional UPDATE of the round row decides it.

    UPDATE rounds SET current_price = :amount, leader = :user, bid_count + 1, seq + 1 (+1 if the close
           moved), ends_at = <A-41 close>, …
     WHERE id = :round AND status = 'open' AND :t >= starts_at AND :t < ends_at
       AND :amount >= (opening_price if no bid yet else current_price + min_increment)
       AND leader <> :user                                   -- OP-11 already_highest
    RETURNING seq, ends_at, last_bid_extended, …

READ COMMITTED, no SELECT … FOR UPDATE, no SERIALIZABLE: concurrent bids queue on the row lock and
PostgreSQL re-evaluates the WHERE against the row the winner left, so two bids can never both take the
same price, a bid at or after the close is never accepted, and the close (A-41) is computed from the row
in the same statement. The server time t is read once (A-40). When the UPDATE matches no row a plain
SELECT says why (`bid_too_low`, `round_closed`, `round_not_open`, `already_highest`): that diagnosis may
be racy, the decision never is. See docs/auction.md for the full statement and the proofs.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import BigInteger, and_, bindparam, case, false, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock, faults
from auction.admission import Floor, PriceFloors
from auction.audit import service as audit
from auction.audit.models import AuditEntry
from auction.bidding import eligibility, locked
from auction.bidding.aliases import pseudonym
from auction.bidding.errors import (
    AlreadyHighest,
    BidNotFound,
    BidTooLow,
    IdempotencyInFlight,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
    RoundClosed,
    RoundNotOpen,
    TeminatRequired,
)
from auction.bidding.models import Bid, IdempotencyKey, LotAlias, Participant
from auction.clock import iso_ms
from auction.db import Kurus, UTCDateTime, after_commit
from auction.dbutil import dialect, insert_ignore_statements, table_of
from auction.errors import DomainError
from auction.events import service as events
from auction.events.models import OutboxEvent
from auction.lots import service as lots
from auction.money import fmt
from auction.runtime import Runtime
from auction.sales import live, reads
from auction.sales.models import LotEvent, Round, RoundStatus, Sale
from auction.users.models import User
from auction.users.principal import Principal, can_see_identities

_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
GENESIS = locked.GENESIS
HASH_ALGORITHM = "sha256(prev_hash|lot_id|round_id|seq|amount|at|user_id)"


@dataclass(frozen=True)
class BidAnswer:
    status_code: int
    body: dict[str, Any]
    replayed: bool


def receipt_hash(prev_hash: str, lot_id: int, round_id: int, seq: int, amount: Decimal, at: datetime,
                 user_id: int) -> str:
    """The receipt's hash, chained to the previous bid of the lot: changing, removing or reordering any
    stored bid breaks every later hash (tamper evidence)."""
    text = f"{prev_hash}|{lot_id}|{round_id}|{seq}|{fmt(amount)}|{iso_ms(at)}|{user_id}"
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _request_hash(lot_id: int, amount: Decimal) -> str:
    return hashlib.sha256(f"POST /api/v1/lots/{lot_id}/bids|{fmt(amount)}".encode()).hexdigest()


# Every keyed bid claims its key first: the INSERT … ON CONFLICT DO NOTHING built once per dialect.
_CLAIM = insert_ignore_statements(IdempotencyKey, ("user_id", "key", "request_hash", "created_at"), ("user_id", "key"))


async def _claim_key(session: AsyncSession, user_id: int, key: str, request_hash: str) -> int | BidAnswer:
    """Insert the key first: a second request with the same key waits on the unique index until the
    first commits (then replays its answer) or rolls back (then proceeds as the first)."""
    if not _KEY.match(key):
        raise IdempotencyKeyInvalid()
    new_id = await session.scalar(_CLAIM[dialect(session)], {
        "user_id": user_id, "key": key, "request_hash": request_hash, "created_at": clock.now()})
    if new_id is not None:
        return int(new_id)
    row = (await session.scalars(select(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                              IdempotencyKey.key == key)
                                 .execution_options(populate_existing=True))).one()
    if row.request_hash != request_hash:
        raise IdempotencyKeyReused(details={"key": key})
    if row.response is None or row.status_code is None:
        raise IdempotencyInFlight(details={"key": key})
    return BidAnswer(row.status_code, row.response, True)


def _bid_statement() -> Any:
    """The one conditional write (A-40, A-41, A-32, A-33, OP-11), portable to SQLite: no GREATEST/LEAST,
    only CASE; times are bound typed so SQLite's text comparison stays exact. Built once on the table (not
    the mapped class: no ORM bookkeeping on the hot path), its values bound by name at execution, so every
    bid reuses one compiled form (`BID_STATEMENT`; parameters `round_id`, `user_id`, `amount`, `t`,
    `t_plus_x`)."""
    rounds = _ROUNDS.c
    t_ = bindparam("t", type_=UTCDateTime())
    tx = bindparam("t_plus_x", type_=UTCDateTime())
    amt = bindparam("amount", type_=Kurus())
    uid = bindparam("user_id", type_=BigInteger())
    in_window = t_ >= rounds.window_start  # rule: A-41 - bids before E − W leave the close alone
    # rule: A-41 / UNCERTAIN(OP-02) - the first bid in the window under base `scheduled_end` moves the
    # close to max(close, E + X); every other bid in the window to max(close, t + X).
    first_on_e = and_(rounds.first_base == "scheduled_end", rounds.window_bid.is_(False))
    to_e_plus_x = case((rounds.ends_at > rounds.first_extension_end, rounds.ends_at),
                       else_=rounds.first_extension_end)
    to_t_plus_x = case((rounds.ends_at > tx, rounds.ends_at), else_=tx)
    candidate = case((~in_window, rounds.ends_at), (first_on_e, to_e_plus_x), else_=to_t_plus_x)
    # … never past the cap E + K (the close starts at E ≤ E + K, so it never moves back either).
    new_close = case((and_(rounds.cap_at.is_not(None), candidate > rounds.cap_at), rounds.cap_at), else_=candidate)
    moved = case((new_close > rounds.ends_at, 1), else_=0)
    return (
        update(_ROUNDS)
        .where(
            rounds.id == bindparam("round_id", type_=BigInteger()),
            rounds.status == RoundStatus.open.value,
            t_ >= rounds.starts_at,
            t_ < rounds.ends_at,  # rule: A-40 - accepted only if t < close
            or_(and_(rounds.current_price.is_(None), amt >= rounds.opening_price),  # A-32 / OP-08
                and_(rounds.current_price.is_not(None), amt >= rounds.current_price + rounds.min_increment)),
            or_(rounds.leader_user_id.is_(None), rounds.leader_user_id != uid,
                rounds.allow_self_outbid.is_(True)),  # OP-11
        )
        .values(
            current_price=amt,
            leader_user_id=uid,
            prev_leader_user_id=rounds.leader_user_id,  # SET sees the old row
            bid_count=rounds.bid_count + 1,
            # The bid takes the next seq; if the close moved, the `extended` event takes the one after.
            seq=rounds.seq + 1 + moved,
            extensions=rounds.extensions + moved,
            last_bid_extended=case((new_close > rounds.ends_at, true()), else_=false()),
            window_bid=case((in_window, true()), else_=rounds.window_bid),
            ends_at=new_close,
            last_bid_at=t_,
            updated_at=t_,
        )
        .returning(rounds.seq, rounds.ends_at, rounds.last_bid_extended, rounds.bid_count,
                   rounds.prev_leader_user_id, rounds.extensions)
    )


_ROUNDS = table_of(Round)
BID_STATEMENT = _bid_statement()


_DIAGNOSIS = select(_ROUNDS.c.status, _ROUNDS.c.starts_at, _ROUNDS.c.ends_at, _ROUNDS.c.leader_user_id,
                    _ROUNDS.c.allow_self_outbid, _ROUNDS.c.current_price, _ROUNDS.c.opening_price,
                    _ROUNDS.c.min_increment).where(_ROUNDS.c.id == bindparam("round_id", type_=BigInteger()))


async def _diagnose(session: AsyncSession, floors: PriceFloors, round_id: int, user_id: int, amount: Decimal,
                    t: datetime) -> None:
    """Why the UPDATE matched nothing, from a plain SELECT of the row as it is now. Raises the error; returns
    only when the row would now accept the bid (the state moved between the two statements: retry)."""
    r = (await session.execute(_DIAGNOSIS, {"round_id": round_id})).one()
    if r.status in (RoundStatus.closed, RoundStatus.cancelled):
        raise RoundClosed(details={"ends_at": iso_ms(r.ends_at), "at": iso_ms(t)})
    if r.status == RoundStatus.scheduled or t < r.starts_at:
        raise RoundNotOpen(details={"starts_at": iso_ms(r.starts_at)})
    if t >= r.ends_at:
        raise RoundClosed(details={"ends_at": iso_ms(r.ends_at), "at": iso_ms(t)})
    if r.leader_user_id == user_id and not r.allow_self_outbid:
        raise AlreadyHighest(details={"current_price": fmt(r.current_price) if r.current_price else None})
    # rule: A-32 (UNCERTAIN OP-08: first bid ≥ opening price), A-33 (each later bid ≥ highest + increment)
    minimum = r.opening_price if r.current_price is None else r.current_price + r.min_increment
    if r.status == RoundStatus.open:
        floors.note(round_id, Floor(minimum, r.current_price, r.leader_user_id))  # committed: a plain read
    if amount < minimum:
        raise _too_low(minimum, r.current_price)


def _too_low(minimum: Decimal, current_price: Decimal | None) -> BidTooLow:
    return BidTooLow(details={"min_next_bid": fmt(minimum),
                              "current_price": fmt(current_price) if current_price is not None else None})


@dataclass(frozen=True)
class _Context:
    """What the bid reads before deciding: the lot's latest sale, its open round, whether the bidder may
    bid (A-37, a plain read; the locked section re-checks it as a write), and the decisive time (A-40)."""

    sale_id: int
    office_id: int
    round_id: int
    number: int
    starts_at: datetime
    ends_at: datetime
    scheduled_end: datetime
    ext_step_s: int
    min_increment: Decimal
    eligible: bool
    db_now: datetime | None


def _context_statement() -> Any:
    """One statement, on the tables (the sale's large columns - şartname, rules - are not read): the
    lot's latest sale joined to its *open* round and the bidder's participant row, with the database's
    clock. No row: no sale, or no open round - the slow path finds the right refusal."""
    sales, rounds, parts = table_of(Sale).c, _ROUNDS.c, table_of(Participant).c
    lot_id, user_id = bindparam("lot_id", type_=BigInteger()), bindparam("user_id", type_=BigInteger())
    latest = select(sales.id).where(sales.lot_id == lot_id).order_by(sales.id.desc()).limit(1).scalar_subquery()
    eligible = eligibility.refusal_free(parts)
    return (select(sales.id, sales.office_id, rounds.id, rounds.number, rounds.starts_at, rounds.ends_at,
                   rounds.scheduled_end, rounds.ext_step_s, rounds.min_increment,
                   case((eligible, true()), else_=false()), clock.database_now())
            .select_from(table_of(Sale).join(_ROUNDS, rounds.sale_id == sales.id)
                         .outerjoin(table_of(Participant), and_(parts.sale_id == sales.id, parts.user_id == user_id)))
            .where(sales.id == latest, rounds.status == RoundStatus.open.value)
            .order_by(rounds.number).limit(1))


_CONTEXT = _context_statement()


async def _context(session: AsyncSession, lot_id: int, user_id: int) -> _Context | None:
    row = (await session.execute(_CONTEXT, {"lot_id": lot_id, "user_id": user_id})).first()
    if row is None:
        return None
    return _Context(int(row[0]), int(row[1]), int(row[2]), int(row[3]), row[4], row[5], row[6], int(row[7]), row[8],
                    bool(row[9]), row[10])


async def _refuse_without_open_round(session: AsyncSession, lot_id: int, t: datetime) -> DomainError:
    """The lot has no sale, or its sale no open round (as the context read saw it): the refusal the lot
    page would explain. A round that opened since that read counts as not yet open for this bid."""
    sale = await reads.require_sale_of_lot(session, lot_id)  # LotNotFound / NoSale
    rnd = reads.current_round(await reads.rounds_of(session, sale.id), sale.status)
    if rnd is None:
        return RoundNotOpen()
    if rnd.status in (RoundStatus.closed, RoundStatus.cancelled) or t >= rnd.ends_at:
        return RoundClosed(details={"ends_at": iso_ms(rnd.ends_at), "at": iso_ms(t)})
    return RoundNotOpen(details={"starts_at": iso_ms(rnd.starts_at)})


async def _note_floor(floors: PriceFloors, round_id: int, floor: Floor) -> None:
    floors.note(round_id, floor)


async def place_bid(session: AsyncSession, runtime: Runtime, actor: Principal, lot_id: int, amount: Decimal,
                    idempotency_key: str | None = None) -> BidAnswer:
    """`POST /lots/{id}/bids` (S-05). The whole bid is the caller's one transaction: if anything after
    the UPDATE fails (the eligibility re-check), everything rolls back. From the UPDATE to the commit the
    bid holds the round row's lock, so that part is kept to two more statements (`locked.py`)."""
    await runtime.limiter.hit("bid", actor.user_id)
    key_id: int | None = None
    if idempotency_key is not None:
        claimed = await _claim_key(session, actor.user_id, idempotency_key, _request_hash(lot_id, amount))
        if isinstance(claimed, BidAnswer):
            return claimed
        key_id = claimed
    ctx = await _context(session, lot_id, actor.user_id)
    # rule: A-40 - the server time, read once, for the check and for the new close: the database's clock on
    # PostgreSQL (read by the context statement), so every app process decides by the same clock.
    t = clock.decisive(session, ctx.db_now if ctx is not None else None)
    if ctx is None:
        raise await _refuse_without_open_round(session, lot_id, t)
    # Fast, friendly refusals from plain reads (never decisive).
    if t < ctx.starts_at:
        raise RoundNotOpen(details={"starts_at": iso_ms(ctx.starts_at)})
    if t >= ctx.ends_at:
        raise RoundClosed(details={"ends_at": iso_ms(ctx.ends_at), "at": iso_ms(t)})
    if not ctx.eligible:
        raise eligibility.refusal(await eligibility.find(session, ctx.sale_id, actor.user_id)) or TeminatRequired()
    # A bid below what the round was last seen to accept next is refused without the round's write
    # (auction/admission.py `PriceFloors`: the price of a round only rises). Never an acceptance.
    floor = runtime.price_floors.below(ctx.round_id, amount, actor.user_id)
    if floor is not None:
        raise _too_low(floor.min_next_bid, floor.current_price)
    # The decision. t + X is computed here from the round's immutable step and bound typed.
    decision = {"round_id": ctx.round_id, "user_id": actor.user_id, "amount": amount, "t": t,
                "t_plus_x": t + timedelta(seconds=ctx.ext_step_s)}
    row = None
    for _ in range(3):
        row = (await session.execute(BID_STATEMENT, decision)).first()
        if row is not None:
            break
        await _diagnose(session, runtime.price_floors, ctx.round_id, actor.user_id, amount, t)
    if row is None:
        # The row kept changing under us three times: tell the bidder to look again.
        raise BidTooLow(details={"retry": True})
    # --- From here until the commit this transaction holds the round row's lock (locked.py). ---
    new_seq, ends_at, extended, _bid_count, prev_leader, extensions = (
        int(row[0]), row[1], bool(row[2]), int(row[3]), row[4], int(row[5]))
    # Eligibility again, as a write on the participant row, after the price moved (see eligibility.py).
    facts = await locked.reads(session, sale_id=ctx.sale_id, lot_id=lot_id, user_id=actor.user_id, t=t)
    if not facts.eligible:
        raise eligibility.refusal(await eligibility.find(session, ctx.sale_id, actor.user_id)) or TeminatRequired()
    bid_seq = new_seq - 1 if extended else new_seq
    alias = pseudonym(facts.alias_number)
    prev_hash = facts.prev_hash
    digest = receipt_hash(prev_hash, lot_id, ctx.round_id, bid_seq, amount, t, actor.user_id)
    bid_row = {"lot_id": lot_id, "sale_id": ctx.sale_id, "round_id": ctx.round_id, "seq": bid_seq,
               "user_id": actor.user_id, "alias": alias, "amount": amount, "at": t, "extended": extended,
               "ends_at": ends_at,
               "prev_hash": prev_hash, "hash": digest}
    if facts.bid_id is not None:
        bid_id = facts.bid_id
        rows: list[tuple[Any, list[dict[str, Any]]]] = [(Bid, [{"id": bid_id, **bid_row}])]
    else:
        bid_id = await locked.insert_bid(session, bid_row)
        rows = []
    if facts.new_alias:
        rows.append((LotAlias, [{"lot_id": lot_id, "user_id": actor.user_id, "number": facts.alias_number}]))
    next_min = amount + ctx.min_increment
    lot_events = [live.row(session, runtime.broker, lot_id=lot_id, seq=bid_seq, type_="bid", round_id=ctx.round_id,
                           at=t,
                           payload={"amount": fmt(amount), "at": iso_ms(t), "bidder": alias,
                                    "ends_at": iso_ms(ends_at), "min_next_bid": fmt(next_min), "round": ctx.number})]
    outbox: list[dict[str, Any]] = []
    if extended:
        lot_events.append(live.row(session, runtime.broker, lot_id=lot_id, seq=new_seq, type_="extended",
                                   round_id=ctx.round_id, at=t,
                                   payload={"ends_at": iso_ms(ends_at), "round": ctx.number}))
        outbox.append(events.row(session, "round.extended", {
            "sale_id": ctx.sale_id, "lot_id": lot_id, "round_id": ctx.round_id, "round": ctx.number,
            "reason": "anti_sniping",
            "ends_at": iso_ms(ends_at), "scheduled_end": iso_ms(ctx.scheduled_end), "extensions": extensions,
            "bid_at": iso_ms(t)}, subject_type="sale", subject_id=ctx.sale_id, office_id=ctx.office_id))
    if prev_leader is not None and int(prev_leader) != actor.user_id:
        outbox.append(events.row(session, "bid.outbid", {
            "lot_id": lot_id, "sale_id": ctx.sale_id, "user_id": int(prev_leader), "amount": fmt(amount),
            "ends_at": iso_ms(ends_at)}, subject_type="lot", subject_id=lot_id, office_id=ctx.office_id))
    rows += [(LotEvent, lot_events), (OutboxEvent, outbox), (AuditEntry, [audit.row(
        "bid.placed", "bid", bid_id, actor=actor, office_id=ctx.office_id, data={
            "lot_id": lot_id, "round_id": ctx.round_id, "seq": bid_seq, "amount": fmt(amount), "at": iso_ms(t),
            "extended": extended, "ends_at": iso_ms(ends_at), "hash": digest})])]
    body = {
        "bid_id": bid_id, "seq": bid_seq, "amount": fmt(amount), "at": iso_ms(t), "ends_at": iso_ms(ends_at),
        "bidder": alias, "min_next_bid": fmt(next_min), "extended": extended, "round": ctx.number,
        "receipt": {"bid_id": bid_id, "lot_id": lot_id, "round": ctx.number, "seq": bid_seq, "amount": fmt(amount),
                    "at": iso_ms(t), "bidder": alias, "prev_hash": prev_hash, "hash": digest,
                    "algorithm": HASH_ALGORITHM},
    }
    await locked.write(session, rows, (key_id, body) if key_id is not None else None)
    after_commit(session, partial(_note_floor, runtime.price_floors, ctx.round_id,
                                  Floor(next_min, amount, actor.user_id)))
    # Crash tests (tests/faults/test_app_killed.py): killed here, nothing of the bid is stored; killed after
    # the commit, the bid stands and a retry with the same Idempotency-Key gets its answer again.
    await faults.point("bid.before_commit")
    if faults.armed("bid.after_commit"):
        after_commit(session, partial(faults.point, "bid.after_commit"))
    return BidAnswer(201, body, False)


# --- Reading bids (A-34) ---------------------------------------------------------------------------------


async def list_bids(session: AsyncSession, lot_id: int, viewer: Principal | None) -> list[dict[str, Any]]:
    """Accepted bids of the lot's current sale in seq order, with the pseudonym; the viewer's own bids
    are marked `mine`. Staff of the lot's office also see who bid - every such view is audit-logged."""
    lot = await lots.get_lot(session, lot_id)
    sale = await reads.latest_sale_of_lot(session, lot_id)
    if sale is None:
        return []
    identities = can_see_identities(viewer, lot.office_id)
    stmt = (select(Bid, Round.number).join(Round, Round.id == Bid.round_id).where(Bid.sale_id == sale.id)
            .order_by(Bid.seq))
    rows = (await session.execute(stmt)).all()
    users: dict[int, User] = {}
    if identities and rows:
        ids = {b.user_id for b, _ in rows}
        users = {u.id: u for u in (await session.scalars(select(User).where(User.id.in_(ids)))).all()}
    out: list[dict[str, Any]] = []
    for bid, number in rows:
        item: dict[str, Any] = {"seq": bid.seq, "amount": fmt(bid.amount), "at": iso_ms(bid.at), "bidder": bid.alias,
                                "round": number, "mine": viewer is not None and viewer.user_id == bid.user_id}
        if identities:
            u = users.get(bid.user_id)
            item["identity"] = {"user_id": bid.user_id, "full_name": u.full_name if u else None,
                                "email": u.email if u else None}
        out.append(item)
    if identities and viewer is not None:
        # rule: A-34 - only the officials operating the sale see who the bidders are; each view is logged.
        audit.record(session, "bids.identities_viewed", "lot", lot.id, actor=viewer, office_id=lot.office_id,
                     data={"sale_id": sale.id, "bids": len(out)})
    return out


async def receipt(session: AsyncSession, viewer: Principal, bid_id: int) -> dict[str, Any]:
    bid = await session.get(Bid, bid_id)
    if bid is None:
        raise BidNotFound(details={"bid_id": bid_id})
    sale = await session.get(Sale, bid.sale_id)
    assert sale is not None
    if bid.user_id != viewer.user_id and not can_see_identities(viewer, sale.office_id):
        raise BidNotFound(details={"bid_id": bid_id})
    number = await session.scalar(select(Round.number).where(Round.id == bid.round_id))
    return {"bid_id": bid.id, "lot_id": bid.lot_id, "round": number, "seq": bid.seq, "amount": bid.amount,
            "at": bid.at, "bidder": bid.alias, "prev_hash": bid.prev_hash, "hash": bid.hash,
            "algorithm": HASH_ALGORITHM}


async def verify_chain(session: AsyncSession, lot_id: int) -> bool:
    """Recompute every receipt hash of the lot: True when no stored bid was changed, removed or reordered."""
    prev = GENESIS
    for bid in (await session.scalars(select(Bid).where(Bid.lot_id == lot_id).order_by(Bid.seq))).all():
        if bid.prev_hash != prev or bid.hash != receipt_hash(prev, bid.lot_id, bid.round_id, bid.seq, bid.amount,
                                                             bid.at, bid.user_id):
            return False
        prev = bid.hash
    return True


async def accept_sartname(session: AsyncSession, actor: Principal, lot_id: int) -> dict[str, Any]:
    sale = await reads.require_sale_of_lot(session, lot_id)
    part = await eligibility.accept_sartname(session, actor, sale)
    return {"sale_id": sale.id, "lot_id": lot_id, "accepted_at": part.sartname_accepted_at,
            "sartname_hash": part.sartname_hash}
