from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field

from auction.schemas import Day, IdRef, Money, Out, Schema, UTCTime


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


class InterestPeriodIn(Schema):
    start: Day
    end: Day | None = Field(None, description="Exclusive; empty = up to the sale date")
    rate: str = Field(max_length=16, examples=["0.24", "kanuni"],
                      description='A yearly rate ("0.24" = 24 %) or "kanuni": the dated kanuni faiz table (T-40)')


class PaymentIn(Schema):
    paid_on: Day
    amount: Money


class HacizCreate(Schema):
    """A creditor's haciz on the lot and its claim (docs/law/distribution-contract.md, "Fields")."""

    creditor_id: IdRef
    kind: Literal["haciz", "ihtiyati_haciz", "kamu_haczi", "takipsiz"]
    haciz_date: Day | None = None
    takip_date: Day | None = Field(None, description="For an ilamlı takip, the day the lawsuit was filed")
    document_date: Day | None = Field(None, description="The İİK 100 document's date, to join an earlier derece")
    # Bounded loosely so a huge integer never reaches the service; the service itself refuses 0 or 5–99
    # with `out_of_range` among the record's other problems (auction.lots.claims.haciz_problems).
    sira: int | None = Field(None, ge=0, le=99, description="İİK 206 sıra 1–4 (default 4; none for kamu_haczi)")
    joins_creditor_id: IdRef | None = Field(None, description="takipsiz: the haciz creditor whose derece it joins")
    principal: Money
    interest_accrued: Money = Decimal(0)
    costs: Money = Field(Decimal(0), description="Takip costs")
    vekalet_ucreti: Money = Decimal(0)
    interest: list[InterestPeriodIn] = Field(default_factory=list, max_length=50)
    payments: list[PaymentIn] = Field(default_factory=list, max_length=100)
    imputation: Literal["tbk100", "orantili"] = "tbk100"


class InterestPeriodOut(Out):
    start: date
    end: date | None
    rate: str


class PaymentOut(Out):
    paid_on: date
    amount: Money


class HacizOut(Out):
    id: int
    lot_id: int
    creditor_id: int
    kind: str
    haciz_date: date | None
    takip_date: date | None
    document_date: date | None
    sira: int | None
    joins_creditor_id: int | None
    principal: Money
    interest_accrued: Money
    costs: Money
    vekalet_ucreti: Money
    interest: list[InterestPeriodOut]
    payments: list[PaymentOut]
    imputation: str


class AssetTaxCreate(Schema):
    tax: Literal["emlak_vergisi", "mtv"]
    authority: str = Field(min_length=2, max_length=200, examples=["Kadıköy Belediyesi"])
    amount: Money


class AssetTaxOut(Out):
    id: int
    lot_id: int
    tax: str
    authority: str
    amount: Money


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
