"""Teminat mektubu scans sent in by bidders (A-51). The engine records a mektup only when staff lodge it
(`POST /api/v1/sales/{id}/mektup`); this is the bidder's side: the scan and the letter's details, waiting
for the office to check the original and record it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from auction.db import Base, IdMixin, Kurus, TimestampMixin, UTCDateTime


class SubmissionStatus(StrEnum):
    submitted = "submitted"  # waiting for the office
    recorded = "recorded"  # staff recorded the mektup (a confirmed deposit exists)
    rejected = "rejected"  # staff refused it (note says why)


class MektupSubmission(Base, IdMixin, TimestampMixin):
    __tablename__ = "mektup_submissions"
    __table_args__ = (Index("ix_mektup_submissions_sale_status", "sale_id", "status"),
                      Index("ix_mektup_submissions_user_id", "user_id"))

    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id", ondelete="RESTRICT"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    bank: Mapped[str] = mapped_column(String(120))
    mektup_no: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Kurus)
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=SubmissionStatus.submitted.value)
    deposit_id: Mapped[int | None] = mapped_column(ForeignKey("deposits.id", ondelete="RESTRICT"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(String(500))
