"""Records of the steps after the award (docs/aftersale.md)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from auction.db import Base, IdMixin, JSONText, Kurus, TimestampMixin, UTCDateTime


class SaleAlert(Base, IdMixin):
    """A reminder or alert sent once per sale and kind (payment reminder, TM-19, TM-20 …): inserting the
    row is the claim, so two workers never send it twice."""

    __tablename__ = "sale_alerts"
    __table_args__ = (UniqueConstraint("sale_id", "kind"),)

    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class FesihApplication(Base, IdMixin, TimestampMixin):
    """An ihalenin feshi complaint as the office learns of it from the court (A-80 … A-83, T-31)."""

    __tablename__ = "fesih_applications"

    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id", ondelete="RESTRICT"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id", ondelete="RESTRICT"))
    applicant_name: Mapped[str] = mapped_column(String(200))
    # alacakli | borclu | tapu_ilgilisi | sinirli_ayni_hak | teklif_veren | diger
    applicant_kind: Mapped[str] = mapped_column(String(20))
    filed_on: Mapped[date] = mapped_column(Date)
    learned_on: Mapped[date | None] = mapped_column(Date)  # a late complaint runs from learning
    late: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    court: Mapped[str] = mapped_column(String(200))
    court_file_no: Mapped[str | None] = mapped_column(String(64))
    # A-82 / T-31 for an outside applicant: the nispi harç (half up front) and 5 % teminat; what the court
    # reports as paid. Null for applicants who owe neither.
    harc_total: Mapped[Decimal | None] = mapped_column(Kurus)
    harc_upfront: Mapped[Decimal | None] = mapped_column(Kurus)
    teminat_due: Mapped[Decimal | None] = mapped_column(Kurus)
    harc_paid: Mapped[Decimal | None] = mapped_column(Kurus)
    teminat_paid: Mapped[Decimal | None] = mapped_column(Kurus)
    status: Mapped[str] = mapped_column(String(12))  # pending | rejected | annulled
    decided_on: Mapped[date | None] = mapped_column(Date)
    final_on: Mapped[date | None] = mapped_column(Date)
    fine_amount: Mapped[Decimal | None] = mapped_column(Kurus)  # up to 10 % (20 %) on rejection
    nema_amount: Mapped[Decimal | None] = mapped_column(Kurus)  # the bank's figure for the held price
    rules: Mapped[dict[str, Any]] = mapped_column(JSONText, default=dict)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    note: Mapped[str | None] = mapped_column(Text)


class Forfeiture(Base, IdMixin):
    """A-70 / D-60: the defaulting buyer's teminat, kept for the file: the sale costs first, the rest for
    the hak sahipleri. The distribution shares the rest later (OP-44); this row is what it starts from."""

    __tablename__ = "forfeitures"

    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id", ondelete="RESTRICT"), index=True)
    deposit_id: Mapped[int] = mapped_column(ForeignKey("deposits.id", ondelete="RESTRICT"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(8))  # cash | mektup (a letter is called in from the bank)
    amount: Mapped[Decimal] = mapped_column(Kurus)
    costs_part: Mapped[Decimal] = mapped_column(Kurus)  # satış masrafları (C), paid first
    rest_part: Mapped[Decimal] = mapped_column(Kurus)  # for the hak sahipleri (distribution, OP-44)
    status: Mapped[str] = mapped_column(String(16))  # held (until the distribution shares it)
    rules: Mapped[dict[str, Any]] = mapped_column(JSONText, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Handover(Base, IdMixin, TimestampMixin):
    """Tescil or teslim of the sold asset (A-92 … A-94): the letter to the tapu (taşınmaz) or the teslim
    tutanağı (taşınır), the tahliye emri when someone must leave, and the moment of handover / ready."""

    __tablename__ = "handovers"

    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id", ondelete="RESTRICT"), unique=True)
    kind: Mapped[str] = mapped_column(String(12))  # tescil | teslim
    occupied_by: Mapped[str | None] = mapped_column(String(16))  # borclu | third_party
    tahliye_served_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tahliye_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # TM-21
    mode: Mapped[str | None] = mapped_column(String(16))  # tapu_letter_sent | delivered | ready
    at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    note: Mapped[str | None] = mapped_column(Text)


class SaleDocument(Base, IdMixin):
    """A document of the steps after the award, as issued (immutable): HTML for the file, its hash, the
    data it was drawn from (the machine trail) and, once rendered by the worker, its PDF."""

    __tablename__ = "sale_documents"
    __table_args__ = (Index("ix_sale_documents_sale", "sale_id", "kind"),
                      UniqueConstraint("kind", "subject_key"))

    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id", ondelete="RESTRICT"))
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id", ondelete="RESTRICT"))
    # The person the document concerns (the buyer): he may read it; staff of the office always may.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # payment_receipt | iptal_tutanagi | kesinlesme_serhi | tapu_yazisi | teslim_tutanagi | tahliye_emri
    kind: Mapped[str] = mapped_column(String(24))
    subject_key: Mapped[str] = mapped_column(String(64))  # one document per kind and subject
    title: Mapped[str] = mapped_column(String(200))
    html: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSONText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    pdf_key: Mapped[str | None] = mapped_column(String(200))
