from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from auction.schemas import Day, Money, Out, Schema, UTCTime


class LotCreate(Schema):
    kind: Literal["tasinmaz", "tasinir"]
    title: str = Field(min_length=3, max_length=200)
    description: str = Field("", max_length=20000)
    appraised_value: Money
    appraisal_date: Day | None = None
    use: Literal["konut", "isyeri", "arsa", "arac", "diger"] = "diger"
    province: str | None = Field(None, max_length=64)
    district: str | None = Field(None, max_length=64)
    address: str | None = Field(None, max_length=500)
    ada: str | None = Field(None, max_length=32)
    parsel: str | None = Field(None, max_length=32)
    net_area_m2: Decimal | None = Field(None, gt=0, max_digits=10, decimal_places=2)
    imar: str | None = Field(None, max_length=200)
    permit_date: Day | None = None
    category: str | None = Field(None, max_length=64)
    plate: str | None = Field(None, max_length=16)
    serial_no: str | None = Field(None, max_length=64)
    location: str | None = Field(None, max_length=200)
    viewing_info: str | None = Field(None, max_length=2000,
                                     description="Gezme: when and how the lot can be seen (days, hours, whom to call)")
    kdv_rate: Decimal | None = Field(None, ge=0, le=1, max_digits=6, decimal_places=4)
    in_custody: bool = Field(False, description="A-03: a taşınır is in custody (muhafaza) or ready for handover")
    metal_value: Money | None = Field(None, description="A-103: metal value of gold or silver")
    appraisal_final: bool = Field(False, description="The appraisal is already kesin (A-04), e.g. a file "
                                                     "taken over from UYAP after its objection windows ran out")

    @model_validator(mode="after")
    def _kind_fields(self) -> LotCreate:
        if self.appraised_value <= 0:
            raise ValueError("appraised_value must be positive")
        if self.kind == "tasinir" and (self.ada or self.parsel):
            raise ValueError("ada/parsel belong to a taşınmaz")
        if self.kind == "tasinmaz" and self.use == "arac":
            raise ValueError("a taşınmaz cannot have use 'arac'")
        return self


class LotOut(Out):
    id: int
    case_id: int
    office_id: int
    kind: str
    title: str
    description: str
    status: str
    appraised_value: Money
    appraisal_date: Day | None
    use: str
    province: str | None
    district: str | None
    address: str | None
    ada: str | None
    parsel: str | None
    net_area_m2: Decimal | None
    imar: str | None
    category: str | None
    plate: str | None
    location: str | None
    viewing_info: str | None = None
    in_custody: bool
    appraisal_served_on: Day | None
    appraisal_objection_until: UTCTime | None
    appraisal_final_at: UTCTime | None
    appraisal_final_basis: str | None
    created_at: UTCTime


class AppraisalService(Schema):
    """A-04: the kıymet takdiri was served; the 7-day şikayet window runs from the LAST party's service."""

    served_on: Day = Field(description="Local date on which the last party was served")
    appraised_value: Money | None = Field(None, description="M from the report, if it differs from the lot's")
    appraisal_date: Day | None = None


class AppraisalChallenge(Schema):
    note: str = Field(min_length=3, max_length=1000)


class AppraisalFinal(Schema):
    basis: Literal["window_expired", "court_decision", "staff_confirmed"]
    appraised_value: Money | None = Field(None, description="M as fixed by the court's final decision")
    note: str | None = Field(None, max_length=1000)


class LotFileOut(Out):
    id: int
    lot_id: int
    kind: str
    title: str
    content_type: str
    size: int
    sha256: str
    public: bool
    created_at: UTCTime
