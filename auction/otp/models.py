from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from auction.db import Base, IdMixin, UTCDateTime


class CodeStatus(StrEnum):
    active = "active"
    used = "used"  # verified once; never again
    exhausted = "exhausted"  # max_attempts wrong tries
    expired = "expired"  # found past its ttl (a code past expires_at is refused even while still 'active')
    superseded = "superseded"  # a newer code was sent for the same subject


class OneTimeCode(Base, IdMixin):
    """One code sent to one user's registered phone for one subject (a payment, an IBAN change)."""

    __tablename__ = "one_time_codes"
    __table_args__ = (Index("ix_one_time_codes_subject", "purpose", "subject_id"),)

    purpose: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    phone_hint: Mapped[str] = mapped_column(String(24))  # "+90 5•• ••• •• 67": shown, never the number
    # HMAC-SHA256 (hex) of the code under a key derived from the server secret, bound to id/purpose/subject.
    code_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    rule_refs: Mapped[str] = mapped_column(String(300))  # the otp.toml rows the code was issued under
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
