"""D-60 / OP-44: the teminat forfeited from a defaulting buyer (S-13, `auction/aftersale/default.py`) is part
of the money the sale's cetvel shares.

The default left `forfeitures` rows: each teminat split into `costs_part` (the satış masrafları C, paid
first, A-70) and `rest_part` (for the hak sahipleri). The cetvel shares it by the D-60 default method: the
engine in its `forfeit` mode (no buyer settlement, no tapu harcı, tahsil harcı at `forfeit.tahsil_rate`)
on the forfeited amount, its costs the part of C the teminat paid, the same creditors; the sale's own
run then deducts only the part of C the teminat did not pay, so C is deducted once over both runs.

The two runs' lines sit in one version: the forfeit run's keys are prefixed `forfeit:` (a creditor's
`ref` stays its case id, so an objection against a creditor holds both of its lines). The version's
`distributed` is price + forfeited teminat, and the invariant holds the lines of both runs against it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction.aftersale.models import Forfeiture
from auction.calendar import local_date
from auction.cetvel.case_from_file import COST_C_ID
from auction.money import ZERO, fmt

PREFIX = "forfeit:"


@dataclass(frozen=True)
class Forfeited:
    ids: list[int]
    amount: Decimal  # every forfeited teminat of the sale
    costs_paid: Decimal  # the part of C they paid
    day: str  # the day the teminat was forfeited (the cancelled ihale's payment deadline)


async def of_sale(session: AsyncSession, sale_id: int) -> Forfeited | None:
    rows = list((await session.scalars(select(Forfeiture).where(Forfeiture.sale_id == sale_id)
                                       .order_by(Forfeiture.id))).all())
    if not rows:
        return None
    return Forfeited(ids=[f.id for f in rows], amount=sum((f.amount for f in rows), ZERO),
                     costs_paid=sum((f.costs_part for f in rows), ZERO),
                     day=min(local_date(f.created_at) for f in rows).isoformat())


async def mark_distributed(session: AsyncSession, sale_id: int) -> list[int]:
    """S-24 with D-60: once the cetvel is paid, the forfeited teminat the sale held is `distributed`."""
    rows = list((await session.scalars(select(Forfeiture).where(Forfeiture.sale_id == sale_id,
                                                                Forfeiture.status == "held"))).all())
    for f in rows:
        f.status = "distributed"
    return [f.id for f in rows]


def without_paid_costs(case: dict[str, Any], costs_paid: Decimal) -> dict[str, Any]:
    """The sale's case with C reduced by what the forfeited teminat already paid (never below zero)."""
    if costs_paid <= ZERO:
        return case
    out = copy.deepcopy(case)
    costs = []
    for c in out.get("costs", []):
        if c.get("id") == COST_C_ID:
            left = Decimal(c["amount"]) - costs_paid
            if left <= ZERO:
                continue
            c = {**c, "amount": fmt(left), "label": f"{c.get('label') or COST_C_ID} (teminattan ödenen düşüldü)"}
        costs.append(c)
    out["costs"] = costs
    return out


def forfeit_case(sale_case: dict[str, Any], f: Forfeited) -> dict[str, Any]:
    """D-60: the engine's `forfeit` case: the forfeited amount as price, the C it paid as costs, the same
    creditors. UNCERTAIN(OP-44): their claims as the sale's case states them, to the sale's date (the file
    holds claim totals, not dated interest, so the cancelled ihale's date would change nothing today)."""
    case: dict[str, Any] = {
        "mode": "forfeit", "sale_date": sale_case["sale_date"], "paid_in_date": sale_case["paid_in_date"],
        "price": fmt(f.amount),
        "asset": copy.deepcopy(sale_case["asset"]),
        "costs": ([{"id": COST_C_ID, "label": "Satış masrafları (irat kaydedilen teminattan, A-70)",
                    "amount": fmt(f.costs_paid)}] if f.costs_paid > ZERO else []),
        "creditors": copy.deepcopy(sale_case.get("creditors", [])),
    }
    return case


def after_forfeit(sale_case: dict[str, Any], forfeit_result: dict[str, Any]) -> dict[str, Any]:
    """The sale's case with what the forfeit run gave each creditor (its share, harç included) as a payment
    on its claim, dated the sale's date: the sale's run then pays only what is still owed."""
    shares = {a["creditor_id"]: Decimal(a["share"]) for a in forfeit_result.get("allocations", [])
              if Decimal(a["share"]) > ZERO}
    if not shares:
        return sale_case
    out = copy.deepcopy(sale_case)
    for c in out.get("creditors", []):
        got = shares.get(c.get("id"))
        if got is not None and isinstance(c.get("claim"), dict):
            c["claim"]["payments"] = [*c["claim"].get("payments", []),
                                      {"date": sale_case["sale_date"], "amount": fmt(got)}]
    return out


def prefixed(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The forfeit run's lines, keyed apart from the sale run's and named as coming from the teminat."""
    return [{**x, "key": PREFIX + x["key"], "name": f"{x['name']} (irat kaydedilen teminat)",
             "rules": [*x["rules"], "D-60"]} for x in lines]
