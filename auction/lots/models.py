from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from auction.db import Base, DecimalText, IdMixin, Kurus, TimestampMixin, UTCDateTime
from auction.lots.searchtext import lot_search_text


class LotKind(StrEnum):
    tasinmaz = "tasinmaz"
    tasinir = "tasinir"


class LotUse(StrEnum):
    konut = "konut"
    isyeri = "isyeri"
    arsa = "arsa"
    arac = "arac"
    diger = "diger"


class LotStatus(StrEnum):
    # docs/law/auction-rules.md §12, lot states.
    seized = "seized"
    appraisal_served = "appraisal_served"
    appraisal_challenged = "appraisal_challenged"
    appraised = "appraised"
    consent_sale = "consent_sale"
    sale_requested = "sale_requested"
    in_sale = "in_sale"
    sold = "sold"
    released = "released"


class Lot(Base, IdMixin, TimestampMixin):
    __tablename__ = "lots"
    __table_args__ = (
        Index("ix_lots_office_status", "office_id", "status"),
        Index("ix_lots_province_district", "province", "district"),
        # Search (auction.watch.search): trigram GIN on PostgreSQL; SQLite searches the FTS5 table
        # `lots_fts` that triggers keep in step with this column (migration 20261205_portal_search).
        Index("ix_lots_search_trgm", "search_text", postgresql_using="gin",
              postgresql_ops={"search_text": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    # Copied from the case so that every office-scope check and search is one index away.
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(24), default=LotStatus.seized.value)
    # Muhammen bedel (M) and the date of the appraisal report.
    appraised_value: Mapped[Decimal] = mapped_column(Kurus)
    appraisal_date: Mapped[date | None] = mapped_column(Date)
    use: Mapped[str] = mapped_column(String(16), default=LotUse.diger.value)
    province: Mapped[str | None] = mapped_column(String(64))
    district: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(500))
    # Taşınmaz
    ada: Mapped[str | None] = mapped_column(String(32))
    parsel: Mapped[str | None] = mapped_column(String(32))
    net_area_m2: Mapped[Decimal | None] = mapped_column(DecimalText)
    imar: Mapped[str | None] = mapped_column(String(200))
    permit_date: Mapped[date | None] = mapped_column(Date)  # yapı ruhsatı (T-04)
    # Taşınır
    category: Mapped[str | None] = mapped_column(String(64))
    plate: Mapped[str | None] = mapped_column(String(16))
    serial_no: Mapped[str | None] = mapped_column(String(64))
    location: Mapped[str | None] = mapped_column(String(200))
    # The şartname's KDV rate when staff set one (T-05, T-09); otherwise derived from the asset.
    kdv_rate: Mapped[Decimal | None] = mapped_column(DecimalText)
    # a taşınır may be put up for sale only when in custody (muhafaza) or ready for handover.
    in_custody: Mapped[bool] = mapped_column(Boolean, default=False)
    # gold and silver are never sold below their metal value.
    metal_value: Mapped[Decimal | None] = mapped_column(Kurus)
    # A-04 / TM-01: the kıymet takdiri, its service and the 7-day şikayet window.
    appraisal_served_on: Mapped[date | None] = mapped_column(Date)
    appraisal_objection_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appraisal_challenged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appraisal_final_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # window_expired | court_decision | staff_confirmed | entered_final
    appraisal_final_basis: Mapped[str | None] = mapped_column(String(24))
    # Gezme (viewing): when and how the lot can be seen before the sale, as the ilan says it.
    viewing_info: Mapped[str | None] = mapped_column(Text)
    # The folded text search matches (auction.lots.searchtext), refreshed on every insert and update.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")


class LotFileKind(StrEnum):
    photo = "photo"
    kiymet_raporu = "kiymet_raporu"
    sartname = "sartname"
    other = "other"


class LotFile(Base, IdMixin):
    """A photo or document of a lot, kept in `Storage` under `storage_key`. Photos are public (their
    metadata is stripped on upload: no personal data, A-34); documents are public only when staff say so."""

    __tablename__ = "lot_files"
    __table_args__ = (Index("ix_lot_files_lot_kind", "lot_id", "kind"),)

    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(16))
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


@event.listens_for(Lot, "before_insert")
@event.listens_for(Lot, "before_update")
def _refresh_search_text(_mapper: object, _connection: object, lot: Lot) -> None:
    lot.search_text = lot_search_text(lot)
