"""Per-lot admission of bids (auction/admission.py): one hot lot holds at most ESATIS_BID_LOT_CONCURRENCY
requests past the gate per process, the gate is held until after the bid's commit, and bids on another
lot pass while the hot lot's queue waits. Counts and order only - nothing here is timed."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest

from auction import clock
from auction.admission import KeyedGate
from auction.bidding import service as bidding
from tests.engine import z
from web import deps


async def test_a_gate_admits_at_most_its_limit_per_key_and_forgets_idle_keys():
    gate = KeyedGate(2)
    inside: dict[int, int] = {1: 0, 2: 0}
    peak: dict[int, int] = {1: 0, 2: 0}
    release = asyncio.Event()

    async def enter(key: int) -> None:
        async with gate.enter(key):
            inside[key] += 1
            peak[key] = max(peak[key], inside[key])
            await release.wait()
            inside[key] -= 1

    tasks = [asyncio.create_task(enter(1)) for _ in range(6)] + [asyncio.create_task(enter(2))]
    for _ in range(5):
        await asyncio.sleep(0)
    assert (gate.in_flight(1), gate.waiting(1)) == (2, 4)
    assert (gate.in_flight(2), gate.waiting(2)) == (1, 0)  # the other key is not held up by the hot one
    release.set()
    await asyncio.gather(*tasks)
    assert peak == {1: 2, 2: 1}
    assert gate._gates == {}
    with pytest.raises(ValueError):
        KeyedGate(0)


async def test_the_bid_route_holds_the_lots_gate_until_after_its_commit(env, manual_clock, runtime, monkeypatch):
    lot, other = await env.lot(), await env.lot()
    start = clock.now() + timedelta(days=16)
    for x in (lot, other):
        await env.sale(x["id"], first_round_start=z(start))
    manual_clock.set(start)
    assert await env.tick() == 2
    runtime.bid_admission = KeyedGate(2)
    bidders = [await env.bidder(lot["id"]) for _ in range(6)]
    outsider = await env.bidder(other["id"])
    seen_in_bid: list[int] = []
    seen_at_commit: list[tuple[int, int]] = []
    real_bid, real_commit = bidding.place_bid, deps.commit

    async def observed_bid(session, rt, actor, lot_id, amount, key=None):
        seen_in_bid.append(rt.bid_admission.in_flight(lot_id))
        await asyncio.sleep(0)  # let the other requests reach the gate
        return await real_bid(session, rt, actor, lot_id, amount, key)

    async def observed_commit(session):
        seen_at_commit.append((runtime.bid_admission.in_flight(lot["id"]),
                               runtime.bid_admission.in_flight(other["id"])))
        await real_commit(session)

    monkeypatch.setattr(bidding, "place_bid", observed_bid)
    monkeypatch.setattr(deps, "commit", observed_commit)
    amounts = [Decimal("1175000.00") + Decimal("25000.00") * i for i in range(6)]
    answers = await asyncio.gather(*(env.bid(b, lot["id"], str(a)) for b, a in zip(bidders, amounts, strict=True)),
                                   env.bid(outsider, other["id"], "1175000.00"))
    assert all(r.status_code in (201, 409) for r in answers), [r.text for r in answers]
    assert answers[-1].status_code == 201
    assert seen_in_bid and max(seen_in_bid) <= 2  # never more than the limit past the gate
    assert len(seen_at_commit) == sum(r.status_code == 201 for r in answers)  # refused bids roll back
    assert all(hot >= 1 or cold >= 1 for hot, cold in seen_at_commit)  # the gate is still held at commit
    assert runtime.bid_admission._gates == {}
