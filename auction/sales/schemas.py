from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, model_validator

from auction.schemas import Day, Money, Out, Schema, UTCTime


class SaleCreate(Schema):
    """The satış kararı (A-20) with its ilan (S-01). The contract's four fields, plus optional ones."""

    first_round_start: UTCTime
    first_round_end: UTCTime | None = Field(None, description="Only under ESATIS_RULESET=demo")
    second_round_start: UTCTime | None = None
    second_round_end: UTCTime | None = Field(None, description="Only under ESATIS_RULESET=demo")
    ilan_date: Day | None = Field(None, description="Local date of the ilan; default today (A-21)")
    kdv_rate: Decimal | None = Field(None, ge=0, le=1, max_digits=6, decimal_places=4,
                                     description="KDV rate stated in the şartname (T-05); default the lot's")
    r_amount: Money | None = Field(None, description="Rüçhanlı alacaklar R (A-31); default: proposed from pledges")
    c_amount: Money | None = Field(None, description="Satış masrafları C (A-31)")
    sartname_notes: str | None = Field(None, max_length=5000,
                                       description="Charges passing to the buyer, costs it bears (A-20)")

    @model_validator(mode="after")
    def _plausible_dates(self) -> SaleCreate:
        # Far-off years cannot be on the legal calendar (and overflow local-time arithmetic).
        for value in (self.first_round_start, self.first_round_end, self.second_round_start, self.second_round_end,
                      self.ilan_date):
            if value is not None and not 2000 <= value.year <= 2099:
                raise ValueError("dates must be between 2000 and 2099")
        return self


class ThresholdUpdate(Schema):
    r_amount: Money
    c_amount: Money
    metal_value: Money | None = None
    reason: str | None = Field(None, max_length=1000, description="Required during a round (müdür decision)")


class CancelSale(Schema):
    reason: Literal["debt_paid", "request_withdrawn"]
    note: str | None = Field(None, max_length=1000)


class RoundOut(Out):
    id: int
    number: int
    status: str
    starts_at: UTCTime
    scheduled_end: UTCTime
    ends_at: UTCTime
    cash_deadline: UTCTime
    mektup_deadline: UTCTime
    opening_price: Money
    min_increment: Money
    current_price: Money | None
    bid_count: int
    extensions: int
    result: str | None
    threshold: Money | None
    closed_at: UTCTime | None
    extension_of: int | None = None


class SaleOut(Out):
    id: int
    lot_id: int
    case_id: int
    office_id: int
    status: str
    ruleset: str
    ilan_date: Day
    appraised_value: Money
    opening_price: Money
    min_increment: Money
    teminat_amount: Money
    kdv_rate: Decimal | None
    r_amount: Money
    c_amount: Money
    r_proposed: Money
    metal_value: Money | None
    threshold: Money
    rounds: list[RoundOut]
    rules: dict[str, Any]
    policy: dict[str, Any]
    warnings: list[Any]
    sartname_hash: str
    winner_user_id: int | None
    price: Money | None
    ihale_date: Day | None
    payment_due_at: UTCTime | None
    fesih_until: UTCTime | None
    end_reason: str | None
    created_at: UTCTime
    # After the award (docs/law/auction-rules.md §12: awarded's payment and fesih sub-states; docs/aftersale.md).
    payment_status: str | None = None
    fesih_status: str | None = None
    paid_at: UTCTime | None = None
    finality_alert_at: UTCTime | None = None
    finalised_at: UTCTime | None = None
    tax_due_at: UTCTime | None = None
    taxes_paid_at: UTCTime | None = None
    handed_over_at: UTCTime | None = None
    closed_at: UTCTime | None = None
    bank_17_4_r: bool = False


class TutanakOut(Out):
    id: int
    sale_id: int
    round_id: int
    lot_id: int
    result: str
    data: dict[str, Any]
    drafted_at: UTCTime
    due_at: UTCTime
    posted_at: UTCTime | None
    pdf_ready: bool
    version: int
    outage_reviewed_at: UTCTime | None = None
    outage_reviewed_by: int | None = None
    superseded_at: UTCTime | None = None


class OutageExtensionCreate(Schema):
    """S-08: the müdür's outage-extension decision (A-43): when the extension starts; its end follows
    from the rules. `override_reason` lets the müdür extend although the report shows no outage."""

    starts_at: UTCTime
    override_reason: str | None = Field(None, min_length=10, max_length=2000)


class OutageReview(Schema):
    note: str | None = Field(None, max_length=2000)
