from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from auction.db import Base, DecimalText, IdMixin, JSONText, Kurus, TimestampMixin, UTCDateTime


class DepositStatus(StrEnum):
    pending = "pending"  # waiting for the money (bank_callback provider)
    confirmed = "confirmed"  # counts for bidding (deposit.confirmed)
    refunding = "refunding"  # a refund job exists (held until its trigger, OP-17, or due)
    refunded = "refunded"  # deposit.refunded
    rejected = "rejected"  # money arrived too late or the payment failed: refunded if any was paid
    forfeited = "forfeited"  # the buyer did not pay (auction/deposits/buyer.py)
    applied = "applied"  # A-56 / OP-18: the buyer's cash teminat became part of the price (S-12)


class Deposit(Base, IdMixin, TimestampMixin):
    """A teminat of one bidder for one sale (it covers every round of that sale while it is held)."""

    __tablename__ = "deposits"
    __table_args__ = (Index("ix_deposits_sale_user", "sale_id", "user_id"),)

    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id", ondelete="RESTRICT"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(8))  # cash | mektup
    amount: Mapped[Decimal] = mapped_column(Kurus)
    status: Mapped[str] = mapped_column(String(16))
    provider: Mapped[str] = mapped_column(String(16))  # simulated | bank_callback | office (mektup)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    payment: Mapped[dict[str, Any]] = mapped_column(JSONText, default=dict)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mektup_bank: Mapped[str | None] = mapped_column(String(120))
    mektup_no: Mapped[str | None] = mapped_column(String(64))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))


class Exemption(Base, IdMixin, TimestampMixin):
    """A-53: the sale-requesting creditor, or a co-owner, owes teminat only for what its claim or share
    does not cover: `teminat_due = max(0, teminat − covered)`. Recorded by staff (OP-15)."""

    __tablename__ = "teminat_exemptions"
    __table_args__ = (UniqueConstraint("sale_id", "user_id"),)

    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    basis: Mapped[str] = mapped_column(String(16))  # creditor | co_owner
    creditor_id: Mapped[int | None] = mapped_column(ForeignKey("creditors.id", ondelete="RESTRICT"))
    share: Mapped[Decimal | None] = mapped_column(DecimalText)
    covered: Mapped[Decimal] = mapped_column(Kurus)
    teminat_due: Mapped[Decimal] = mapped_column(Kurus)
    mahsuben: Mapped[bool] = mapped_column(Boolean, default=False)  # A-57 alacağa mahsuben
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    note: Mapped[str | None] = mapped_column(Text)


class RefundStatus(StrEnum):
    held = "held"  # waiting for its trigger (OP-17: the tutanak's posting)
    due = "due"  # to be executed by the refund worker
    done = "done"
    failed = "failed"  # provider error; retried


class Refund(Base, IdMixin, TimestampMixin):
    """A refund job for one deposit: created at the close (or withdrawal, cancellation), released by its
    trigger, executed by the refund worker through the payment provider (deposit.refunded)."""

    __tablename__ = "refunds"
    __table_args__ = (
        UniqueConstraint("deposit_id"),
        Index("ix_refunds_status", "status", "next_attempt_at"),
    )

    deposit_id: Mapped[int] = mapped_column(ForeignKey("deposits.id", ondelete="RESTRICT"))
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    amount: Mapped[Decimal] = mapped_column(Kurus)
    reason: Mapped[str] = mapped_column(String(24))  # round_closed | withdrawn | cancelled | rejected
    round_number: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_by: Mapped[datetime | None] = mapped_column(UTCDateTime)  # TM-22: instruct within 3 working days
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    executed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider_ref: Mapped[str | None] = mapped_column(String(80))
    last_error: Mapped[str | None] = mapped_column(String(300))
