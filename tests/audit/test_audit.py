"""The audit log: one append-only row per state change."""

import pytest
from sqlalchemy import func, select, text

from auction.audit.models import AuditEntry


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
