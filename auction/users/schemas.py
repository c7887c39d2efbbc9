"""Users and offices on the wire."""

from __future__ import annotations

from pydantic import Field

from auction.schemas import Out, Schema, UTCTime


class OfficeCreate(Schema):
    code: str = Field(min_length=1, max_length=32, examples=["IST-12"])
    name: str = Field(min_length=3, max_length=200, examples=["İstanbul 12. İcra Dairesi"])
    city: str = Field(min_length=2, max_length=80)
    district: str | None = Field(None, max_length=80)
    sales_bureau_name: str | None = Field(None, max_length=200,
                                          description="Defaults to '<name> Satış İşlemleri Bürosu'")
    iban: str | None = Field(None, max_length=40, description="The office's account (D-61), checksum-validated")


class OfficeOut(Out):
    id: int
    code: str
    name: str
    city: str
    district: str | None
    sales_bureau_name: str
    iban: str | None
    created_at: UTCTime
