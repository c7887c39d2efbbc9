from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from auction import clock
from auction.sales import outage
from auction.users.models import ApiToken, WebSession
from workers.base import Worker


class Housekeeping(Worker):
    """Deletes browser sessions and API tokens that expired more than a day ago (they can no longer be
    used; the audit log keeps the record of their use), and alerts the müdür once about every round
    tutanak still unposted at the end of the first working day after the close (TM-14)."""

    name = "housekeeping"
    interval = 300.0

    async def run_once(self) -> int:
        cutoff = clock.now() - timedelta(days=1)
        async with self.runtime.db.session() as session:
            s = await session.execute(delete(WebSession).where(WebSession.expires_at < cutoff))
            t = await session.execute(delete(ApiToken).where(ApiToken.expires_at < cutoff))
        # Deleting is cheap and idempotent; never ask for an immediate second pass.
        _ = (getattr(s, "rowcount", 0) or 0) + (getattr(t, "rowcount", 0) or 0)
        await self.alert_overdue_tutanaks()
        return 0

    async def alert_overdue_tutanaks(self) -> int:
        """TM-14: one alert per overdue tutanak, claimed by a conditional update (two workers never
        alert twice)."""
        async with self.runtime.db.session() as session:
            return await outage.alert_overdue_tutanaks(session, self.runtime, clock.now())
