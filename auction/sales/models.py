from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from auction.db import Base, DecimalText, IdMixin, JSONText, Kurus, TimestampMixin, UTCDateTime


class SaleStatus(StrEnum):
    # docs/law/auction-rules.md §12, sale states.
    draft = "draft"
    announced = "announced"
    round_open = "round_open"
    round_closed = "round_closed"
    extension_scheduled = "extension_scheduled"
    awaiting_round2 = "awaiting_round2"
    awarded = "awarded"
    awaiting_finality_check = "awaiting_finality_check"
    final = "final"
    handover = "handover"
    distributing = "distributing"
    closed = "closed"
    failed = "failed"
    cancelled = "cancelled"
    annulled = "annulled"


# A sale in one of these states still owns its lot: a new sale of the same lot is refused.
ACTIVE_SALE_STATES = frozenset({
    SaleStatus.draft, SaleStatus.announced, SaleStatus.round_open, SaleStatus.round_closed,
    SaleStatus.extension_scheduled, SaleStatus.awaiting_round2, SaleStatus.awarded,
    SaleStatus.awaiting_finality_check, SaleStatus.final, SaleStatus.handover, SaleStatus.distributing,
})


class PaymentStatus(StrEnum):
    # docs/law/auction-rules.md §12: the payment sub-state of an awarded sale.
    due = "due"
    paid = "paid"
    defaulted = "defaulted"


class FesihStatus(StrEnum):
    # docs/law/auction-rules.md §12: the ihalenin feshi sub-state of an awarded sale.
    window = "window"  # the A-80 window (TM-17) runs
    none = "none"  # the window ran out with no complaint recorded
    pending = "pending"  # a complaint is recorded (S-14): kesinleşme blocked, the price held with nema
    rejected = "rejected"  # the court's rejection is final (S-15)


class RoundStatus(StrEnum):
    scheduled = "scheduled"
    open = "open"
    closed = "closed"
    cancelled = "cancelled"


class RoundResult(StrEnum):
    above_threshold = "above_threshold"  # A-31 met: award when the tutanak is posted (S-09)
    below_threshold = "below_threshold"  # bids, none above the threshold (S-10 / S-11)
    no_bids = "no_bids"


