"""Portal-side failures per minute (A-43 PRODUCT: "the platform keeps its own availability record")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from auction.db import Base, IdMixin, UTCDateTime


class AvailabilityMinute(Base, IdMixin):
    """How many requests failed on the portal's side in one UTC minute, per source:
    `bid_endpoint` (a 5xx answer, or no answer, of `POST /lots/{id}/bids`) and `monitor` (our own
    health checks found the platform unavailable). Only failures are written (one upsert each); a
    minute without a row had none. A bidder's own errors (4xx) and his connection never appear here
    (UNCERTAIN(OP-12))."""

    __tablename__ = "availability_minutes"
    __table_args__ = (UniqueConstraint("minute", "source"),)

    minute: Mapped[datetime] = mapped_column(UTCDateTime)  # the minute's start, UTC, seconds = 0
    source: Mapped[str] = mapped_column(String(16))
    failures: Mapped[int] = mapped_column(Integer)
