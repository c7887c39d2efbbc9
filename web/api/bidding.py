"""Bidding: bids (one conditional write, Idempotency-Key), the bid list with pseudonyms, receipts,
şartname acceptance, teminat deposits and the live event log of a lot."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Header, Query
from starlette.responses import HTMLResponse, JSONResponse

from auction.bidding import ledger
from auction.bidding import service as bidding
from auction.bidding.schemas import BidCreate, ReceiptOut
from auction.deposits import service as deposits
from auction.deposits.schemas import DepositCreate, DepositOut
from auction.sales import live
from auction.sales import reads as sales
from web.deps import BidAdmission, BidderUser, BidIpLimit, CurrentUser, DbSession, MaybeUser, Public, RuntimeDep
from web.params import ID_MAX, Id

router = APIRouter(tags=["bidding"])


@router.post("/lots/{lot_id}/bids", status_code=201,
             summary="Place a bid (bidder with confirmed teminat); Idempotency-Key replays the first answer",
             responses={409: {"description": "bid_too_low / round_closed / round_not_open / already_highest"},
                        403: {"description": "teminat_required / sartname_not_accepted / bidder_excluded"},
                        429: {"description": "rate_limited"}})
async def place_bid(lot_id: Id, body: BidCreate, _ip_limit: BidIpLimit, _admitted: BidAdmission, db: DbSession,
                    actor: BidderUser, runtime: RuntimeDep,
                    idempotency_key: str | None = Header(None, alias="Idempotency-Key")) -> JSONResponse:
    answer = await bidding.place_bid(db, runtime, actor, lot_id, body.amount, idempotency_key)
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


@router.get("/lots/{lot_id}/bids", summary="Accepted bids in order, with pseudonyms (A-34); your own are marked")
async def list_bids(lot_id: Id, db: DbSession, viewer: MaybeUser) -> list[dict[str, Any]]:
    return await bidding.list_bids(db, lot_id, viewer)


@router.get("/bids/{bid_id}/receipt", response_model=ReceiptOut, summary="A bid's receipt (its bidder or staff)")
async def bid_receipt(bid_id: Id, db: DbSession, viewer: CurrentUser) -> ReceiptOut:
    return ReceiptOut.model_validate(await bidding.receipt(db, viewer, bid_id))


@router.get("/lots/{lot_id}/events", summary="The lot's live events after a seq (what the WebSocket replays)")
async def lot_events(lot_id: Id, db: DbSession, _: Public, after_seq: int = Query(0, ge=0, le=ID_MAX),
                     limit: int = Query(500, ge=1, le=1000)) -> list[dict[str, Any]]:
    return [live.message_of(e.type, e.seq, e.payload) for e in await live.events_after(db, lot_id, after_seq, limit)]


@router.get("/lots/{lot_id}/sartname", response_class=HTMLResponse, summary="The şartname of the lot's sale")
async def sartname(lot_id: Id, db: DbSession, _: Public) -> HTMLResponse:
    sale = await sales.require_sale_of_lot(db, lot_id)
    return HTMLResponse(sale.sartname_html, headers={"X-Sartname-Hash": sale.sartname_hash})


@router.post("/lots/{lot_id}/sartname/accept", summary="Accept the şartname before the first bid (A-23)")
async def accept_sartname(lot_id: Id, db: DbSession, actor: BidderUser) -> dict[str, Any]:
    out = await bidding.accept_sartname(db, actor, lot_id)
    return {**out, "accepted_at": out["accepted_at"].isoformat() if out["accepted_at"] else None}


@router.post("/lots/{lot_id}/deposits", status_code=201, response_model=DepositOut,
             summary="Pay the teminat (simulated: confirmed at once; bank: confirmed by the signed callback)")
async def create_deposit(lot_id: Id, db: DbSession, actor: BidderUser, runtime: RuntimeDep,
                         body: DepositCreate | None = None) -> JSONResponse:
    deposit, created = await deposits.create_deposit(db, runtime, actor, lot_id)
    out = DepositOut.model_validate(deposit).model_dump(mode="json")
    return JSONResponse(out, status_code=201 if created else 200)


@router.get("/lots/{lot_id}/deposits/mine", response_model=list[DepositOut], summary="My teminat for this lot's sale")
async def my_deposits(lot_id: Id, db: DbSession, actor: BidderUser) -> list[DepositOut]:
    sale = await sales.require_sale_of_lot(db, lot_id)
    return [DepositOut.model_validate(d) for d in await deposits.deposits_of(db, sale.id, actor.user_id)]


@router.post("/lots/{lot_id}/deposits/withdraw",
             summary="Take the teminat back during the round (not the highest bidder; OP-16)")
async def withdraw(lot_id: Id, db: DbSession, actor: BidderUser, runtime: RuntimeDep) -> dict[str, Any]:
    refund = await deposits.withdraw(db, runtime, actor, lot_id)
    return {"withdrawn": True, "refund_id": refund.id if refund else None}



@router.get("/lots/{lot_id}/ledger",
            summary="The lot's bid ledger: accepted bids, the final hash of the receipt chain, whether it verifies; "
                    "`receipt=<hash>` says whether that receipt's bid is in the chain")
async def lot_ledger(db: DbSession, _: Public, lot_id: Id,
                     receipt: str | None = Query(None, pattern=r"^[0-9a-fA-F]{64}$")) -> dict[str, Any]:
    return await ledger.public_ledger(db, lot_id, receipt)
