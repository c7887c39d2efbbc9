from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from auction.db import Base, IdMixin, JSONText, Kurus, TimestampMixin, UTCDateTime


class Participant(Base, IdMixin, TimestampMixin):
    """A user's standing in one sale: şartname accepted (A-23), teminat satisfied (A-50 … A-53), not
    excluded (A-10, OP-20). The bid re-checks this row with a conditional UPDATE after moving the price,
    and a withdrawal (OP-16) writes the same row, so the two can never both succeed (docs/auction.md)."""

    __tablename__ = "sale_participants"
    __table_args__ = (UniqueConstraint("sale_id", "user_id"),)

    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id", ondelete="RESTRICT"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    sartname_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sartname_hash: Mapped[str | None] = mapped_column(String(64))
    teminat_ok: Mapped[bool] = mapped_column(Boolean, default=False)
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    exclusion_reason: Mapped[str | None] = mapped_column(String(200))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # S-13: the buyer who did not pay is refused in the sale's later rounds (403 bidder_barred).
    barred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_bid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LotAlias(Base, IdMixin):
    """The pseudonym of a bidder on a lot ("Teklif 3", A-34): numbered in order of first bid, stable
    across the rounds and sales of the lot, never derived from the identity."""

    __tablename__ = "lot_aliases"
    __table_args__ = (UniqueConstraint("lot_id", "user_id"), UniqueConstraint("lot_id", "number"))

    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    number: Mapped[int] = mapped_column(Integer)


class Bid(Base, IdMixin):
    """An accepted bid. `hash` chains it to the previous bid of the lot (receipt, tamper evidence)."""

    __tablename__ = "bids"
    __table_args__ = (
        UniqueConstraint("lot_id", "seq"),
        # Two accepted bids of one round can never have the same amount (A-33 makes each one higher).
        UniqueConstraint("round_id", "amount"),
        Index("ix_bids_user_id", "user_id"),
    )

    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"))
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id", ondelete="RESTRICT"))
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="RESTRICT"))
    seq: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    alias: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(Kurus)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the close right after this bid
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class IdempotencyKey(Base, IdMixin):
    """`Idempotency-Key` of a user: the first accepted request's answer, replayed for the same body.
    The unique constraint makes two concurrent requests with one key serialise on the insert."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSONText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
