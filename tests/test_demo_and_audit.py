import pytest
from sqlalchemy import func, select, text

from auction.audit.models import AuditEntry
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


@pytest.mark.postgres
async def test_audit_log_is_append_only_in_postgres(runtime, staff):
    async with runtime.db.engine.connect() as conn:
        with pytest.raises(Exception, match="append-only"):
            await conn.execute(text("UPDATE audit_log SET action = 'x'"))
    async with runtime.db.engine.connect() as conn:
        with pytest.raises(Exception, match="append-only"):
            await conn.execute(text("DELETE FROM audit_log"))
    async with runtime.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(AuditEntry)) > 0
