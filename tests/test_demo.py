"""`esatis serve --demo`: the demo data loads once, and every demo login works."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from auction import clock
from auction.demo import DEMO_LOGINS, load_demo
from auction.disbursement import service as disbursement
from auction.lots.models import Lot
from auction.sales.models import Sale
from auction.users import service as users
from auction.users.models import User


async def test_demo_loads_once(runtime):
    first = await load_demo(runtime)
    second = await load_demo(runtime)
    assert first.created
    assert not second.created
    async with runtime.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Lot)) >= 5
        for login in DEMO_LOGINS:
            user = await users.authenticate(s, login.email, login.password)
            assert user.role == login.role


async def _as(session, email):
    user = await session.scalar(select(User).where(User.email == email))
    assert user is not None, email
    return users.principal_for(user, via="cli")


async def test_the_demo_forklift_is_paid_out_and_its_sale_closed(runtime):
    """The walk a user makes on the demo's forklift (docs/distribution.md): serve, finalise after the window,
    prepare as staff, approve as the müdür, export the bank file — the sale closes, with no IBAN to add by
    hand: the file's creditor is followed by its lawyer and the borçlu by himself, both with an IBAN."""
    await load_demo(runtime)
    async with runtime.db.session() as s:
        staff = await _as(s, "personel@esatis.test")
        mudur = await _as(s, "mudur@esatis.test")
        sale = await s.scalar(select(Sale).join(Lot, Lot.id == Sale.lot_id).where(
            Lot.title.startswith("2020 model akülü forklift"), Sale.status == "distributing"))
        assert sale is not None
        did = (await disbursement.of_sale(s, staff, sale.id))["distribution_id"]
        served = await disbursement.serve(s, runtime, staff, did)
        assert served.objection_until is not None
        until = served.objection_until
    previous = clock.set_clock(clock.ManualClock(max(until, datetime.now(UTC)) + timedelta(seconds=1)))
    try:
        async with runtime.db.session() as s:
            await disbursement.finalise(s, mudur, did)
        await _pay_out(runtime, staff, mudur, did, sale.id)
    finally:
        clock.set_clock(previous)


async def _pay_out(runtime, staff, mudur, did, sale_id):
    async with runtime.db.session() as s:
        prepared = await disbursement.prepare(s, runtime, staff, did)
        assert [p.party for p in prepared if p.channel == "eft" and not p.iban] == []
        kinds = {p.kind for p in prepared}
        assert {"creditor", "surplus"} <= kinds, kinds
    async with runtime.db.session() as s:
        for p in prepared:
            await disbursement.approve(s, mudur, p.id)
    async with runtime.db.session() as s:
        f = await disbursement.export(s, runtime, staff, did)
        assert f.count >= 3
    async with runtime.db.session() as s:
        assert (await s.get(Sale, sale_id)).status == "closed"
