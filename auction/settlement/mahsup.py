"""Alacağa mahsuben (A-57, İİK 134/8, 118/1, 130): a creditor that buys pays in cash only what it would
not itself receive from this price.

UNCERTAIN(OP-21) `mahsup.formula` = `price_minus_net_payout`: `cash_due = price − net_payout_c`, where
`net_payout_c` is the creditor's net payout (share − tahsil harcı − cezaevi harcı) in the draft
distribution computed with this price by the distribution engine, on the case the file's records give
(auction.cetvel.case_from_file). If the final cetvel differs, the difference is collected or refunded
then (the distribution's business). Ex 5: price 1,982,000.00, net payout 1,230,004.00 → 751,996.00.

Whose share the file gives: a pledgee's, and since the file records hacizler (issue 12) a haciz, kamu haczi
or takipsiz creditor's on this lot as well — its derece and sıra follow from those records, and A-57 asks
only for "the draft distribution computed with this price". Before the price is paid the paid-in day is
unknown, so the draft takes the ihale date (a later haciz cannot join an earlier derece in it); the final
cetvel settles any difference, as A-57 says. Refused:
- a creditor with neither a pledge nor a haciz on this lot (nothing in this price is its own);
- an ihtiyati haciz creditor: its share is reserved, not paid, until the haciz becomes final (contract
  step 7), so there is nothing it "would itself receive" from this price yet to set off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction.cases.models import Creditor
from auction.cetvel.case_from_file import FileCase, sale_case
from auction.deposits.models import Exemption
from auction.distribution.errors import InvalidCase
from auction.distribution.service import run
from auction.rules.policy import Policy
from auction.sales.deadlines import sale_policy
from auction.sales.models import Sale
from auction.settlement.errors import MahsupNotComputable
from auction.settlement.models import MahsupDeclaration

SUPPORTED_FORMULA = "price_minus_net_payout"


@dataclass(frozen=True)
class Mahsup:
    creditor_id: int
    creditor_name: str
    share: Decimal
    tahsil_harci: Decimal
    cezaevi_harci: Decimal
    net_payout: Decimal
    refs: list[str] = field(default_factory=list)
    omitted: list[str] = field(default_factory=list)


async def declared_creditor(session: AsyncSession, sale: Sale, user_id: int | None) -> int | None:
    """The creditor the buyer bought for against its claim: a mahsup declaration, or a teminat exemption
    recorded as `mahsuben` (A-53 / A-57) with its creditor."""
    if user_id is None:
        return None
    declared = await session.scalar(select(MahsupDeclaration.creditor_id).where(
        MahsupDeclaration.sale_id == sale.id, MahsupDeclaration.user_id == user_id))
    if declared is not None:
        return int(declared)
    exempt = await session.scalar(select(Exemption.creditor_id).where(
        Exemption.sale_id == sale.id, Exemption.user_id == user_id, Exemption.mahsuben.is_(True),
        Exemption.creditor_id.is_not(None)))
    return int(exempt) if exempt is not None else None


async def mahsup_for(session: AsyncSession, sale: Sale, policy: Policy) -> Mahsup | None:
    """The buyer's mahsup, or None when it bought for cash. Raises `MahsupNotComputable` when the file's
    records cannot give the creditor's share (no pledge or haciz on this lot: see case_from_file) or the share
    is reserved (ihtiyati haciz)."""
    creditor_id = await declared_creditor(session, sale, sale.winner_user_id)
    if creditor_id is None or sale.price is None:
        return None
    formula = sale_policy(sale, policy, "mahsup.formula")
    if formula.value != SUPPORTED_FORMULA:
        raise MahsupNotComputable(f"mahsup.formula={formula.value!r} desteklenmiyor.", details={"rule": formula.ref})
    creditor = await session.get(Creditor, creditor_id)
    assert creditor is not None
    fc: FileCase = await sale_case(session, sale)
    case_id = fc.case_id_of(creditor_id)
    if case_id is None:
        reasons = [o.reason for o in fc.omitted if o.record == f"creditor:{creditor_id}"]
        raise MahsupNotComputable(details={"creditor_id": creditor_id, "omitted": reasons})
    try:
        result = run(fc.payload, policy=policy, explain=True)
    except InvalidCase as exc:
        raise MahsupNotComputable(details={"problems": [p.message for p in exc.problems]}) from None
    alloc = next(a for a in result.allocations if a.creditor.id == case_id)
    if alloc.status == "reserved":
        raise MahsupNotComputable("İhtiyati haciz alacaklısının payı kesinleşene kadar bankada tutulur; alacağa "
                                  "mahsuben alımda nakit yerine sayılamaz.",
                                  details={"creditor_id": creditor_id, "status": alloc.status})
    base = f"allocations[{case_id}]"
    refs = sorted({r for e in result.explain if e["path"].startswith(base) or e["path"].startswith("deductions")
                   for r in (*e["rules"], *e["refs"])})
    return Mahsup(creditor_id=creditor_id, creditor_name=creditor.name, share=alloc.share,
                  tahsil_harci=alloc.tahsil_harci, cezaevi_harci=alloc.cezaevi_harci, net_payout=alloc.net_payout,
                  refs=["A-57", formula.ref, *refs], omitted=[f"{o.name}: {o.reason}" for o in fc.omitted])