class Sale(Base, IdMixin, TimestampMixin):
    """One satış kararı of one lot with its şartname, both round windows and the rule values it was
    decided under (G-08). Every figure is stored with the reference of the rule row that produced it."""

    __tablename__ = "sales"
    __table_args__ = (Index("ix_sales_office_status", "office_id", "status"),)

    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(24))
    ruleset: Mapped[str] = mapped_column(String(8))
    ilan_date: Mapped[date] = mapped_column(Date)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # M and the figures derived from it, fixed at the decision.
    appraised_value: Mapped[Decimal] = mapped_column(Kurus)
    opening_price: Mapped[Decimal] = mapped_column(Kurus)
    min_increment: Mapped[Decimal] = mapped_column(Kurus)
    teminat_amount: Mapped[Decimal] = mapped_column(Kurus)
    kdv_rate: Mapped[Decimal | None] = mapped_column(DecimalText)
    # R and C as entered by staff (proposed from the pledges until then), locked at round start.
    r_amount: Mapped[Decimal] = mapped_column(Kurus)
    c_amount: Mapped[Decimal] = mapped_column(Kurus)
    r_proposed: Mapped[Decimal] = mapped_column(Kurus)
    rc_entered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    metal_value: Mapped[Decimal | None] = mapped_column(Kurus)
    # G-08: {key: {"value", "ref"}} of every rule row used, and the open-point values in use.
    rules: Mapped[dict[str, Any]] = mapped_column(JSONText)
    policy: Mapped[dict[str, Any]] = mapped_column(JSONText)
    sartname_html: Mapped[str] = mapped_column(Text)
    sartname_hash: Mapped[str] = mapped_column(String(64))
    warnings: Mapped[list[Any]] = mapped_column(JSONText, default=list)
    # The award (S-09) and its deadlines.
    winner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    winning_bid_id: Mapped[int | None] = mapped_column(BigInteger)
    awarded_round: Mapped[int | None] = mapped_column(Integer)
    price: Mapped[Decimal | None] = mapped_column(Kurus)
    ihale_date: Mapped[date | None] = mapped_column(Date)
    payment_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fesih_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(48))
    # After the award (S-12 … S-22, docs/aftersale.md): the two sub-states of `awarded` and the moments
    # and deadlines of each step. Every change is one conditional UPDATE (auction/sales/state.py).
    payment_status: Mapped[str | None] = mapped_column(String(12))
    fesih_status: Mapped[str | None] = mapped_column(String(12))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # S-12: the price complete
    finality_alert_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # TM-19 (OP-25 grace)
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # S-18
    finalised_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    tax_demand_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the muhtıra served
    tax_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # TM-20 (OP-26)
    taxes_paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # S-19
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # S-21 (A-94: delivered/ready)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # failed / annulled / distributing
    # T-06 / UNCERTAIN(OP-29): the buyer is a bank taking a taşınmaz for its borrower's debt (staff set it).
    bank_17_4_r: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Round(Base, IdMixin, TimestampMixin):
    """One artırma. The bid is a single conditional UPDATE of this row (docs/auction.md): it holds the
    price, the leader, the close and the immutable anti-sniping parameters (A-41) from the snapshot."""

    __tablename__ = "rounds"
    __table_args__ = (
        UniqueConstraint("sale_id", "number"),
        Index("ix_rounds_status_ends_at", "status", "ends_at"),
        Index("ix_rounds_status_starts_at", "status", "starts_at"),
        Index("ix_rounds_lot_id", "lot_id"),
    )

    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id", ondelete="RESTRICT"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    scheduled_end: Mapped[datetime] = mapped_column(UTCDateTime)  # E, never moves
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the close, moved only forward by A-41
    # A-41 parameters from the snapshot: window start E − W, first extension E + X, cap E + K.
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    first_extension_end: Mapped[datetime] = mapped_column(UTCDateTime)
    cap_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ext_window_s: Mapped[int] = mapped_column(Integer)
    ext_step_s: Mapped[int] = mapped_column(Integer)
    ext_cap_s: Mapped[int | None] = mapped_column(Integer)
    ext_mode: Mapped[str] = mapped_column(String(8))  # rolling | once (legacy)
    first_base: Mapped[str] = mapped_column(String(16))  # scheduled_end | bid_time (OP-02)
    allow_self_outbid: Mapped[bool] = mapped_column(Boolean)  # OP-11
    window_bid: Mapped[bool] = mapped_column(Boolean, default=False)  # a bid fell in [E − W, close)
    extensions: Mapped[int] = mapped_column(Integer, default=0)
    last_bid_extended: Mapped[bool] = mapped_column(Boolean, default=False)
    opening_price: Mapped[Decimal] = mapped_column(Kurus)
    min_increment: Mapped[Decimal] = mapped_column(Kurus)
    current_price: Mapped[Decimal | None] = mapped_column(Kurus)
    leader_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    prev_leader_user_id: Mapped[int | None] = mapped_column(BigInteger)
    last_bid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bid_count: Mapped[int] = mapped_column(Integer, default=0)
    # The lot's event counter while this round is the lot's active one (seq is per lot: docs/api-contract.md).
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    # A-52 deadlines, keyed on E.
    cash_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    mektup_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    # locked at the round start (S-03).
    r_amount: Mapped[Decimal | None] = mapped_column(Kurus)
    c_amount: Mapped[Decimal | None] = mapped_column(Kurus)
    threshold: Mapped[Decimal | None] = mapped_column(Kurus)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str | None] = mapped_column(String(24))
    # A-43 / S-08: an outage extension round carries the number of the artırma it extends (1 or 2); its
    # own `number` is the next free one. Null for the announced rounds.
    extension_of: Mapped[int | None] = mapped_column(Integer)

    @property
    def artirma(self) -> int:
        """Which artırma this round is (an outage extension belongs to the one it extends)."""
        return self.extension_of if self.extension_of is not None else self.number


class LotEvent(Base, IdMixin):
    """Every live event of a lot with its gap-free per-lot `seq`: what the WebSocket replays from."""

    __tablename__ = "lot_events"
    __table_args__ = (UniqueConstraint("lot_id", "seq"),)

    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"))
    seq: Mapped[int] = mapped_column(BigInteger)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="RESTRICT"))
    type: Mapped[str] = mapped_column(String(24))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONText)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Tutanak(Base, IdMixin):
    """The artırma sonuç tutanağı of one round (A-60): drafted by the closer, posted by the müdür."""

    __tablename__ = "tutanaklar"

    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id", ondelete="RESTRICT"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="RESTRICT"), unique=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"))
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id", ondelete="RESTRICT"))
    result: Mapped[str] = mapped_column(String(24))
    data: Mapped[dict[str, Any]] = mapped_column(JSONText)
    html: Mapped[str] = mapped_column(Text)  # the file copy (full names)
    html_public: Mapped[str] = mapped_column(Text)  # the portal copy (OP-10)
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # TM-14
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The PDF is rendered after commit by the documents worker (docs/adr/0008): null = still to render.
    pdf_key: Mapped[str | None] = mapped_column(String(200))
    pdf_version: Mapped[int | None] = mapped_column(Integer)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    posted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # the outage report as the müdür saw it when he reviewed it; the tutanak cannot be posted
    # before (reviewed_by null with reviewed_at set = the system under the demo ruleset's auto-post).
    outage_report: Mapped[dict[str, Any] | None] = mapped_column(JSONText)
    outage_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outage_reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # S-08: the müdür ordered an outage extension instead of posting this tutanak.
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # TM-14: when the müdür(s) were alerted that it is overdue (set once, by a conditional update).
    overdue_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
