"""Fixtures for the webhook tests: a real HTTP receiver on 127.0.0.1, an admin, and a harness that runs
the outbox relay and the dispatcher by hand (the workers' own code, one pass at a time)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from auction.config import Settings
from auction.events import service as events
from auction.webhooks import ssrf
from auction.webhooks.policy import DeliveryPolicy, load_policy
from tests.conftest import Actor, MakeActor, make_settings

# The engine's fixtures: a ManualClock starting at the real time (receivers check it), tokens valid for ten
# years (these tests move the clock through retry schedules), a sale environment for the payload tests.
from tests.engine import env, make_actor, manager, manual_clock  # noqa: F401
from tests.webhooks.receiver import Receiver
from workers.outbox_relay import OutboxRelay
from workers.webhook_dispatcher import WebhookDispatcher

PUBLIC_URL = "https://esatis.example.test"


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    # Receivers run on 127.0.0.1, so private targets are allowed here; tests of the guard itself turn it
    # off on the harness's runtime settings.
    return make_settings(migrated_url, tmp_path, webhook_allow_private=True, rate_limits="off",
                         public_url=PUBLIC_URL)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = await Receiver().start()
    yield r
    await r.stop()


@pytest.fixture
def resolver() -> Iterator[dict[str, list[str]]]:
    """Names → addresses for the SSRF guard (the machine has no outside DNS); unknown names fail."""
    answers: dict[str, list[str]] = {}

    async def resolve(host: str, port: int) -> list[str]:
        if host not in answers:
            raise OSError(f"no such name: {host}")
        return list(answers[host])

    previous = ssrf.set_resolver(resolve)
    yield answers
    ssrf.set_resolver(previous)


@dataclass
class Harness:
    client: httpx.AsyncClient
    runtime: Any
    admin: Actor
    policy: DeliveryPolicy = field(default_factory=load_policy)
    _dispatcher: WebhookDispatcher | None = None

    @property
    def dispatcher(self) -> WebhookDispatcher:
        if self._dispatcher is None:
            self._dispatcher = WebhookDispatcher(self.runtime, self.policy)
        return self._dispatcher

    async def endpoint(self, url: str, events: tuple[str, ...] = ("sale.won",), **extra: Any) -> dict[str, Any]:
        r = await self.client.post("/api/v1/webhooks/endpoints", headers=self.admin.headers,
                                   json={"url": url, "events": list(events), **extra})
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def emit(self, type_: str, data: dict[str, Any], *, subject_id: int = 1) -> str:
        async with self.runtime.db.session() as s:
            event = events.emit(s, type_, data, subject_type="sale", subject_id=subject_id, office_id=None)
        return event.event_id

    async def relay(self) -> int:
        return await OutboxRelay(self.runtime).run_once()

    async def dispatch(self) -> int:
        """One dispatcher pass, then wait for the attempts it started."""
        n = await self.dispatcher.run_once()
        await self.dispatcher.drain()
        return n

    async def deliver(self) -> int:
        await self.relay()
        return await self.dispatch()

    async def log(self, endpoint_id: int) -> dict[str, Any]:
        r = await self.client.get(f"/api/v1/webhooks/endpoints/{endpoint_id}/deliveries", headers=self.admin.headers)
        assert r.status_code == 200, r.text
        return dict(r.json())

    async def get(self, endpoint_id: int) -> dict[str, Any]:
        r = await self.client.get(f"/api/v1/webhooks/endpoints/{endpoint_id}", headers=self.admin.headers)
        assert r.status_code == 200, r.text
        return dict(r.json())


@pytest.fixture
async def admin(make_actor: MakeActor) -> Actor:  # noqa: F811 - the engine's fixture, imported above
    return await make_actor("admin")


@pytest.fixture
async def hooks(client: httpx.AsyncClient, runtime: Any, admin: Actor) -> AsyncIterator[Harness]:
    h = Harness(client, runtime, admin)
    yield h
    if h._dispatcher is not None:
        await h._dispatcher.close()
