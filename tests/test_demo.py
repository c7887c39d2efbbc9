"""`esatis serve --demo`: the demo data loads once, and every demo login works."""

from sqlalchemy import func, select

from auction.demo import DEMO_LOGINS, load_demo
from auction.lots.models import Lot
from auction.users import service as users


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
