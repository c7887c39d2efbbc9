"""The buyer settlement of a won sale.

`settle` runs the distribution engine on the buyer case of `auction.cetvel.case_from_file` (only step 1
of the distribution contract is wanted: price, KDV by asset and permit date with the 150 m² split, damga
vergisi, the buyer's tapu harcı) and adds the teminat credit (OP-18), the balance and the deadlines.
Never compute a tax here: the rates live in the distribution engine's dated tables and must stay in one
place; `refs` carries the rule and row of each tax as the engine explains it (G-11).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction.calendar import local_date, payment_deadline
from auction.cetvel.case_from_file import buyer_case, kdv_override
from auction.deposits import buyer as buyer_teminat
from auction.distribution.errors import InvalidCase
from auction.distribution.service import run
from auction.lots.models import Lot, LotKind
from auction.money import ZERO, fmt
from auction.rules.policy import Policy
from auction.sales import reads
from auction.sales.models import Round, Sale, Tutanak


@dataclass(frozen=True)
class DueItem:
    """One amount the buyer pays, with the moment it falls due (`when` is an i18n key suffix:
    `payment` = within 7 days of the tutanak, `kesinlesme` = after the sale is final, `tescil` = at the
    land registry)."""

    key: str
    amount: Decimal
    when: str
    due_at: datetime | None = None


@dataclass(frozen=True)
class Settlement:
    sale_id: int
    lot_id: int
    price: Decimal
    kdv_rate: Decimal
    kdv_rate_source: str  # "sartname" (the rate published in the şartname binds, T-05) | "derived" (T-09)
    kdv: Decimal
    damga_vergisi: Decimal
    tapu_harci_alici: Decimal
    total_due: Decimal
    teminat_credit: Decimal
    balance_due: Decimal  # the price less the credited cash teminat: what reaches the office by the deadline
    ihale_date: date
    tutanak_posted_on: date | None
    payment_due_at: datetime | None
    fesih_until: datetime | None
    items: list[DueItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # "kdv" | "damga_vergisi" | "tapu_harci_alici" → the rules and rule rows that produced the figure.
    refs: dict[str, str] = field(default_factory=dict)
    bank_17_4_r: bool = False

    @property
    def cash_still_due(self) -> Decimal:
        """Everything the buyer still has to pay after the credit: balance + KDV + damga + tapu harcı."""
        return self.balance_due + self.kdv + self.damga_vergisi + self.tapu_harci_alici

    def to_json(self) -> dict[str, Any]:
        return {
            "sale_id": self.sale_id, "lot_id": self.lot_id, "price": fmt(self.price),
            "kdv_rate": str(self.kdv_rate), "kdv_rate_source": self.kdv_rate_source, "kdv": fmt(self.kdv),
            "damga_vergisi": fmt(self.damga_vergisi), "tapu_harci_alici": fmt(self.tapu_harci_alici),
            "total_due": fmt(self.total_due), "teminat_credit": fmt(self.teminat_credit),
            "balance_due": fmt(self.balance_due), "ihale_date": self.ihale_date.isoformat(),
            "payment_due_at": self.payment_due_at.isoformat() if self.payment_due_at else None,
        }


def kdv_rate_for_bidders(sale: Sale, lot: Lot, *, on: date, policy: Policy | None = None) -> tuple[
        Decimal | None, str]:
    """The KDV rate a bidder is told before bidding, with where it comes from: the şartname's or the lot's
    own (T-05, "sartname"); else the rate the law gives this asset on `on` (T-09, "derived", from the
    distribution engine: the rates live only there); "unknown" when the asset lacks what that rate
    depends on (a konut's area) - the page then says "KDV hariç" without a rate."""
    rate = kdv_override(sale, lot)
    if rate is not None:
        return rate, "sartname"
    try:
        derived = settle(sale_id=sale.id, lot=lot, price=sale.appraised_value, ihale_date=on, kdv_rate=None,
                         teminat_credit=ZERO, tutanak_posted_on=None, policy=policy)
    except InvalidCase:
        return None, "unknown"
    return derived.kdv_rate, "derived"


def settle(*, sale_id: int, lot: Lot, price: Decimal, ihale_date: date, kdv_rate: Decimal | None,
           teminat_credit: Decimal, tutanak_posted_on: date | None, payment_due_at: datetime | None = None,
           fesih_until: datetime | None = None, policy: Policy | None = None,
           on: date | None = None, bank_17_4_r: bool = False) -> Settlement:
    """Pure: the settlement of a price for a lot. `payment_due_at`, when not given, is computed from the
    tutanak's posting date (A-62: 7 days, close of office hours, holiday roll-over)."""
    result = run(buyer_case(price=price, ihale_date=ihale_date, lot=lot, kdv_rate=kdv_rate, bank_17_4_r=bank_17_4_r),
                 policy=policy, explain=True)
    refs = {e["path"].split(".", 1)[1]: ", ".join([*e["rules"], *e["refs"]]) for e in result.explain
            if e["path"].startswith("buyer_settlement.")}
    bs = result.buyer_settlement
    assert bs is not None  # mode "sale" always has step 1
    if payment_due_at is None and tutanak_posted_on is not None:
        payment_due_at = payment_deadline(tutanak_posted_on, on=on, policy=policy)
    # rule: A-56 / UNCERTAIN(OP-18) - the winner's cash teminat is credited against the price, never
    # against the taxes; it can never exceed the price.
    credit = min(teminat_credit, bs.price)
    balance = bs.price - credit
    items = [DueItem("price_balance", balance, "payment", payment_due_at),
             DueItem("kdv", bs.kdv, "kesinlesme"),
             DueItem("damga", bs.damga_vergisi, "kesinlesme")]
    if lot.kind == LotKind.tasinmaz:
        items.append(DueItem("tapu", bs.tapu_harci_alici, "tescil"))
    return Settlement(
        sale_id=sale_id, lot_id=lot.id, price=bs.price, kdv_rate=bs.kdv_rate,
        kdv_rate_source="sartname" if kdv_rate is not None else "derived", kdv=bs.kdv,
        damga_vergisi=bs.damga_vergisi, tapu_harci_alici=bs.tapu_harci_alici, total_due=bs.total_due,
        teminat_credit=credit, balance_due=balance, ihale_date=ihale_date, tutanak_posted_on=tutanak_posted_on,
        payment_due_at=payment_due_at, fesih_until=fesih_until, items=items,
        warnings=[w.message for w in result.warnings], refs=refs, bank_17_4_r=bank_17_4_r)


async def _posted_tutanak(session: AsyncSession, sale: Sale) -> Tutanak | None:
    stmt = (select(Tutanak).join(Round, Round.id == Tutanak.round_id)
            .where(Tutanak.sale_id == sale.id, Tutanak.posted_at.is_not(None),
                   Round.number == (sale.awarded_round or 1))
            .order_by(Tutanak.id.desc()).limit(1))
    return (await session.scalars(stmt)).first()


async def settlement_for_sale(session: AsyncSession, sale: Sale, *, policy: Policy | None = None) -> Settlement | None:
    """The settlement of an awarded sale (None while there is no price)."""
    if sale.price is None or sale.ihale_date is None:
        return None
    lot = await session.get(Lot, sale.lot_id)
    assert lot is not None
    credit = ZERO
    if reads.snapshot_of(sale).pol("teminat.credit_winner"):
        credit = await buyer_teminat.credit(session, sale.id, sale.winner_user_id)
    tutanak = await _posted_tutanak(session, sale)
    posted_on = local_date(tutanak.posted_at) if tutanak is not None and tutanak.posted_at is not None else None
    try:
        return settle(sale_id=sale.id, lot=lot, price=sale.price, ihale_date=sale.ihale_date,
                      kdv_rate=kdv_override(sale, lot), teminat_credit=credit, tutanak_posted_on=posted_on,
                      # The deadline fixed at the award (A-62; demo: auction/sales/deadlines.py).
                      payment_due_at=sale.payment_due_at, fesih_until=sale.fesih_until, policy=policy,
                      on=sale.ilan_date, bank_17_4_r=sale.bank_17_4_r)
    except InvalidCase:
        # A konut whose area the file lacks and no şartname rate (T-09): the office computes it by hand.
        return None
