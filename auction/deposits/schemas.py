from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from auction.clock import iso_ms
from auction.deposits.models import Deposit
from auction.money import fmt
from auction.schemas import IdRef, Money, Out, Schema, UTCTime


class DepositCreate(Schema):
    """The contract's body is `{}`: the amount is the sale's teminat (less an exemption, A-53)."""


class DepositOut(Out):
    id: int
    sale_id: int
    lot_id: int
    kind: str
    status: str
    amount: Money
    payment: dict[str, Any]
    reference: str
    confirmed_at: UTCTime | None
    created_at: UTCTime


class MektupCreate(Schema):
    """A teminat mektubu lodged with the office (A-51), recorded by staff before the A-52 deadline."""

    user_id: IdRef
    bank: str = Field(min_length=2, max_length=120)
    mektup_no: str = Field(min_length=1, max_length=64)
    amount: Money | None = Field(None, description="Default: the teminat due from this bidder")


class ExemptionCreate(Schema):
    """A-53 (UNCERTAIN OP-15): only the sale-requesting creditor and a co-owner; staff confirm the figure."""

    user_id: IdRef
    basis: Literal["creditor", "co_owner"]
    creditor_id: IdRef | None = None
    share: Decimal | None = Field(None, gt=0, le=1, max_digits=9, decimal_places=8)
    covered: Money | None = Field(None, description="Override of the covered amount (staff confirm it)")
    mahsuben: bool = Field(False, description="A-57: bids against its claim (alacağa mahsuben)")
    note: str | None = Field(None, max_length=1000)


class ExemptionOut(Out):
    id: int
    sale_id: int
    user_id: int
    basis: str
    creditor_id: int | None
    share: Decimal | None
    covered: Money
    teminat_due: Money
    mahsuben: bool


class ExclusionCreate(Schema):
    user_id: IdRef
    reason: str = Field(min_length=3, max_length=200)


class RefundOut(Out):
    id: int
    deposit_id: int
    amount: Money
    reason: str
    status: str
    released_at: UTCTime | None
    due_by: UTCTime | None
    executed_at: UTCTime | None


def deposit_payload(deposit: Deposit) -> dict[str, Any]:
    """Webhook data of the `deposit.*` events (ids, the amount as a string, times ISO ms Z)."""
    return {"deposit_id": deposit.id, "sale_id": deposit.sale_id, "lot_id": deposit.lot_id,
            "user_id": deposit.user_id, "kind": deposit.kind, "amount": fmt(deposit.amount),
            "reference": deposit.reference,
            "confirmed_at": iso_ms(deposit.confirmed_at) if deposit.confirmed_at else None}
