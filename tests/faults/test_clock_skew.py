"""The clock of one process skewed: the database's clock decides the close (docs/adr/0002).

An app or worker process whose host clock runs minutes ahead must neither refuse a bid made before the
close nor close a round early; one running behind must neither accept a bid after the close nor keep a
round open past it. PostgreSQL only: there the decisions read `clock_timestamp()`; SQLite is one host."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import update

from auction import clock
from auction.sales.models import Round
from tests.faults.support import bid_facts, open_round_now
from workers.closer import RoundCloser

pytestmark = pytest.mark.postgres


@pytest.fixture
def skew() -> Iterator[object]:
    previous = clock.get_clock()

    def install(offset: timedelta) -> None:
        clock.set_clock(clock.SkewedClock(offset))

    yield install
    clock.set_clock(previous)


async def _close_in(runtime, round_id: int, seconds: float) -> None:
    """Put the round's close `seconds` from the database's now (negative: already past), outside the
    anti-sniping window so a bid leaves it where it is."""
    async with runtime.db.session() as s:
        db_now = await clock.decisive_now(s)
        e = db_now + timedelta(seconds=seconds)
        await s.execute(update(Round).where(Round.id == round_id).values(
            scheduled_end=e, ends_at=e, window_start=e, first_extension_end=e, cap_at=e))


async def test_a_process_running_ahead_neither_refuses_an_early_bid_nor_closes_early(env, settings, skew):
    lot_id, round_id, (bidder,) = await open_round_now(env, settings, 1)
    await _close_in(env.runtime, round_id, 120)  # two minutes left, by the database
    skew(timedelta(minutes=5))  # this process believes the close passed three minutes ago
    async with env.runtime.db.session() as s:
        assert clock.now() > await clock.decisive_now(s) + timedelta(minutes=4)
    r = await env.bid(bidder, lot_id, (await env.get_lot(lot_id))["min_next_bid"])
    assert r.status_code == 201, r.text  # decided by the database's clock: before the close
    assert await RoundCloser(env.runtime).close_one() is False  # nothing is due by the database's clock
    facts = await bid_facts(env.runtime, lot_id, round_id)
    assert len(facts["bids"]) == 1
    async with env.runtime.db.session() as s:
        assert (await s.get(Round, round_id)).status == "open"


async def test_a_process_running_behind_neither_takes_a_late_bid_nor_keeps_the_round_open(env, settings, skew):
    lot_id, round_id, (bidder,) = await open_round_now(env, settings, 1)
    minimum = (await env.get_lot(lot_id))["min_next_bid"]
    await _close_in(env.runtime, round_id, -2)  # closed two seconds ago, by the database
    skew(timedelta(minutes=-5))  # this process believes there are almost five minutes left
    r = await env.bid(bidder, lot_id, minimum)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "round_closed")
    assert await RoundCloser(env.runtime).close_one() is True  # due by the database's clock: closed now
    async with env.runtime.db.session() as s:
        rnd = await s.get(Round, round_id)
    assert rnd.status == "closed" and rnd.closed_at >= rnd.ends_at
    assert (await bid_facts(env.runtime, lot_id, round_id))["bids"] == []
