"""Payout against a bank guarantee (D-43, İİK 142/a; OP-50): what the cetvel does with a line paid before
it was final, as its state moves.

- A line paid against a letter (its instruction sent while the line was `open` or `disputed`) is
  `paid_against_guarantee`; the office holds the letter (`held`).
- `settle`, after every re-assignment of line states (finalise, an objection decided, a correction): such a
  line stays `paid_against_guarantee` while it is not final; once it is final it is `paid` and the letter
  is released (returned to the creditor). A letter whose instruction was never sent is released as well
  once its line is final (the line is then paid the ordinary way).
- `release_cancelled`: a cancelled instruction returns its letter (nothing was paid against it).
- `refuse_upheld` (OP-50): an upheld objection against a line whose letter the office still holds is
  refused (409 `guarantee_to_be_called`): the müdür calls the letter first (`payouts.call_guarantee`: the
  instruction `recalled`, the line `disputed` again, the letter `called`), then records the decision; the
  corrected version (D-48) shares the price again as decided, and what the bank paid beyond the share
  (`called_interest`) follows as nema to the entitled lines (D-62).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction.audit import service as audit
from auction.disbursement.errors import GuaranteeToBeCalled
from auction.disbursement.models import Cetvel, CetvelLine, Objection, Payout, PayoutGuarantee
from auction.money import ZERO
from auction.users.principal import Principal

PAID_AGAINST_GUARANTEE = "paid_against_guarantee"
HELD = "held"


def ref_of(key: str) -> str:
    """The case creditor id of a guaranteed line (only `creditor:<cid>` lines are guaranteed)."""
    return key.split(":", 1)[1]


async def held_of(session: AsyncSession, cetvel_id: int) -> list[PayoutGuarantee]:
    return list((await session.scalars(select(PayoutGuarantee).where(
        PayoutGuarantee.cetvel_id == cetvel_id, PayoutGuarantee.status == HELD).order_by(PayoutGuarantee.id)
        .execution_options(populate_existing=True))).all())


async def called_interest(session: AsyncSession, cetvel_id: int) -> Decimal:
    """OP-50: the interest the called letters brought in (what the bank paid beyond the share taken)."""
    rows = (await session.scalars(select(PayoutGuarantee).where(PayoutGuarantee.cetvel_id == cetvel_id,
                                                                 PayoutGuarantee.status == "called"))).all()
    return sum(((g.called_amount or ZERO) - g.share for g in rows), ZERO)


async def of_cetvel(session: AsyncSession, cetvel_id: int) -> list[PayoutGuarantee]:
    return list((await session.scalars(select(PayoutGuarantee).where(PayoutGuarantee.cetvel_id == cetvel_id)
                                       .order_by(PayoutGuarantee.id))).all())


def _release(session: AsyncSession, actor: Principal | None, cetvel: Cetvel, g: PayoutGuarantee, reason: str,
             now: datetime) -> None:
    g.status = "released"
    g.released_at = now
    g.released_by = actor.user_id if actor else None
    g.release_reason = reason
    g.updated_at = now
    audit.record(session, "payout.guarantee_released", "distribution", cetvel.id, actor=actor,
                 office_id=cetvel.office_id, data={"rule": "D-43", "policy": "OP-50", "guarantee_id": g.id,
                                                   "key": g.key, "letter_no": g.letter_no, "bank": g.bank,
                                                   "amount": str(g.amount), "reason": reason})


async def settle(session: AsyncSession, actor: Principal | None, cetvel: Cetvel, rows: Sequence[CetvelLine],
                 before: dict[str, str], now: datetime) -> list[str]:
    """Call right after `versions.assign_states`, which knows nothing of letters: `before` holds each line's
    state before it. Returns the keys whose letter was released."""
    for ln in rows:
        if before.get(ln.key) != PAID_AGAINST_GUARANTEE:
            continue
        if ln.state in ("final", "paid"):
            ln.state = "paid"  # the money went out before; now it is the creditor's for good
        else:
            ln.state = PAID_AGAINST_GUARANTEE
            ln.payable_at = None
    final = {ln.key for ln in rows if ln.state in ("final", "paid")}
    released = []
    for g in await held_of(session, cetvel.id):
        if g.key in final:
            _release(session, actor, cetvel, g, "final", now)
            released.append(g.key)
    return released


async def release_cancelled(session: AsyncSession, actor: Principal, cetvel: Cetvel, payout: Payout,
                            now: datetime) -> bool:
    """A cancelled instruction's letter goes back: nothing was paid against it."""
    mine = [g for g in await held_of(session, cetvel.id) if g.payout_id == payout.id]
    for g in mine:
        _release(session, actor, cetvel, g, "cancelled", now)
    return bool(mine)


async def refuse_upheld(session: AsyncSession, cetvel: Cetvel, objection: Objection) -> None:
    """OP-50: an upheld objection is not recorded over a line whose letter the office still holds: the letter
    is called first (or, not sent yet, its instruction cancelled)."""
    # UNCERTAIN(OP-50): the letter is called before the decision is recorded, so the money is back first.
    held = [g for g in await held_of(session, cetvel.id) if ref_of(g.key) in set(objection.lines)]
    if not held:
        return
    sent = {p.id: p.status for p in (await session.scalars(select(Payout).where(
        Payout.id.in_([g.payout_id for g in held])))).all()}
    if any(sent.get(g.payout_id) == "sent" for g in held):
        raise GuaranteeToBeCalled(details={"objection_id": objection.id, "lines": [g.key for g in held],
                                           "guarantee_ids": [g.id for g in held],
                                           "letters": [g.letter_no for g in held], "policy": "OP-50"})
    raise GuaranteeToBeCalled(
        "Bu itirazın tuttuğu satır için teminat mektubu karşılığı bir ödeme talimatı var (henüz gönderilmedi). "
        "Kabul kararından önce talimatı iptal edin; mektup iade edilir (D-43, OP-50).",
        details={"objection_id": objection.id, "lines": [g.key for g in held], "payout_ids": sorted(sent),
                 "policy": "OP-50"})
