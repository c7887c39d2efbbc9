"""Request bodies of the cetvel of a sale and its payouts."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from auction.schemas import IdRef, Schema


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
