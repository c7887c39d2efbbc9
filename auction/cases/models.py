from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from auction.db import Base, IdMixin, Kurus, TimestampMixin, UTCDateTime


class Case(Base, IdMixin, TimestampMixin):
    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("office_id", "file_no"),)

    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id", ondelete="RESTRICT"), index=True)
    # Esas no, e.g. "2026/123 Esas". Unique within the office.
    file_no: Mapped[str] = mapped_column(String(64))
    debtor: Mapped[str] = mapped_column(String(200))
    # Never shown to bidders (A-34 spirit: no personal data on public pages).
    debtor_id_no: Mapped[str | None] = mapped_column(String(11))
    takip_type: Mapped[str] = mapped_column(String(16), default="haciz")  # haciz | rehin | ortaklik | iflas
    status: Mapped[str] = mapped_column(String(16), default="open")
    # The borçlu's platform account, when he has one: blocked from bidding under OP-20.
    debtor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))


class Creditor(Base, IdMixin, TimestampMixin):
    """An alacaklı of the file: enough to propose R (A-31) and to grant the A-53 teminat exemption."""

    __tablename__ = "creditors"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # haciz | rehin | ihtiyati | kamu | diger
    kind: Mapped[str] = mapped_column(String(16))
    # Claim total in the file (principal, interest, costs): the A-53 "covered" amount (OP-15).
    claim_total: Mapped[Decimal] = mapped_column(Kurus)
    # The creditor who requested the sale: exempt from teminat up to its claim and the
    # reference for which pledges rank ahead of it in R.
    sale_requester: Mapped[bool] = mapped_column(Boolean, default=False)
    # The creditor's platform account (the one that bids for it), if any.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))


class Pledge(Base, IdMixin, TimestampMixin):
    """A rehin / ipotek on one lot (A-31 R): counts up to its limit."""

    __tablename__ = "pledges"
    __table_args__ = (UniqueConstraint("lot_id", "creditor_id"),)

    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"), index=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditors.id", ondelete="RESTRICT"))
    degree: Mapped[int] = mapped_column(Integer)  # 1 = first degree (TMK rank in the tapu)
    limit_amount: Mapped[Decimal] = mapped_column(Kurus)
    claim_amount: Mapped[Decimal] = mapped_column(Kurus)


class PartyCapacity(StrEnum):
    """In what capacity a person is a party to a file (İİK: the ilgililer a cetvel is served on, D-40)."""

    alacakli = "alacakli"  # the creditor itself (its platform account)
    alacakli_vekili = "alacakli_vekili"  # a creditor's lawyer
    borclu = "borclu"  # the debtor
    borclu_vekili = "borclu_vekili"  # the debtor's lawyer


CREDITOR_SIDE = frozenset({PartyCapacity.alacakli, PartyCapacity.alacakli_vekili})


class CaseParty(Base, IdMixin, TimestampMixin):
    """A person (role `party`) linked by staff to a file it is a party of. A creditor-side link names the
    creditor of the file it is (or represents): that decides which cetvel lines it sees and may object to.
    Links are never deleted, only ended (`ended_at`), so the file keeps who could see what and when."""

    __tablename__ = "case_parties"
    __table_args__ = (
        Index("ix_case_parties_user_id", "user_id"),
        Index("ix_case_parties_case_id", "case_id"),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    capacity: Mapped[str] = mapped_column(String(20))
    creditor_id: Mapped[int | None] = mapped_column(ForeignKey("creditors.id", ondelete="RESTRICT"))
    linked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
