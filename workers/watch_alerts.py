"""Alerts that come from the clock rather than from an event: a watched lot's round ends within the hour
(auction/watch/alerts.py). The event-driven watch alerts ride the outbox relay."""

from __future__ import annotations

from auction import clock
from auction.watch.alerts import closing_soon
from workers.base import Worker


class WatchAlerts(Worker):
    name = "watch_alerts"
    # An hour's warning does not need to be punctual to the second.
    interval = 30.0

    async def run_once(self) -> int:
        async with self.runtime.db.session() as session:
            return await closing_soon(session, self.runtime.broker, clock.now())
