from __future__ import annotations

from typing import Literal

from pydantic import Field

from auction.schemas import IdRef, Money, Out, Schema, UTCTime


class CaseCreate(Schema):
    file_no: str = Field(min_length=3, max_length=64, examples=["2026/123 Esas"])
    debtor: str = Field(min_length=2, max_length=200)
    debtor_id_no: str | None = Field(None, pattern=r"^\d{10,11}$")
    takip_type: Literal["haciz", "rehin", "ortaklik", "iflas"] = "haciz"
    office_code: str | None = Field(None, description="Admins choose the office; staff always use their own.")
    debtor_user_id: IdRef | None = Field(None, description="The borçlu's platform account, if any (OP-20).")


class CaseOut(Out):
    id: int
    office_id: int
    file_no: str
    debtor: str
    takip_type: str
    status: str
    created_at: UTCTime


class CreditorCreate(Schema):
    name: str = Field(min_length=2, max_length=200)
    kind: Literal["haciz", "rehin", "ihtiyati", "kamu", "diger"]
    claim_total: Money = Field(description="Claim total in the file (principal, interest, costs), A-53/OP-15")
    sale_requester: bool = False
    user_id: IdRef | None = Field(None, description="The creditor's platform account (bids for it)")


class CreditorOut(Out):
    id: int
    case_id: int
    name: str
    kind: str
    claim_total: Money
    sale_requester: bool
    user_id: int | None


class PledgeCreate(Schema):
    creditor_id: IdRef
    degree: int = Field(ge=1, le=99)
    limit_amount: Money
    claim_amount: Money


class PledgeOut(Out):
    id: int
    lot_id: int
    creditor_id: int
    degree: int
    limit_amount: Money
    claim_amount: Money


class PartyLink(Schema):
    """Link a person (a user with role `party`) to a file: by account id or e-mail."""

    user_id: IdRef | None = None
    email: str | None = Field(None, max_length=254)
    capacity: Literal["alacakli", "alacakli_vekili", "borclu", "borclu_vekili"]
    creditor_id: IdRef | None = Field(None, description="Required for alacakli and alacakli_vekili: which creditor")


class PartyOut(Out):
    id: int
    case_id: int
    user_id: int
    capacity: str
    creditor_id: int | None
    ended_at: UTCTime | None = None
    created_at: UTCTime
