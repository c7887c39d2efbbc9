from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, field_validator

from auction.schemas import Day, IdRef, Money, Out, Schema, UTCTime


class PaymentCreate(Schema):
    amount: Money = Field(description="What to pay now (partial payments add up); at most `due_now`")

    @field_validator("amount")
    @classmethod
    def _positive(cls, value: Decimal) -> Decimal:
        if value <= 0:
            raise ValueError("amount must be above zero")
        return value


class PaymentConfirm(Schema):
    code: str = Field(min_length=4, max_length=12, pattern=r"^\s*\d{4,8}\s*$",
                      description="The one-time code sent by SMS to the payer's registered phone")


class PaymentOut(Out):
    payment_id: int
    sale_id: int
    purpose: str
    amount: Money
    status: str
    reference: str
    code_sent_to: str | None = None
    code_expires_at: str | None = None
    payment: dict[str, Any] = Field(default_factory=dict)
    received_at: UTCTime | None = None
    cancel_reason: str | None = None


ApplicantKind = Literal["alacakli", "borclu", "tapu_ilgilisi", "sinirli_ayni_hak", "teklif_veren", "diger"]


class FesihCreate(Schema):
    """An ihalenin feshi complaint as the court reports it to the office (A-80 … A-82)."""

    applicant_name: str = Field(min_length=2, max_length=200)
    applicant_kind: ApplicantKind
    filed_at: UTCTime | None = Field(None, description="When the complaint reached the court; default now")
    court: str = Field(min_length=2, max_length=200)
    court_file_no: str | None = Field(None, max_length=64)
    late: bool = Field(False, description="A-81: the applicant learned of the ground later (ilan not served, "
                                          "an essential error, bid-rigging)")
    learned_on: Day | None = Field(None, description="A-81: the day the applicant learned of it")
    harc_paid: Money | None = None
    teminat_paid: Money | None = None
    note: str | None = Field(None, max_length=2000)


class FesihDecision(Schema):
    outcome: Literal["rejected", "annulled"]
    decided_on: Day
    final_on: Day = Field(description="The day the decision became final (S-15 / S-16 act on a final one)")
    fine_amount: Money | None = Field(None, description="A-82: fine on a rejected outside applicant")
    nema_amount: Money | None = Field(None, description="A-83: the nema the bank reports for the held price")
    note: str | None = Field(None, max_length=2000)


class FinalityConfirm(Schema):
    note: str | None = Field(None, max_length=2000, description="e.g. 'UYAP sorgusu: şikâyet yok'")


class HandoverCreate(Schema):
    mode: Literal["tapu_letter_sent", "delivered", "ready"] = Field(
        description="taşınmaz: tapu_letter_sent; taşınır: delivered, or ready (teslime hazır, A-94)")
    at: UTCTime | None = None
    note: str | None = Field(None, max_length=2000)


class TahliyeCreate(Schema):
    occupied_by: Literal["borclu", "third_party"]
    served_at: UTCTime | None = None
    note: str | None = Field(None, max_length=2000)


class AnnulCreate(Schema):
    reason: Literal["taxes_unpaid", "handover_impossible"]
    note: str = Field(min_length=10, max_length=2000)


class BuyerTaxStatus(Schema):
    bank_17_4_r: bool = Field(description="T-06 (KDVK 17/4-r): the buyer is a bank taking the taşınmaz for a "
                                          "borrower's or guarantor's debt (UNCERTAIN OP-29, staff decide)")
    reason: str = Field(min_length=10, max_length=1000)


class MahsupCreate(Schema):
    user_id: IdRef = Field(description="The bidder account that bids for the creditor")
    creditor_id: IdRef
    note: str | None = Field(None, max_length=2000)
