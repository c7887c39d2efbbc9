"""Payments of the price and of the taxes after the award, and the refunds of such payments."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from auction.db import Base, IdMixin, JSONText, Kurus, TimestampMixin, UTCDateTime


class Purpose(StrEnum):
    price = "price"  # the ihale bedeli, within TM-16
    taxes = "taxes"  # KDV and damga vergisi after kesinleşme, within TM-20


class PaymentState(StrEnum):
    awaiting_code = "awaiting_code"  # the SMS code was sent; nothing is charged yet
    pending = "pending"  # code confirmed; the bank reports the money (bank_callback provider)
    received = "received"  # the money is in the office's account
    cancelled = "cancelled"  # 5 wrong codes, a deadline passed, the amount no longer due, or the sale ended
    refunding = "refunding"  # a refund of it exists (OP-22 part payment; annulment)
    refunded = "refunded"


class SalePayment(Base, IdMixin, TimestampMixin):
    """One payment of the buyer (partial payments add up). `amount` in kuruş (BIGINT)."""

    __tablename__ = "sale_payments"
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key"),
        Index("ix_sale_payments_sale_status", "sale_id", "status"),
    )

    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id", ondelete="RESTRICT"))
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    purpose: Mapped[str] = mapped_column(String(8))
    amount: Mapped[Decimal] = mapped_column(Kurus)
    status: Mapped[str] = mapped_column(String(16))
    provider: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    payment: Mapped[dict[str, Any]] = mapped_column(JSONText, default=dict)
    code_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(32))
    # held in a bank account earning nema while an ihalenin feshi complaint is pending.
    nema: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class RefundKind(StrEnum):
    payment = "payment"  # a payment of the buyer goes back (OP-22 part payment; annulment: price, taxes)
    nema = "nema"  # the nema earned on the held price goes with it (A-83, annulment)


class PaymentRefund(Base, IdMixin, TimestampMixin):
    """A refund instruction to the buyer's registered IBAN, executed by the aftersale worker through the
    payment provider within 3 working days (TM-22). `key` makes creating it idempotent."""

    __tablename__ = "payment_refunds"
    __table_args__ = (Index("ix_payment_refunds_status", "status", "next_attempt_at"),)

    key: Mapped[str] = mapped_column(String(64), unique=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("sale_payments.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(24))  # defaulted | annulled | cancelled
    amount: Mapped[Decimal] = mapped_column(Kurus)
    status: Mapped[str] = mapped_column(String(8))  # due | done | failed
    due_by: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    executed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider_ref: Mapped[str | None] = mapped_column(String(80))
    last_error: Mapped[str | None] = mapped_column(String(300))
    iban: Mapped[str | None] = mapped_column(String(34))


class MahsupDeclaration(Base, IdMixin, TimestampMixin):
    """A-57: a creditor of the file that bids declares, before the tutanak is posted, that it buys against
    its claim (alacağa mahsuben); recorded by staff with the bidder account that bids for it."""

    __tablename__ = "mahsup_declarations"
    __table_args__ = (UniqueConstraint("sale_id", "user_id"),)

    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditors.id", ondelete="RESTRICT"))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    note: Mapped[str | None] = mapped_column(Text)
