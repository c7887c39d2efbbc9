"""A stateful property test of the bid and the anti-sniping close (A-40, A-41, A-33, OP-11) on the manual
clock: Hypothesis generates a run of steps - wait some seconds, then one of two bidders bids the minimum or
a few increments more - around the round's last ten minutes, and the real service (HTTP, the conditional
UPDATE, the closer) must answer each step exactly as the rule written in docs/law/auction-rules.md says:
accepted or which refusal, the close after each accepted bid, and the closer closing at that close and not
a millisecond before.

Hypothesis runs in a worker thread and hands each example to the test's event loop (the app, its database
and the manual clock live there). Under CI the `ci` profile makes the examples the same on every run.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auction import clock
from tests.engine import open_lot, z

pytestmark = pytest.mark.slow

STEPS = st.lists(st.tuples(st.integers(0, 200), st.integers(0, 1), st.integers(0, 2)), min_size=1, max_size=8)


@dataclass
class Model:
    """A-41 as docs/law/auction-rules.md states it, for one round."""

    e: datetime
    window: timedelta
    step: timedelta
    cap: datetime
    opening: Decimal
    increment: Decimal
    close: datetime
    price: Decimal | None = None
    leader: int | None = None
    window_seen: bool = False

    def minimum(self) -> Decimal:
        return self.opening if self.price is None else self.price + self.increment

    def bid(self, t: datetime, who: int, amount: Decimal) -> tuple[int, str | None]:
        if t >= self.close:
            return 409, "round_closed"
        if self.leader == who:
            return 409, "already_highest"  # OP-11 (default: no self-outbid)
        if t >= self.e - self.window:
            first = not self.window_seen
            candidate = max(self.close, self.e + self.step) if first else max(self.close, t + self.step)
            self.close = min(candidate, self.cap)
            self.window_seen = True
        self.price, self.leader = amount, who
        return 201, None


async def _run(env: Any, mc: clock.ManualClock, steps: list[tuple[int, int, int]]) -> None:
    lot, sale = await open_lot(env, mc)
    rnd = sale["rounds"][0]
    bidders = [await env.bidder(lot["id"]), await env.bidder(lot["id"])]
    e = datetime.fromisoformat(rnd["scheduled_end"].replace("Z", "+00:00"))
    model = Model(e=e, window=timedelta(minutes=10), step=timedelta(minutes=3), cap=e + timedelta(hours=1),
                  opening=Decimal(rnd["opening_price"]), increment=Decimal(rnd["min_increment"]), close=e)
    mc.set(e - timedelta(minutes=12))  # two minutes before the window opens
    try:
        for gap, who, raises in steps:
            mc.advance(seconds=gap)
            amount = model.minimum() + model.increment * raises
            before = model.close
            expected = model.bid(clock.now(), who, amount)
            r = await env.bid(bidders[who], lot["id"], f"{amount:.2f}")
            got = (r.status_code, r.json()["error"]["code"] if r.status_code != 201 else None)
            assert got == expected, (steps, z(clock.now()), r.text)
            if r.status_code == 201:
                assert r.json()["ends_at"] == z(model.close), (steps, r.text)
                assert r.json()["extended"] is (model.close > before), (steps, r.text)
        # The closer: not a millisecond before the close (plus its grace), then exactly once.
        mc.set(model.close - timedelta(milliseconds=1))
        assert await env.tick() == 0
        view = await env.get_lot(lot["id"])
        assert view["round_status"] == "open" and view["ends_at"] == z(model.close)
        mc.set(model.close + timedelta(seconds=1))
        assert await env.tick() == 1
        view = await env.get_lot(lot["id"])
        assert view["current_price"] == (f"{model.price:.2f}" if model.price is not None else None)
    finally:
        # A failing example leaves no open round behind for the next one (whose opening tick counts 1).
        mc.set(max(clock.now(), model.cap) + timedelta(seconds=2))
        await env.tick()


async def test_bids_and_the_close_follow_a41_step_by_step(env, manual_clock):
    loop = asyncio.get_running_loop()

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(STEPS)
    def check(steps: list[tuple[int, int, int]]) -> None:
        asyncio.run_coroutine_threadsafe(_run(env, manual_clock, steps), loop).result(timeout=300)

    await asyncio.to_thread(check)
