"""Pydantic building blocks shared by every domain's schemas: money and time on the wire."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, PlainSerializer
from pydantic import BaseModel as _BaseModel
from pydantic_core import PydanticCustomError

from auction.clock import iso_ms
from auction.money import MoneyError, fmt, parse_money

# The Turkish sentence of each refusal (the problem's `message`; its `code` is the machine one).
MONEY_MESSAGES = {
    "money_float": 'Tutar metin olarak yazılmalıdır (ör. "1250000.00"), ondalıklı sayı olarak değil.',
    "money_type": 'Tutar metin olarak yazılmalıdır (ör. "1250000.00").',
    "money_not_a_number": "Tutar yalnızca rakam ve en çok iki ondalık basamak içermelidir (ör. 1250000.50).",
    "money_too_many_decimals": "Tutar en çok iki ondalık basamak (kuruş) içerebilir.",
    "money_negative": "Tutar eksi olamaz.",
    "money_too_large": "Tutar izin verilen en yüksek değeri aşıyor.",
}


def _money_in(value: Any) -> Decimal:
    """Every amount a request carries goes through `parse_money`; a refusal is a 422 whose problem carries
    the money code (`money_too_large`, `money_too_many_decimals`, …), never a 500."""
    if isinstance(value, float):
        raise PydanticCustomError("money_float", MONEY_MESSAGES["money_float"])
    if not isinstance(value, (str, int, Decimal)) or isinstance(value, bool):
        raise PydanticCustomError("money_type", MONEY_MESSAGES["money_type"])
    try:
        return parse_money(value)
    except MoneyError as exc:
        raise PydanticCustomError(exc.code, MONEY_MESSAGES.get(exc.code, str(exc))) from None


# Dates and times a request may carry: beyond these a figure is a typo or an attack (year 9999 plus a
# legal period overflows `datetime`), never a real sale, ilan, appraisal or building permit.
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2100, 12, 31)
TIME_MIN = datetime(1970, 1, 1, tzinfo=UTC)
TIME_MAX = datetime(2100, 12, 31, tzinfo=UTC)
# Ids a request body refers to (a user, a creditor …): the bound of web.params.ID_MAX.
ID_MAX = 2**31 - 1


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("time must carry a zone, e.g. 2026-03-02T11:00:00Z")
    value = value.astimezone(UTC)
    if not TIME_MIN <= value <= TIME_MAX:
        raise PydanticCustomError("time_out_of_range", "Zaman 1970 ile 2100 yılları arasında olmalıdır.")
    return value


def _day(value: date) -> date:
    if not DATE_MIN <= value <= DATE_MAX:
        raise PydanticCustomError("date_out_of_range", "Tarih 01.01.1900 ile 31.12.2100 arasında olmalıdır.")
    return value


# Input: "1250000", "1250000.5" or "1250000.50"; output always "1250000.50".
Money = Annotated[Decimal, BeforeValidator(_money_in), PlainSerializer(fmt, return_type=str, when_used="json")]
# Input: ISO 8601 with a zone (1970 … 2100); output: UTC with milliseconds and Z.
UTCTime = Annotated[datetime, AfterValidator(_aware), PlainSerializer(iso_ms, return_type=str, when_used="json")]
# A calendar day (1900-01-01 … 2100-12-31).
Day = Annotated[date, AfterValidator(_day)]
# An id a request body refers to.
IdRef = Annotated[int, Field(ge=1, le=ID_MAX)]


class Schema(_BaseModel):
    """Request bodies: unknown fields are an error (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(_BaseModel):
    model_config = ConfigDict(from_attributes=True)
