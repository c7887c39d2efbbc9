from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from auction.sales.views import lot_view
from web.deps import DbSession, MaybeUser
from web.params import Id

router = APIRouter(tags=["lots"])


@router.get("/lots/{lot_id}", summary="A lot with its sale and current round (public)")
async def get_lot(lot_id: Id, db: DbSession, viewer: MaybeUser) -> dict[str, Any]:
    """The lot (as `LotOut`), `sale` (figures and both rounds' windows), `round` (the current round:
    `status`, `current_price`, `min_next_bid`, `ends_at`, `bid_count`, `seq`) and the same round figures at
    the top level (`round_status`, `current_price`, `min_next_bid`, `ends_at`, `bid_count`, `seq`)."""
    return await lot_view(db, lot_id, viewer)
