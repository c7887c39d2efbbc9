from __future__ import annotations

from pydantic import Field

from auction.schemas import Money, Out, Schema, UTCTime


class BidCreate(Schema):
    amount: Money = Field(description='The bid, a string with up to two decimals ("1175000.00")')


class ReceiptOut(Out):
    bid_id: int
    lot_id: int
    round: int
    seq: int
    amount: Money
    at: UTCTime
    bidder: str
    prev_hash: str
    hash: str
    algorithm: str
