"""Two postings of one tutanak at the same moment (two müdür clicks, two tabs, a retry): exactly one
decides the sale; the other is refused with a 409 and changes nothing - one award, one `sale.won`, the
losers' teminat released once. PostgreSQL: real concurrency on two connections."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from auction import clock
from auction.audit.models import AuditEntry
from auction.deposits.models import Refund
from auction.events.models import OutboxEvent
from auction.sales.models import Round
from tests.faults.support import open_round_now

pytestmark = pytest.mark.postgres


async def test_two_postings_at_once_decide_the_sale_once(env, settings):
    lot_id, round_id, (a, b, c) = await open_round_now(env, settings, 3)
    for who in (a, b, c):
        r = await env.bid(who, lot_id, (await env.get_lot(lot_id))["min_next_bid"])
        assert r.status_code == 201, r.text
    async with env.runtime.db.session() as s:  # the close passed a second ago, by the database's clock
        e = await clock.decisive_now(s) - timedelta(seconds=1)
        await s.execute(update(Round).where(Round.id == round_id).values(
            scheduled_end=e, ends_at=e, window_start=e, first_extension_end=e, cap_at=e))
        sale_id = (await s.get(Round, round_id)).sale_id
    assert await env.tick() == 1  # closed, tutanak drafted
    r = await env.client.post(f"/api/v1/sales/{sale_id}/outage-report/review", headers=env.manager.headers)
    assert r.status_code == 200, r.text  # the müdür has looked at the outage report

    barrier = asyncio.Barrier(2)

    async def post() -> int:
        await barrier.wait()
        r = await env.client.post(f"/api/v1/sales/{sale_id}/tutanak/post", headers=env.manager.headers)
        return r.status_code if r.status_code == 200 else r.json()["error"]["code"]

    outcomes = await asyncio.gather(post(), post())
    assert outcomes.count(200) == 1, outcomes  # both outcomes: one decides, the other is refused
    assert any(o in ("tutanak_already_posted", "invalid_state") for o in outcomes), outcomes
    async with env.runtime.db.session() as s:
        won = await s.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.type == "sale.won"))
        posted = await s.scalar(select(func.count()).select_from(AuditEntry)
                                .where(AuditEntry.action == "tutanak.posted"))
        refunds = (await s.scalars(select(Refund.status).where(Refund.sale_id == sale_id))).all()
    assert won == 1 and posted == 1
    assert sorted(refunds) == ["due", "due"]  # a's and b's teminat, released once; c won
