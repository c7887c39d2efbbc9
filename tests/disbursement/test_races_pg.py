"""Real races on PostgreSQL (READ COMMITTED, separate connections, both sides released from a barrier just
before the decisive write): two müdürs, neither the one who prepared it, approve the same payout at once.
Exactly one approval wins; the other gets `payout_state`; one audit row. The test shows both reached the
write."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from auction.audit.models import AuditEntry
from auction.disbursement import payouts
from auction.disbursement.models import Payout
from auction.errors import DomainError
from auction.runtime import Runtime
from auction.users import service as users
from tests.disbursement.conftest import at, distributing
from tests.disbursement.test_cetvel_flow import _second_manager

pytestmark = [pytest.mark.postgres]


async def test_two_managers_approving_one_payout_exactly_one_wins(env, manual_clock, runtime, settings, sms_file,
                                                                   no_pdf, monkeypatch):
    d = await distributing(env, manual_clock, sms_file)
    c = (await env.client.get(f"/api/v1/sales/{d.sale_id}/distribution", headers=env.staff.headers)).json()
    did = c["distribution_id"]
    r = await env.client.post(f"/api/v1/distributions/{did}/serve", headers=env.staff.headers)
    manual_clock.set(at(r.json()["objection_until"]) + timedelta(seconds=1))
    r = await env.client.post(f"/api/v1/distributions/{did}/finalise", headers=env.manager.headers)
    assert r.json()["status"] == "final", r.text
    r = await env.client.post(f"/api/v1/distributions/{did}/payouts", headers=env.staff.headers)
    payout_id = next(p["id"] for p in r.json() if p["kind"] == "creditor")
    second = await _second_manager(env)

    race = Runtime.from_settings(settings.model_copy(update={"rate_limits": "off", "db_pool_size": 6}))
    await race.start()
    barrier = asyncio.Barrier(2)
    reached: list[int] = []
    real = payouts.approve_write

    async def gated(session: Any, pid: int, user_id: int, now: Any) -> bool:
        reached.append(user_id)
        await barrier.wait()  # both approvers passed every check; now they race for the row
        return await real(session, pid, user_id, now)

    monkeypatch.setattr(payouts, "approve_write", gated)

    async def approve(user: Any) -> str:
        principal = users.principal_for(user, via="token")
        try:
            async with race.db.session() as s:
                p = await payouts.approve(s, principal, payout_id)
            return f"approved by {p.approved_by}"
        except DomainError as exc:
            return exc.code

    try:
        outcomes = await asyncio.gather(approve(env.manager.user), approve(second.user))
    finally:
        await race.stop()
    print(f"\ntwo müdürs approving payout {payout_id}: {outcomes}")
    assert sorted(reached) == sorted([env.manager.user.id, second.user.id])  # both ran up to the write
    assert sorted(o.startswith("approved by") for o in outcomes) == [False, True]
    assert "payout_state" in outcomes
    async with runtime.db.session() as s:
        p = await s.get(Payout, payout_id)
        audits = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "payout.approved",
                                                           AuditEntry.entity_id == str(payout_id)))).all()
    assert p is not None and p.status == "approved"
    assert f"approved by {p.approved_by}" in outcomes
    assert len(audits) == 1


async def test_two_exports_at_once_send_each_payout_once(env, manual_clock, runtime, settings, sms_file, no_pdf,
                                                         monkeypatch):
    """Two staff click "send" at once: both reach the cetvel's lock; one file holds every approved payout,
    the other export finds nothing (`nothing_to_pay`); one `payout.sent` per payout; the sale closes once."""
    from auction.disbursement import service, views
    from auction.events.models import OutboxEvent

    d = await distributing(env, manual_clock, sms_file)
    c = (await env.client.get(f"/api/v1/sales/{d.sale_id}/distribution", headers=env.staff.headers)).json()
    did = c["distribution_id"]
    r = await env.client.post(f"/api/v1/distributions/{did}/serve", headers=env.staff.headers)
    manual_clock.set(at(r.json()["objection_until"]) + timedelta(seconds=1))
    await env.client.post(f"/api/v1/distributions/{did}/finalise", headers=env.manager.headers)
    prepared = (await env.client.post(f"/api/v1/distributions/{did}/payouts", headers=env.staff.headers)).json()
    for p in prepared:
        r = await env.client.post(f"/api/v1/payouts/{p['id']}/approve", headers=env.manager.headers)
        assert r.status_code == 200, r.text
    second = await env.make_actor("staff", (await _office_code(env)))

    race = Runtime.from_settings(settings.model_copy(update={"rate_limits": "off", "db_pool_size": 6}))
    await race.start()
    barrier = asyncio.Barrier(2)
    reached: list[int] = []
    real = views.lock

    async def gated(session: Any, cetvel: Any) -> Any:
        reached.append(cetvel.id)
        await barrier.wait()
        return await real(session, cetvel)

    monkeypatch.setattr(views, "lock", gated)

    async def export(user: Any) -> str:
        principal = users.principal_for(user, via="token")
        try:
            async with race.db.session() as s:
                f = await service.export(s, race, principal, did)
            return f"file {f.count}"
        except DomainError as exc:
            return exc.code

    try:
        outcomes = await asyncio.gather(export(env.staff.user), export(second.user))
    finally:
        await race.stop()
    print(f"\ntwo exports at once: {outcomes}")
    assert reached == [did, did]
    assert sorted(outcomes) == sorted([f"file {len(prepared)}", "nothing_to_pay"])
    async with runtime.db.session() as s:
        sent = (await s.scalars(select(OutboxEvent).where(OutboxEvent.type == "payout.sent"))).all()
    assert sorted(e.data["payout_id"] for e in sent) == sorted(p["id"] for p in prepared)
    sale = (await env.client.get(f"/api/v1/sales/{d.sale_id}", headers=env.staff.headers)).json()
    assert sale["status"] == "closed"


async def _office_code(env):
    from auction.users.models import Office

    async with env.runtime.db.session() as s:
        return (await s.scalars(select(Office.code).order_by(Office.id))).first()
