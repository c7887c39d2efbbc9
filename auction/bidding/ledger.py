"""The bid ledger: proving that the accepted bids of a lot are the ones that were accepted, in that order.

Every accepted bid carries `hash = sha256(prev_hash|lot|round|seq|amount|at|user)` chained to the lot's
previous bid (`service.receipt_hash`), and the bidder's receipt shows it. `verify_lot` walks the chain and
cross-checks it against three records written in the bid's own transaction, so that an edit, a deletion
or a reordering is named even when whoever did it recomputed the hashes:

- the chain itself: each bid's `prev_hash` is the previous bid's hash (else a bid before it was deleted
  or the order changed: `broken_link`) and its hash is recomputed from its fields (else `edited`);
- the audit log (append-only): the `bid.placed` row of each bid carries its seq, amount, time and hash
  (`audit_mismatch`, `audit_missing`);
- the lot's live event log (gap-free seq): every `bid` event has its bid with the same amount and time
  (`event_mismatch`; `bid_missing` for a deleted bid), no seq is missing (`event_gap`);
- the round rows (the state changes): bid count, price and leader equal what the round's bids say
  (`round_mismatch`), a closed round has exactly one `round_opened` and one `closed` event, after its
  last bid (`round_events`).

The final hash of the lot is printed on the tutanak (A-60) and published with the ledger; a bidder checks
a receipt against it on /makbuz-dogrula. The public ledger never shows per-bid hashes: with every other
field public, a hash would let anyone try user ids until one matched and link a pseudonym across lots.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction.audit.models import AuditEntry
from auction.bidding.models import Bid
from auction.bidding.service import GENESIS, HASH_ALGORITHM, receipt_hash
from auction.clock import iso_ms
from auction.lots import service as lots
from auction.lots.models import Lot
from auction.money import fmt
from auction.sales.models import LotEvent, Round, RoundStatus


@dataclass(frozen=True)
class Problem:
    kind: str
    detail: str
    bid_id: int | None = None
    seq: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "bid_id": self.bid_id, "seq": self.seq, "detail": self.detail}


@dataclass
class LotLedger:
    lot_id: int
    bids: list[Bid] = field(default_factory=list)
    round_numbers: dict[int, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def final_hash(self) -> str:
        return self.bids[-1].hash if self.bids else GENESIS


def _same_time(a: Any, b: datetime) -> bool:
    return isinstance(a, str) and a == iso_ms(b)


async def verify_lot(session: AsyncSession, lot_id: int) -> LotLedger:
    """Walk the lot's chain and its cross-checks; every problem found, not only the first."""
    out = LotLedger(lot_id)
    bids = list((await session.scalars(select(Bid).where(Bid.lot_id == lot_id).order_by(Bid.seq))).all())
    out.bids = bids
    rounds = {r.id: r for r in (await session.scalars(select(Round).where(Round.lot_id == lot_id))).all()}
    out.round_numbers = {rid: r.number for rid, r in rounds.items()}
    problems = out.problems

    # 1. The chain.
    prev = GENESIS
    for bid in bids:
        if bid.prev_hash != prev:
            problems.append(Problem("broken_link", "the previous bid's hash differs: a bid before this one was "
                                    "deleted or the order changed", bid.id, bid.seq))
        if bid.hash != receipt_hash(bid.prev_hash, bid.lot_id, bid.round_id, bid.seq, bid.amount, bid.at,
                                    bid.user_id):
            problems.append(Problem("edited", "the stored fields no longer give the stored hash", bid.id, bid.seq))
        prev = bid.hash

    # 2. The audit log, written in each bid's transaction.
    audits: dict[str, dict[str, Any]] = {}
    if bids:
        rows = (await session.scalars(select(AuditEntry).where(
            AuditEntry.action == "bid.placed", AuditEntry.entity_type == "bid",
            AuditEntry.entity_id.in_([str(b.id) for b in bids])))).all()
        audits = {row.entity_id: row.data for row in rows}
    for bid in bids:
        data = audits.get(str(bid.id))
        if data is None:
            problems.append(Problem("audit_missing", "no bid.placed audit row for this bid", bid.id, bid.seq))
            continue
        differs = [name for name, ok in (
            ("seq", data.get("seq") == bid.seq), ("amount", data.get("amount") == fmt(bid.amount)),
            ("at", _same_time(data.get("at"), bid.at)), ("hash", data.get("hash") == bid.hash),
            ("round", data.get("round_id") == bid.round_id)) if not ok]
        if differs:
            problems.append(Problem("audit_mismatch", "differs from its audit row in " + ", ".join(differs),
                                    bid.id, bid.seq))

    # 3. The live event log (gap-free per-lot seq).
    events = list((await session.scalars(select(LotEvent).where(LotEvent.lot_id == lot_id)
                                         .order_by(LotEvent.seq))).all())
    by_seq = {b.seq: b for b in bids}
    for expected, event in enumerate(events, start=1):
        if event.seq != expected:
            problems.append(Problem("event_gap", f"live event seq {expected} is missing (next is {event.seq})",
                                    seq=expected))
            break
    bid_event_seqs = set()
    for event in events:
        if event.type != "bid":
            continue
        bid_event_seqs.add(event.seq)
        stored = by_seq.get(event.seq)
        if stored is None:
            problems.append(Problem("bid_missing", f"the live event log has a bid of {event.payload.get('amount')} "
                                    "at this seq but no such bid is stored", seq=event.seq))
        elif event.payload.get("amount") != fmt(stored.amount) or not _same_time(event.payload.get("at"), stored.at):
            problems.append(Problem("event_mismatch", "differs from the live event of its seq", stored.id, stored.seq))
    for bid in bids:
        if bid.seq not in bid_event_seqs:
            problems.append(Problem("event_missing", "no live event for this bid", bid.id, bid.seq))

    # 4. The round rows and their state changes.
    of_round: dict[int, list[Bid]] = defaultdict(list)
    for bid in bids:
        of_round[bid.round_id].append(bid)
    kinds = Counter((e.round_id, e.type) for e in events)
    closed_seq = {e.round_id: e.seq for e in events if e.type == "closed"}
    for rid, rnd in sorted(rounds.items(), key=lambda item: item[1].number):
        mine = of_round.get(rid, [])
        last = mine[-1] if mine else None
        standing: Bid | None = last
        if standing is None and rnd.extension_of is not None:
            # an outage extension carries the artırma's highest bid over from the round it extends.
            earlier = [b for b in bids if rounds[b.round_id].sale_id == rnd.sale_id
                       and rounds[b.round_id].number < rnd.number]
            standing = earlier[-1] if earlier else None
        expected_price = standing.amount if standing else None
        if (rnd.bid_count != len(mine) or rnd.current_price != expected_price
                or (standing is not None and rnd.leader_user_id != standing.user_id)):
            problems.append(Problem("round_mismatch", f"round {rnd.number}: {rnd.bid_count} bids and price "
                                    f"{fmt(rnd.current_price) if rnd.current_price is not None else '—'} on the "
                                    f"round, {len(mine)} bids and price "
                                    f"{fmt(expected_price) if expected_price is not None else '—'} in the chain",
                                    last.id if last else None, last.seq if last else None))
        if rnd.status == RoundStatus.closed:
            if kinds[(rid, "round_opened")] != 1 or kinds[(rid, "closed")] != 1:
                problems.append(Problem("round_events", f"round {rnd.number}: {kinds[(rid, 'round_opened')]} "
                                        f"opening and {kinds[(rid, 'closed')]} closing events (one each expected)"))
            elif last is not None and closed_seq[rid] < last.seq:
                problems.append(Problem("round_events", f"round {rnd.number} closed before its last bid",
                                        last.id, last.seq))
    return out


