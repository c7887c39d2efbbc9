"""A worker is a loop that claims work from the database, does it, and sleeps until its next poll or a
wake-up message. State lives in the database (never in the loop), so a worker killed at any point is
simply restarted and finds its work again; several copies may run at once because each claims rows with
`FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite has a single writer)."""

from __future__ import annotations

from abc import ABC, abstractmethod

from auction.runtime import Runtime


class Worker(ABC):
    name: str = "worker"
    # Seconds between polls when there is nothing to do.
    interval: float = 1.0
    # Broker channel whose messages wake the worker early (after-commit hooks publish to it).
    wake_channel: str | None = None

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    @abstractmethod
    async def run_once(self) -> int:
        """Do one batch of work; return how many items were handled (>0 means: look again at once)."""

    async def close(self) -> None:
        """Stop what the worker runs beside its loop (tasks in flight); the supervisor calls it on stop."""
        return None  # most workers run nothing beside their loop
