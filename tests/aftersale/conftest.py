"""Fixtures for the tests after the award: the auction engine's (a ManualClock, staff, müdür, lots, sales,
bids) plus a buyer with a registered phone and the `file:` SMS sink the codes are read back from."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from auction import clock
from auction.users.models import User
from tests.conftest import Actor
from tests.engine import Env, env, make_actor, manager, manual_clock, z  # noqa: F401 - the engine fixtures


@pytest.fixture
def sms_file(runtime: Any, tmp_path: Path) -> Path:
    path = tmp_path / "sms.jsonl"
    runtime.settings = runtime.settings.model_copy(update={"sms": f"file:{path}"})
    return path


def last_code(path: Path, to: str | None = None) -> str:
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    if to is not None:
        lines = [x for x in lines if x["to"] == to]
    assert lines, "no SMS was sent"
    return str(lines[-1]["code"])


def sms_lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


async def set_phone(runtime: Any, actor: Actor, phone: str) -> None:
    async with runtime.db.session() as s:
        await s.execute(update(User).where(User.id == actor.user.id).values(phone=phone))


def calm_week(mc: clock.ManualClock) -> None:
    """Set the clock so that `win` closes round 1 on Tuesday 2027-04-13 10:00 and posts on Wednesday: no
    holiday near, the fesih window (Tue 04-20 17:00) ends a day before the payment deadline (Wed 04-21)."""
    from auction.calendar import ISTANBUL

    mc.set(datetime(2027, 3, 21, 10, 0, tzinfo=ISTANBUL))


def at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass
class Won:
    lot: dict[str, Any]
    sale: dict[str, Any]
    buyer: Actor
    other: Actor
    price: str

    @property
    def sale_id(self) -> int:
        return int(self.sale["id"])


async def win(ctx: Env, mc: clock.ManualClock, *, appraised: str = "2350000.00", kind: str = "tasinmaz",
              price: str | None = None, phone: str = "+905321234567", lot_extra: dict[str, Any] | None = None,
              round_: int = 1, before_post: Any = None, **sale_body: Any) -> Won:
    """A sale awarded under the law ruleset: ilan now, round 1 sixteen days later; two bidders with
    teminat; the buyer's bid is `price` (default the opening price + 2 increments); the closer closes the
    round, the müdür reviews the outage report and posts the tutanak. `round_=2`: round 1 ends with no
    bids first, round 2 is won."""
    extra = dict(lot_extra if lot_extra is not None else
                 {"net_area_m2": "95", "permit_date": "2019-05-10"} if kind == "tasinmaz" else {})
    lot = await ctx.lot(appraised, kind=kind, **extra)
    start = clock.now() + timedelta(days=16)
    sale = await ctx.sale(lot["id"], first_round_start=z(start), **sale_body)
    if round_ == 2:
        mc.set(start + timedelta(seconds=1))
        await ctx.tick()
        mc.set(at(sale["rounds"][0]["ends_at"]) + timedelta(seconds=1))
        await ctx.tick()
        mc.advance(hours=20)
        await _post(ctx, sale["id"])
        start = at(sale["rounds"][1]["starts_at"])
    mc.set(start + timedelta(seconds=1))
    assert await ctx.tick() >= 1
    other = await ctx.bidder(lot["id"])
    buyer = await ctx.bidder(lot["id"])
    await set_phone(ctx.runtime, buyer, phone)
    opening = sale["opening_price"]
    r = await ctx.bid(other, lot["id"], opening)
    assert r.status_code == 201, r.text
    from decimal import Decimal

    amount = price or str(Decimal(opening) + 2 * Decimal(sale["min_increment"]))
    r = await ctx.bid(buyer, lot["id"], amount)
    assert r.status_code == 201, r.text
    if before_post is not None:
        await before_post(lot, sale, buyer)
    mc.set(at(sale["rounds"][round_ - 1]["ends_at"]) + timedelta(seconds=1))
    await ctx.tick()
    mc.advance(hours=20)
    await _post(ctx, sale["id"])
    got = (await ctx.client.get(f"/api/v1/sales/{sale['id']}", headers=ctx.staff.headers)).json()
    assert got["status"] == "awarded", got
    return Won(lot, got, buyer, other, amount)


async def _post(ctx: Env, sale_id: int) -> None:
    r = await ctx.client.post(f"/api/v1/sales/{sale_id}/outage-report/review", headers=ctx.manager.headers)
    assert r.status_code == 200, r.text
    r = await ctx.client.post(f"/api/v1/sales/{sale_id}/tutanak/post", headers=ctx.manager.headers)
    assert r.status_code == 200, r.text


async def aftersale(ctx: Env) -> int:
    from workers.aftersale import AftersaleWorker

    return await AftersaleWorker(ctx.runtime).run_once()


async def pay(ctx: Env, buyer: Actor, sale_id: int, amount: str, sms: Path, key: str | None = None) -> dict[str, Any]:
    headers = dict(buyer.headers)
    if key:
        headers["Idempotency-Key"] = key
    r = await ctx.client.post(f"/api/v1/sales/{sale_id}/payments", headers=headers, json={"amount": amount})
    assert r.status_code == 201, r.text
    payment = r.json()
    code = last_code(sms)
    r = await ctx.client.post(f"/api/v1/payments/{payment['payment_id']}/confirm", headers=buyer.headers,
                              json={"code": code})
    assert r.status_code == 200, r.text
    return r.json()


async def settlement(ctx: Env, actor: Actor, sale_id: int) -> dict[str, Any]:
    r = await ctx.client.get(f"/api/v1/sales/{sale_id}/settlement", headers=actor.headers)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
async def no_pdf() -> AsyncIterator[None]:
    """Skip WeasyPrint in tests that do not look at PDFs (the worker renders each document)."""
    from workers import aftersale as w

    original = w.AftersaleWorker.render_pdfs

    async def none(self: Any) -> int:
        return 0

    w.AftersaleWorker.render_pdfs = none  # type: ignore[method-assign]
    yield
    w.AftersaleWorker.render_pdfs = original  # type: ignore[method-assign]
