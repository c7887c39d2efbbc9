"""Fixtures for the cetvel of a sale: the after-the-award fixtures, and a sale taken to `distributing`
with two pledgees on its lot, a party for each creditor and one for the borçlu."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import update

from auction.users.models import User
from tests.aftersale.conftest import (  # noqa: F401 - the fixtures
    aftersale,
    at,
    no_pdf,
    pay,
    settlement,
    sms_file,
    win,
)
from tests.aftersale.test_finality_handover import _final
from tests.conftest import Actor
from tests.engine import Env, env, make_actor, manager, manual_clock, z  # noqa: F401 - the engine fixtures

IBANS = ["TR330006100519786457841326", "TR320010009999901234567890", "TR960006200000000006295467"]


@dataclass
class Distributing:
    sale_id: int
    case_id: int
    lot_id: int
    price: str
    creditors: list[int]  # the file's creditor ids (degree 1, degree 2)
    parties: list[Actor]  # a party for each creditor
    debtor: Actor


async def set_iban(runtime: Any, actor: Actor, iban: str | None) -> None:
    async with runtime.db.session() as s:
        await s.execute(update(User).where(User.id == actor.user.id).values(iban=iban))


async def distributing(ctx: Env, mc: Any, sms: Any, *, ibans: bool = True, mahsup: bool = False) -> Distributing:
    """`mahsup`: the buyer is the 1st-degree pledgee and buys against its claim (A-57), declared before the
    tutanak, so it pays the price less its net share."""
    async def pledges(lot: dict[str, Any], sale: dict[str, Any], buyer: Actor) -> None:
        ids = []
        for name, degree, limit, claim in (("Banka A.Ş.", 1, "500000.00", "400000.00"),
                                           ("Finans Ltd.", 2, "300000.00", "300000.00")):
            body = {"name": name, "kind": "rehin", "claim_total": claim}
            if mahsup and degree == 1:
                body["user_id"] = buyer.user.id
            r = await ctx.client.post(f"/api/v1/cases/{lot['case_id']}/creditors", headers=ctx.staff.headers,
                                      json=body)
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
            r = await ctx.client.post(f"/api/v1/lots/{lot['id']}/pledges", headers=ctx.staff.headers, json={
                "creditor_id": r.json()["id"], "degree": degree, "limit_amount": limit, "claim_amount": claim})
            assert r.status_code == 201, r.text
        holder["ids"] = ids
        holder["case_id"] = lot["case_id"]
        if mahsup:
            r = await ctx.client.post(f"/api/v1/sales/{sale['id']}/mahsup", headers=ctx.staff.headers,
                                      json={"user_id": buyer.user.id, "creditor_id": ids[0]})
            assert r.status_code == 201, r.text

    holder: dict[str, Any] = {}
    won, _ = await _final(ctx, mc, sms, before_post=pledges)
    sid = won.sale_id
    r = await ctx.client.post(f"/api/v1/sales/{sid}/finality", headers=ctx.staff.headers)
    assert r.status_code == 200, r.text
    st = await settlement(ctx, won.buyer, sid)
    await pay(ctx, won.buyer, sid, st["due_now"], sms)
    parties = []
    for i, cid in enumerate(holder["ids"]):
        p = await ctx.make_actor("party")
        r = await ctx.client.post(f"/api/v1/cases/{holder['case_id']}/parties", headers=ctx.staff.headers,
                                  json={"user_id": p.user.id, "capacity": "alacakli", "creditor_id": cid})
        assert r.status_code == 201, r.text
        if ibans:
            await set_iban(ctx.runtime, p, IBANS[i])
        parties.append(p)
    debtor = await ctx.make_actor("party")
    r = await ctx.client.post(f"/api/v1/cases/{holder['case_id']}/parties", headers=ctx.staff.headers,
                              json={"user_id": debtor.user.id, "capacity": "borclu"})
    assert r.status_code == 201, r.text
    if ibans:
        await set_iban(ctx.runtime, debtor, IBANS[2])
    r = await ctx.client.post(f"/api/v1/sales/{sid}/handover", headers=ctx.staff.headers,
                              json={"mode": "tapu_letter_sent"})
    assert r.status_code == 200 and r.json()["status"] == "distributing", r.text
    return Distributing(sid, holder["case_id"], int(won.lot["id"]), won.price, holder["ids"], parties, debtor)
