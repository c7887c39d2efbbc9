from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from auction.db import Base, DecimalText, IdMixin, Kurus, TimestampMixin, UTCDateTime


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


class HacizKind(StrEnum):
    """The distribution contract's creditor kinds that rank by haciz (docs/law/distribution-contract.md)."""

    haciz = "haciz"  # an executive attachment (İİK 100)
    ihtiyati_haciz = "ihtiyati_haciz"  # its share is reserved until the haciz becomes final (D-14)
    kamu_haczi = "kamu_haczi"  # a public-claim attachment (6183 m.21)
    takipsiz = "takipsiz"  # İİK 101 participation without a takip: joins another creditor's derece


class Haciz(Base, IdMixin, TimestampMixin):
    """A creditor's haciz on one lot (the attached asset) and the claim it is enforced for: what the
    distribution engine needs to place the creditor in a haciz derece and compute its claim at the sale
    date. Which dates and fields a kind takes is the contract's (auction.lots.claims validates it)."""

    __tablename__ = "hacizler"
    __table_args__ = (UniqueConstraint("lot_id", "creditor_id"),)

    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"), index=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditors.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(16))  # HacizKind
    haciz_date: Mapped[date | None] = mapped_column(Date)  # None only for takipsiz
    # For an ilamlı takip, the day the lawsuit was filed (contract). None for kamu_haczi and takipsiz.
    takip_date: Mapped[date | None] = mapped_column(Date)
    # The İİK 100 document (aciz vesikası, ilam, …) the creditor relies on to join an earlier derece.
    document_date: Mapped[date | None] = mapped_column(Date)
    sira: Mapped[int | None] = mapped_column(Integer)  # İİK 206 sıra 1–4; None for kamu_haczi
    # takipsiz: the creditor (with a haciz on the same lot) whose derece this one joins (İİK 101).
    joins_creditor_id: Mapped[int | None] = mapped_column(ForeignKey("creditors.id", ondelete="RESTRICT"))
    principal: Mapped[Decimal] = mapped_column(Kurus)
    # Interest already computed in the takip talebi (a fixed amount).
    interest_accrued: Mapped[Decimal] = mapped_column(Kurus, default=Decimal(0))
    # Takip costs and the vekalet ücreti, kept apart because the file records them apart; the engine
    # takes their sum as the claim's `costs`.
    costs: Mapped[Decimal] = mapped_column(Kurus, default=Decimal(0))
    vekalet_ucreti: Mapped[Decimal] = mapped_column(Kurus, default=Decimal(0))
    imputation: Mapped[str] = mapped_column(String(10), default="tbk100")  # tbk100 | orantili (T-46)


class HacizInterest(Base, IdMixin):
    """One interest period of a haciz's claim: [start, end) at a fixed `rate`, or at the statutory rate of
    the dated table (`rate_table` = "kanuni", T-40: the engine splits it where the rate changes, T-44)."""

    __tablename__ = "haciz_interest_periods"

    haciz_id: Mapped[int] = mapped_column(ForeignKey("hacizler.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)  # exclusive; None = up to the sale date
    rate: Mapped[Decimal | None] = mapped_column(DecimalText)
    rate_table: Mapped[str | None] = mapped_column(String(16))


class HacizPayment(Base, IdMixin):
    """A part payment on a haciz's claim before the sale (imputed by the claim's `imputation`, T-46)."""

    __tablename__ = "haciz_payments"

    haciz_id: Mapped[int] = mapped_column(ForeignKey("hacizler.id", ondelete="CASCADE"), index=True)
    paid_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Kurus)


class AssetTax(Base, IdMixin, TimestampMixin):
    """A tax on the asset itself (emlak vergisi on a taşınmaz, MTV on a vehicle): paid after the pledges and
    before the haciz dereceler, pro rata (contract step 4). The taxing authority need not be a creditor of
    the file, so it is named here."""

    __tablename__ = "asset_taxes"

    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"), index=True)
    tax: Mapped[str] = mapped_column(String(16))  # emlak_vergisi | mtv
    authority: Mapped[str] = mapped_column(String(200))  # e.g. "Kadıköy Belediyesi", "Vergi Dairesi"
    amount: Mapped[Decimal] = mapped_column(Kurus)


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
