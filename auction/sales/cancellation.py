"""The müdür stops a sale (S-02, S-06): the request was withdrawn before round 1, or the whole debt was
paid before the bidding ended (A-36). An open round stops at once; every teminat is refunded.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.audit import service as audit
from auction.clock import iso_ms
from auction.deposits import refunds
from auction.events import service as events
from auction.lots import service as lots
from auction.lots.models import LotStatus
from auction.runtime import Runtime
from auction.sales import live, state
from auction.sales.errors import ManagerRequired
from auction.sales.models import Round, RoundStatus, Sale, SaleStatus
from auction.sales.reads import get_sale_for
from auction.sales.schemas import CancelSale
from auction.users.models import Role
from auction.users.principal import Principal, requires_role


@requires_role(Role.manager, Role.admin, error=ManagerRequired)
async def cancel_sale(session: AsyncSession, runtime: Runtime, actor: Principal, sale_id: int,
                      body: CancelSale) -> Sale:
    """The müdür stops the sale: the request was withdrawn before round 1 (S-02), or the whole debt was
    paid before the bidding ended (S-06, A-36). Every teminat is refunded at once."""
    sale = await get_sale_for(session, actor, sale_id)
    now = clock.now()
    if body.reason == "request_withdrawn" or sale.status == SaleStatus.announced:
        await state.apply(session, sale.id, "cancel_before_start")
    else:
        await state.apply(session, sale.id, "debt_paid")
    # The open round stops now; a concurrent bid either committed before (and is refunded with the
    # rest) or finds the round cancelled.
    stopped = (await session.execute(
        update(Round).where(Round.sale_id == sale.id, Round.status == RoundStatus.open.value)
        .values(status=RoundStatus.cancelled.value, closed_at=now, updated_at=now, seq=Round.seq + 1)
        .returning(Round.id, Round.lot_id, Round.number, Round.seq, Round.ends_at)
        .execution_options(synchronize_session=False))).all()
    for round_id, lot_id, number, seq, ends_at in stopped:
        # Live clients learn that the open round ended (the `closed` event, with the reason).
        result = {"round": number, "status": "cancelled", "reason": body.reason, "scheduled_end": iso_ms(ends_at)}
        live.append(session, runtime.broker, lot_id=lot_id, seq=int(seq), type_="closed", round_id=round_id, at=now,
                    payload={"ends_at": iso_ms(now), "result": result})
    await session.execute(
        update(Round).where(Round.sale_id == sale.id, Round.status == RoundStatus.scheduled.value)
        .values(status=RoundStatus.cancelled.value, updated_at=now)
        .execution_options(synchronize_session=False))
    await session.flush()
    await session.refresh(sale)
    sale.end_reason = body.reason
    lot = await lots.get_lot(session, sale.lot_id)
    lot.status = LotStatus.appraised.value
    lot.updated_at = now
    jobs = await refunds.schedule_refunds(session, sale, keep_user_id=None, reason="cancelled", round_number=None,
                                           release=True, now=now)
    audit.record(session, "sale.cancelled", "sale", sale.id, actor=actor, office_id=sale.office_id,
                 data={"reason": body.reason, "note": body.note, "refund_jobs": jobs})
    events.emit(session, "sale.failed", {"sale_id": sale.id, "lot_id": sale.lot_id, "reason": body.reason},
                subject_type="sale", subject_id=sale.id, office_id=sale.office_id)
    return sale
