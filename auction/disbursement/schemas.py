"""Request bodies of the cetvel of a sale and its payouts."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from auction.schemas import Day, IdRef, Money, Schema


class CorrectionCreate(Schema):
    reason: str = Field(min_length=3, max_length=2000, description="Why the input changes (D-51), audited")
    case: dict[str, Any] | None = Field(None, description="The corrected engine case (the `case` of the current "
                                        "version, edited); absent: rebuilt from the file's records")


class ObjectionCreate(Schema):
    kind: Literal["itiraz", "sikayet"] = Field(description="itiraz davası (another creditor's claim) or şikayet "
                                               "(rank, or a rule broken in making the cetvel) (D-41)")
    lines: list[str] = Field(min_length=1, max_length=200, description="The case creditor ids attacked (`cr12`)")
    reason: str = Field(min_length=3, max_length=4000)
    creditor_id: IdRef | None = Field(None, description="Which of your creditors objects, if you stand for several")


class ObjectionDecision(Schema):
    outcome: Literal["upheld", "rejected"]
    note: str = Field(min_length=3, max_length=4000)


class PayoutCancel(Schema):
    reason: str = Field(min_length=10, max_length=2000, description="Why the instruction is cancelled (a wrong "
                        "IBAN, a late objection), audited")


class GuaranteeCreate(Schema):
    """D-43: the letter a creditor lodged to take its share before the cetvel is final for it."""

    creditor_id: str = Field(min_length=1, max_length=64, description="The case creditor id of the line (`cr12`)")
    bank: str = Field(min_length=2, max_length=200, description="The bank that issued the letter")
    letter_no: str = Field(min_length=1, max_length=64, description="The letter's number")
    letter_date: Day = Field(description="The letter's date (not in the future)")
    amount: Money = Field(description="The guaranteed amount the office fixed: the share and its interest until "
                          "repayment (D-43); at least the share")
    kesin_ve_suresiz: Literal[True] = Field(description="The letter is kesin (unconditional) and süresiz (without "
                                            "an end date), as İİK 142/a requires")


class ReservedRelease(Schema):
    """D-14 (İİK 268, 138/4): what became of the ihtiyati haciz whose share the cetvel reserves."""

    creditor_id: str = Field(min_length=1, max_length=64, description="The case creditor id of the reserved line")
    outcome: Literal["made_final", "lifted"] = Field(description="made_final: the ihtiyati haciz became a kesin "
                                                     "haciz (the share is payable); lifted: it was lifted (the "
                                                     "share goes on by the cetvel's order)")
    reason: str = Field(min_length=10, max_length=2000, description="What the document says, audited")
    document_date: Day = Field(description="The date of the document (kesinleşme or kaldırma), not in the future")


class GuaranteeCall(Schema):
    """OP-50: the letter called after the objection against its line was upheld; what the bank paid."""

    called_amount: Money = Field(description="What the bank paid: the share taken back and its interest (at most "
                                 "the letter's amount, at least the share)")
    called_on: Day = Field(description="The day the money reached the office's account (not in the future)")
    reason: str = Field(min_length=10, max_length=2000, description="The decision the call follows, audited")
