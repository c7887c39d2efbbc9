"""Nema in the sale's cetvel (D-61 … D-65, OP-43, `nema.policy` = `by_reason`).

Which held money earns nema, and for whom, by the reason it is held (D-65):
- `ihale_feshi`: while an ihalenin feshi complaint was pending the price sat in a nema account (A-83);
  on rejection the bank's figure (`fesih_applications.nema_amount`, net of its withholding tax, recorded
  with the court's decision)
  follows the price to whoever is entitled, "the creditors through the distribution" (D-62). The cetvel
  shares it pro rata to each entitled line of the sale's run (each creditor's share, the borçlu's surplus;
  every part was held the same days), largest remainder; no harç is withheld from it and no cost or
  treasury line earns it (UNCERTAIN(OP-43)). A creditor's nema line has the same `ref` and reservation as
  its share, so an objection or an ihtiyati reserve holds both.
- `sira_itiraz` (money held because the cetvel is disputed): no nema for the creditors; any interest is
  the Hazine's (D-63), outside the cetvel: nothing enters the lines.
- `ihtiyati_reserve`: no nema account by default (D-65): nothing enters the lines.
The annulled case (the nema goes back to the buyer with the price, S-16) never reaches a cetvel.

Nema lines are keyed `nema:…`; the version's `distributed` is price + forfeited teminat + nema.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from auction.aftersale.models import FesihApplication
from auction.money import ZERO, pro_rata
from auction.runtime import Runtime
from auction.sales.deadlines import sale_policy
from auction.sales.models import Sale

PREFIX = "nema:"


async def of_sale(session: AsyncSession, runtime: Runtime, sale: Sale) -> tuple[Decimal, str | None]:
    """The nema that follows the price into the cetvel (D-62), and the policy row's reference."""
    policy = sale_policy(sale, runtime.policy, "nema.policy")
    if policy.value != "by_reason":
        return ZERO, policy.ref
    total = await session.scalar(select(func.coalesce(func.sum(FesihApplication.nema_amount), 0)).where(
        FesihApplication.sale_id == sale.id, FesihApplication.status == "rejected"))
    return Decimal(total or 0).quantize(Decimal("0.01")), policy.ref


def lines(nema: Decimal, sale_lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """D-62 / D-65: the nema of the held price, pro rata to the entitled lines of the sale's run."""
    if nema <= ZERO:
        return []
    weights: dict[str, Decimal] = {}
    first: dict[str, dict[str, Any]] = {}
    for x in sale_lines:
        if x["kind"] in ("creditor", "harc"):
            who = f"creditor:{x['ref']}"
        elif x["kind"] == "surplus":
            who = "surplus"
        else:
            continue
        weights[who] = weights.get(who, ZERO) + x["amount"]
        if x["kind"] != "harc":
            first.setdefault(who, x)
    entitled = [k for k in weights if weights[k] > ZERO and k in first]
    if not entitled:
        # Nobody entitled in the run (every line a cost): the borçlu's, as any surplus would be (D-49).
        return [{"key": PREFIX + "surplus", "kind": "surplus", "ref": None, "creditor_id": None,
                 "name": "Borçlu (nema)", "amount": nema, "reserved": False, "rules": ["D-62", "D-65", "OP-43"]}]
    shares = pro_rata(nema, [weights[k] for k in entitled])
    out = []
    for k, amount in zip(entitled, shares, strict=True):
        base = first[k]
        out.append({"key": PREFIX + base["key"], "kind": base["kind"], "ref": base["ref"],
                    "creditor_id": base["creditor_id"], "name": f"{base['name']} (nema)", "amount": amount,
                    "reserved": base["reserved"], "rules": ["D-62", "D-65", "OP-43"]})
    return out
