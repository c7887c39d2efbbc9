"""Fixtures for the auction engine tests: a ManualClock, lots ready for sale, sales, deposits, workers.

Not a conftest: each test package that drives the engine imports the fixtures it uses in its own
conftest.py (tests/sales, tests/bidding, tests/deposits, tests/lots, tests/web, tests/web/live, tests/workers)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from auction import clock
from auction.calendar import ISTANBUL
from tests.conftest import Actor, MakeActor


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, ms: int = 0) -> datetime:
    """An Istanbul wall-clock time as aware UTC (the domain examples are in local time)."""
    return datetime(y, mo, d, h, mi, s, ms * 1000, tzinfo=ISTANBUL).astimezone(UTC)


def z(dt: datetime) -> str:
    return clock.iso_ms(dt)


@pytest.fixture
def make_actor(runtime: Any) -> MakeActor:
    """Like the suite's `make_actor`, with tokens valid for ten years: these tests move the clock."""
    from tests.conftest import actor_factory

    return actor_factory(runtime, timedelta(days=3650))


@pytest.fixture
def manual_clock() -> Iterator[clock.ManualClock]:
    mc = clock.ManualClock(datetime.now(UTC))
    previous = clock.set_clock(mc)
    yield mc
    clock.set_clock(previous)


@pytest.fixture
async def manager(office: Any, make_actor: MakeActor) -> Actor:
    return await make_actor("manager", office.code)


@dataclass
class Env:
    client: httpx.AsyncClient
    runtime: Any
    staff: Actor
    manager: Actor
    make_actor: MakeActor

    async def lot(self, appraised_value: str = "2350000.00", *, kind: str = "tasinmaz", final: bool = True,
                  **extra: Any) -> dict[str, Any]:
        case = await self.client.post("/api/v1/cases", headers=self.staff.headers, json={
            "file_no": f"2026/{id(extra) % 100000}-{datetime.now(UTC).timestamp()} Esas", "debtor": "Mert Yılmaz"})
        assert case.status_code == 201, case.text
        body = {"kind": kind, "title": "Kadıköy'de 3+1 daire", "appraised_value": appraised_value,
                "appraisal_final": final, "use": "konut" if kind == "tasinmaz" else "diger", **extra}
        if kind == "tasinir":
            body.setdefault("in_custody", True)
        r = await self.client.post(f"/api/v1/cases/{case.json()['id']}/lots", headers=self.staff.headers, json=body)
        assert r.status_code == 201, r.text
        return {**r.json(), "case_id": case.json()["id"]}

    async def sale(self, lot_id: int, **body: Any) -> dict[str, Any]:
        r = await self.client.post(f"/api/v1/lots/{lot_id}/sale", headers=self.staff.headers, json=body)
        assert r.status_code == 201, r.text
        return r.json()

    async def bidder(self, lot_id: int | None = None, *, deposit: bool = True) -> Actor:
        actor = await self.make_actor("bidder")
        if lot_id is not None and deposit:
            r = await self.client.post(f"/api/v1/lots/{lot_id}/deposits", headers=actor.headers, json={})
            assert r.status_code == 201, r.text
            assert r.json()["status"] == "confirmed"
        return actor

    async def bid(self, actor: Actor, lot_id: int, amount: str, key: str | None = None) -> httpx.Response:
        headers = dict(actor.headers)
        if key:
            headers["Idempotency-Key"] = key
        return await self.client.post(f"/api/v1/lots/{lot_id}/bids", headers=headers, json={"amount": amount})

    async def tick(self) -> int:
        """One pass of the round clock (opens and closes what is due)."""
        from workers.closer import RoundCloser

        return await RoundCloser(self.runtime).run_once()

    async def refunds(self) -> int:
        from workers.refunds import RefundWorker

        return await RefundWorker(self.runtime).run_once()

    async def documents(self) -> int:
        from workers.documents import DocumentsWorker

        return await DocumentsWorker(self.runtime).run_once()

    async def get_lot(self, lot_id: int) -> dict[str, Any]:
        r = await self.client.get(f"/api/v1/lots/{lot_id}")
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture
async def env(client: httpx.AsyncClient, runtime: Any, staff: Actor, manager: Actor, make_actor: MakeActor) -> Env:
    return Env(client, runtime, staff, manager, make_actor)


def money(value: str) -> Decimal:
    return Decimal(value)


def after(dt: datetime, **kw: float) -> datetime:
    return dt + timedelta(**kw)


async def open_lot(env: Env, mc: clock.ManualClock, appraised_value: str = "2350000.00",
                   **sale_body: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A lot whose round 1 is open (law ruleset): ilan at `mc`, round 1 sixteen days later, clock there."""
    lot = await env.lot(appraised_value)
    start = clock.now() + timedelta(days=16)
    sale = await env.sale(lot["id"], first_round_start=z(start), **sale_body)
    mc.set(start)
    assert await env.tick() == 1
    return lot, sale
