"""The sıra cetveli of a sale as the office keeps it (docs/distribution.md, "The cetvel of a sale").

- `Cetvel`: one per sale; its lifecycle status (D-52) and the objection window (D-41, TM-23).
- `CetvelVersion`: one engine run on one case (the input, the result with its explain trail and the rule
  rows used), never edited: a correction is a new version (D-48), the old one kept.
- `CetvelLine`: one outflow of a version: a deduction, a creditor's net payout, the harç withheld from it,
  the debtor's surplus; its money in kuruş and its state (open → final | disputed | reserved | held → paid).
- `Objection`: an itiraz davası or şikayet a party records against lines (D-41, D-53).
- `Payout`: the instruction to pay one line (D-44), prepared by one person and approved by another.
- `PayoutFile`: a bank payment file exported with its checksum; its payouts are marked sent.
- `PayoutGuarantee`: the kesin ve süresiz teminat mektubu a creditor lodged to be paid before its line is
  final (D-43, İİK 142/a), held by the office until the line is final (then returned) — OP-50.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from auction.db import Base, IdMixin, JSONText, Kurus, TimestampMixin, UTCDateTime


class Cetvel(Base, IdMixin, TimestampMixin):
    __tablename__ = "cetvels"

    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id", ondelete="RESTRICT"), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id", ondelete="RESTRICT"))
    # draft | served | partly_final | final | paid (D-52; the contract's names)
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)  # the current version's number
    served_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    served_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    objection_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # TM-23
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finalised_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CetvelVersion(Base, IdMixin):
    __tablename__ = "cetvel_versions"
    __table_args__ = (UniqueConstraint("cetvel_id", "version"),)

    cetvel_id: Mapped[int] = mapped_column(ForeignKey("cetvels.id", ondelete="RESTRICT"))
    version: Mapped[int] = mapped_column(Integer)
    case: Mapped[dict[str, Any]] = mapped_column(JSONText)  # the engine's input
    result: Mapped[dict[str, Any]] = mapped_column(JSONText)  # its output with `explain` and `rules_used`
    creditor_ids: Mapped[dict[str, Any]] = mapped_column(JSONText)  # case creditor id → the file's Creditor.id
    omitted: Mapped[list[Any]] = mapped_column(JSONText)  # file records the case could not hold
    # The invariant's terms (kuruş): distributed = paid out + harç withheld + held + surplus.
    distributed: Mapped[Decimal] = mapped_column(Kurus)
    reason: Mapped[str] = mapped_column(Text)  # "handover", "on demand", or staff's correction reason
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CetvelLine(Base, IdMixin):
    __tablename__ = "cetvel_lines"
    __table_args__ = (UniqueConstraint("version_id", "key"), Index("ix_cetvel_lines_cetvel_id", "cetvel_id"))

    cetvel_id: Mapped[int] = mapped_column(ForeignKey("cetvels.id", ondelete="RESTRICT"))
    version_id: Mapped[int] = mapped_column(ForeignKey("cetvel_versions.id", ondelete="RESTRICT"))
    # "deduction:<id>", "creditor:<case id>", "harc:<case id>", "surplus"
    key: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(12))  # deduction | creditor | harc | surplus
    # The engine's line it comes from: the deduction id or the case creditor id.
    ref: Mapped[str | None] = mapped_column(String(64))
    creditor_id: Mapped[int | None] = mapped_column(ForeignKey("creditors.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Kurus)
    # open | final | disputed | reserved | held | paid | paid_against_guarantee (D-43, D-52)
    state: Mapped[str] = mapped_column(String(24))
    # When it became payable (final, D-54): the 3 working days of D-44 (TM-22) run from here.
    payable_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rules: Mapped[list[Any]] = mapped_column(JSONText, default=list)


class Objection(Base, IdMixin, TimestampMixin):
    __tablename__ = "cetvel_objections"

    cetvel_id: Mapped[int] = mapped_column(ForeignKey("cetvels.id", ondelete="RESTRICT"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditors.id", ondelete="RESTRICT"))  # who objects
    kind: Mapped[str] = mapped_column(String(8))  # itiraz | sikayet (D-41)
    lines: Mapped[list[Any]] = mapped_column(JSONText)  # the case creditor ids it holds (D-53, OP-46)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))  # pending | upheld | rejected
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    applied_in_version: Mapped[int | None] = mapped_column(Integer)  # D-48: the corrected version


LIVE_PAYOUT = "status IN ('prepared', 'approved', 'sent')"


class Payout(Base, IdMixin, TimestampMixin):
    """One instruction. A line key is paid once over all versions (one live instruction), whatever version
    prepared it."""

    __tablename__ = "payouts"
    # One live instruction per line key over all versions: a cancelled one, or one sent whose teminat
    # mektubu was then called (`recalled`, D-43, OP-50), no longer counts, and the line is instructed again.
    __table_args__ = (Index("uq_payouts_cetvel_id_key_live", "cetvel_id", "key", unique=True,
                            postgresql_where=text(LIVE_PAYOUT), sqlite_where=text(LIVE_PAYOUT)),)

    cetvel_id: Mapped[int] = mapped_column(ForeignKey("cetvels.id", ondelete="RESTRICT"))
    version: Mapped[int] = mapped_column(Integer)
    line_id: Mapped[int] = mapped_column(ForeignKey("cetvel_lines.id", ondelete="RESTRICT"))
    key: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(12))
    party: Mapped[str] = mapped_column(String(200))
    party_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    iban: Mapped[str | None] = mapped_column(String(34))
    # eft (to the IBAN) | harc (to the treasury, T-30) | mahsup (settled whole by the buyer's netting, A-57)
    channel: Mapped[str] = mapped_column(String(8))
    amount: Mapped[Decimal] = mapped_column(Kurus)  # the line's whole amount, what the party is paid
    # A-57 / OP-21: the part the buying creditor already kept by paying the price less its share; only
    # `amount - netted` leaves the office's account (the bank file's row).
    netted: Mapped[Decimal] = mapped_column(Kurus, default=Decimal("0.00"), server_default=text("0"))
    # prepared | approved | sent | cancelled (before sent) | recalled (sent, then its guarantee called, OP-50)
    status: Mapped[str] = mapped_column(String(10))
    due_by: Mapped[datetime] = mapped_column(UTCDateTime)  # TM-22 (D-44)
    prepared_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("payout_files.id", ondelete="RESTRICT"))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PayoutFile(Base, IdMixin):
    __tablename__ = "payout_files"

    cetvel_id: Mapped[int] = mapped_column(ForeignKey("cetvels.id", ondelete="RESTRICT"), index=True)
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    total: Mapped[Decimal] = mapped_column(Kurus)
    count: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PayoutGuarantee(Base, IdMixin, TimestampMixin):
    """D-43: a bank's kesin ve süresiz teminat mektubu against a payout before finality. Recorded with the
    payout instruction it backs (which a müdür approves as any other, four eyes); `held` while the office
    keeps the letter, `released` (returned) once the line is final or the instruction was cancelled."""

    __tablename__ = "payout_guarantees"

    cetvel_id: Mapped[int] = mapped_column(ForeignKey("cetvels.id", ondelete="RESTRICT"), index=True)
    payout_id: Mapped[int] = mapped_column(ForeignKey("payouts.id", ondelete="RESTRICT"), index=True)
    key: Mapped[str] = mapped_column(String(80))  # the line paid (`creditor:<cid>`)
    version: Mapped[int] = mapped_column(Integer)  # the cetvel version the line was paid under
    bank: Mapped[str] = mapped_column(String(200))
    letter_no: Mapped[str] = mapped_column(String(64))
    letter_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Kurus)  # fixed by the office: the share and its interest (D-43)
    share: Mapped[Decimal] = mapped_column(Kurus)  # the line's amount paid against it
    status: Mapped[str] = mapped_column(String(10))  # held | released | called
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # OP-50: what the bank paid when the office called the letter (the share back, and interest), and when.
    called_amount: Mapped[Decimal | None] = mapped_column(Kurus)
    called_on: Mapped[date | None] = mapped_column(Date)
    called_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # final (the line became final: the letter goes back) | cancelled (its instruction was cancelled)
    release_reason: Mapped[str | None] = mapped_column(String(12))
