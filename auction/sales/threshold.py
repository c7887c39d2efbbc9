"""The sale's threshold (A-31): the proposal of R (the pledges ranking ahead of the sale-requesting
creditor), staff's entry of R and C before a round, the müdür's reasoned change during one, and the
threshold `max(M × ratio, R) + C` the close is judged against. R and C are locked into the round when it
opens (`auction.sales.rounds.open_round`).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.audit import service as audit
from auction.cases.models import Creditor
from auction.lots import service as lots
from auction.lots.models import Lot
from auction.money import ZERO, fmt
from auction.sales.errors import ReasonRequired, ThresholdLocked
from auction.sales.models import Round, RoundStatus, Sale, SaleStatus
from auction.sales.reads import get_sale_for, snapshot_of
from auction.sales.schemas import ThresholdUpdate
from auction.sales.snapshot import threshold
from auction.users.models import Role
from auction.users.principal import Principal

# --- R proposal (A-31) ------------------------------------------------------------------------------


def sale_threshold(sale: Sale) -> Decimal:
    return threshold(sale.appraised_value, sale.r_amount, sale.c_amount, sale.metal_value, snapshot_of(sale))


async def propose_r(session: AsyncSession, lot: Lot) -> Decimal:
    """R: the pledges on this lot that rank ahead of the sale-requesting creditor, each up to its limit.

    rule: A-31 - if the requester holds no pledge on the lot (a haciz creditor), every pledge counts; if
    it is itself a pledgee, only the pledges of a better (lower) degree.
    UNCERTAIN(OP-06): earlier hacizler are not in R (`auction.r_includes_hacizler` = false; we model only
    pledges). UNCERTAIN(OP-07): taxes on the asset are not in R. Staff confirm or override the figure.
    """
    pledges = await lots.list_pledges(session, lot.id)
    requester_ids = set((await session.scalars(
        select(Creditor.id).where(Creditor.case_id == lot.case_id, Creditor.sale_requester.is_(True)))).all())
    requester_degrees = [p.degree for p in pledges if p.creditor_id in requester_ids]
    ahead_of = min(requester_degrees) if requester_degrees else None
    total = ZERO
    for p in pledges:
        if p.creditor_id in requester_ids:
            continue
        if ahead_of is not None and p.degree >= ahead_of:
            continue
        total += min(p.claim_amount, p.limit_amount)
    return total


async def update_threshold(session: AsyncSession, actor: Principal, sale_id: int, body: ThresholdUpdate) -> Sale:
    """Staff enter R and C before a round; they are locked at its start (S-03). During a round only the
    müdür may change them, with a written reason (A-31 PRODUCT, logged)."""
    sale = await get_sale_for(session, actor, sale_id)
    status = SaleStatus(sale.status)
    open_round: Round | None = None
    if status == SaleStatus.round_open:
        if actor.role not in (Role.manager, Role.admin):
            raise ThresholdLocked()
        if not body.reason:
            raise ReasonRequired()
        open_round = (await session.scalars(select(Round).where(
            Round.sale_id == sale.id, Round.status == RoundStatus.open.value))).first()
    elif status not in (SaleStatus.announced, SaleStatus.awaiting_round2):
        raise ThresholdLocked(details={"status": sale.status})
    before = {"r": fmt(sale.r_amount), "c": fmt(sale.c_amount)}
    sale.r_amount = body.r_amount
    sale.c_amount = body.c_amount
    if body.metal_value is not None:
        sale.metal_value = body.metal_value
    sale.rc_entered_at = clock.now()
    sale.updated_at = clock.now()
    sale.warnings = [w for w in sale.warnings if w.get("code") != "c_not_entered"]
    new_threshold = sale_threshold(sale)
    if open_round is not None:
        open_round.r_amount = sale.r_amount
        open_round.c_amount = sale.c_amount
        open_round.threshold = new_threshold
        open_round.updated_at = clock.now()
    audit.record(session, "sale.threshold_decision" if open_round is not None else "sale.threshold_entered",
                 "sale", sale.id, actor=actor, office_id=sale.office_id,
                 data={"before": before, "r": fmt(sale.r_amount), "c": fmt(sale.c_amount),
                       "threshold": fmt(new_threshold), "reason": body.reason})
    return sale
