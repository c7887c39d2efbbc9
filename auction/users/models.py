from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auction.db import Base, BigId, IdMixin, TimestampMixin, UTCDateTime


class Role(StrEnum):
    bidder = "bidder"
    staff = "staff"  # satış işlemleri bürosu
    manager = "manager"  # icra müdürü
    admin = "admin"
    # A creditor, the debtor or their lawyer: staff link a party to the files it is a party of
    # (auction.cases.parties); it follows those files' safahat and sees its own cetvel lines.
    party = "party"


STAFF_ROLES = frozenset({Role.staff, Role.manager, Role.admin})


class Office(Base, IdMixin, TimestampMixin):
    """An icra dairesi; its satış bürosu runs the sales of its files."""

    __tablename__ = "offices"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(80))
    district: Mapped[str | None] = mapped_column(String(80))
    sales_bureau_name: Mapped[str] = mapped_column(String(200))
    # The office's account at an approved bank (İİK 9/1, D-61): where teminat and prices are paid.
    iban: Mapped[str | None] = mapped_column(String(34))


class User(Base, IdMixin, TimestampMixin):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id", ondelete="RESTRICT"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # who may bid: verified identity, a registered IBAN and a Turkish address.
    identity_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    iban: Mapped[str | None] = mapped_column(String(34))
    address: Mapped[str | None] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(32))
    lang: Mapped[str] = mapped_column(String(5), default="tr")
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Lock-out (docs/security.md): wrong passwords in a row, and the time until which sign-in is refused
    # after ESATIS_LOGIN_MAX_FAILURES of them. A correct password resets the count.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    office: Mapped[Office | None] = relationship(lazy="raise")


class ApiToken(Base, IdMixin):
    """A bearer token for API clients. Only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_user_id", "user_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebSession(Base, IdMixin):
    """A browser session (cookie). Server-side so that logout and revocation take effect at once."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_user_id", "user_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IbanChangeStatus(StrEnum):
    awaiting_code = "awaiting_code"
    confirmed = "confirmed"
    cancelled = "cancelled"  # the code was tried too often, or expired unused
    superseded = "superseded"  # a newer change was asked for before this one was confirmed


class RefundIbanChange(Base, IdMixin):
    """One request to change the refund IBAN (A-55): it takes effect only when the SMS code sent to the
    registered phone confirms it (auction.users.refund_iban). Each step is audited."""

    __tablename__ = "refund_iban_changes"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    iban: Mapped[str] = mapped_column(String(34))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TokenPurpose(StrEnum):
    invite = "invite"  # a new account's first password (/invite/{token})
    reset = "reset"  # a password reset ordered by an admin or the office's müdür (/reset/{token})


class UserToken(Base, IdMixin):
    """A one-time link that lets its holder set a user's password (auction/users/accounts.py). Only its
    SHA-256 is stored; it is spent by its first use and dies at `expires_at` (ESATIS_INVITE_TTL_HOURS,
    ESATIS_RESET_TTL_MINUTES)."""

    __tablename__ = "user_tokens"
    __table_args__ = (Index("ix_user_tokens_user_id", "user_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(8))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


__all__ = ["STAFF_ROLES", "ApiToken", "BigId", "IbanChangeStatus", "Office", "RefundIbanChange", "Role", "TokenPurpose",
           "User", "UserToken", "WebSession"]