async def verify(session: AsyncSession, lot_id: int | None = None) -> list[LotLedger]:
    """`esatis ledger verify [LOT]`: one lot, or every lot that has rounds."""
    if lot_id is not None:
        await lots.get_lot(session, lot_id)  # 404 for an unknown lot
        return [await verify_lot(session, lot_id)]
    ids = (await session.scalars(select(Round.lot_id).distinct().order_by(Round.lot_id))).all()
    return [await verify_lot(session, lid) for lid in ids]


async def final_hash(session: AsyncSession, lot_id: int, round_id: int | None = None) -> tuple[str, int]:
    """The lot's last bid hash (as of the end of `round_id` when given) and the number of bids it covers."""
    stmt = select(Bid.seq, Bid.hash).where(Bid.lot_id == lot_id).order_by(Bid.seq.desc())
    if round_id is not None:
        last_seq = select(Round.seq).where(Round.id == round_id).scalar_subquery()
        stmt = stmt.where(Bid.seq <= last_seq)
    rows = (await session.execute(stmt)).all()
    return (rows[0][1] if rows else GENESIS), len(rows)


__all__ = ["GENESIS", "HASH_ALGORITHM", "LotLedger", "Problem", "final_hash", "public_ledger", "verify", "verify_lot"]


def _entry(bid: Bid, number: int | None) -> dict[str, Any]:
    return {"seq": bid.seq, "round": number, "amount": fmt(bid.amount), "at": iso_ms(bid.at), "bidder": bid.alias}


async def public_ledger(session: AsyncSession, lot_id: int, receipt: str | None = None) -> dict[str, Any]:
    """`GET /api/v1/lots/{id}/ledger`: the lot's accepted bids (pseudonyms, no hashes), the final hash,
    whether the chain verifies (the kinds of problems, not their details) and, for `receipt` (a hash
    from a bid receipt), whether that bid is in the chain and which one it is."""
    lot: Lot = await lots.get_lot(session, lot_id)
    ledger = await verify_lot(session, lot.id)
    out: dict[str, Any] = {
        "lot_id": lot.id, "algorithm": HASH_ALGORITHM, "bid_count": len(ledger.bids),
        "final_hash": ledger.final_hash, "verified": ledger.ok,
        "problems": sorted({p.kind for p in ledger.problems}),
        "bids": [_entry(b, ledger.round_numbers.get(b.round_id)) for b in ledger.bids],
    }
    if receipt is not None:
        wanted = receipt.strip().lower()
        match = next((b for b in ledger.bids if b.hash == wanted), None)
        out["receipt"] = {"hash": wanted, "found": match is not None,
                          "bid": _entry(match, ledger.round_numbers.get(match.round_id)) if match else None,
                          "later_bids": sum(1 for b in ledger.bids if match and b.seq > match.seq)}
    return out
