"""Pydantic building blocks shared by every domain's schemas: money and time on the wire."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, ConfigDict, PlainSerializer
from pydantic import BaseModel as _BaseModel

from auction.clock import iso_ms
from auction.money import MoneyError, fmt, parse_money


def _money_in(value: Any) -> Decimal:
    if isinstance(value, float):
        raise ValueError("money must be a string such as \"1250000.00\", not a JSON number")
    if not isinstance(value, (str, int, Decimal)) or isinstance(value, bool):
        raise ValueError("money must be a string such as \"1250000.00\"")
    try:
        return parse_money(value)
    except MoneyError as exc:
        raise ValueError(str(exc)) from None


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("time must carry a zone, e.g. 2026-03-02T11:00:00Z")
    return value.astimezone(UTC)


# Input: "1250000", "1250000.5" or "1250000.50"; output always "1250000.50".
Money = Annotated[Decimal, BeforeValidator(_money_in), PlainSerializer(fmt, return_type=str, when_used="json")]
# Input: ISO 8601 with a zone; output: UTC with milliseconds and Z.
UTCTime = Annotated[datetime, AfterValidator(_aware), PlainSerializer(iso_ms, return_type=str, when_used="json")]


class Schema(_BaseModel):
    """Request bodies: unknown fields are an error (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(_BaseModel):
    model_config = ConfigDict(from_attributes=True)
