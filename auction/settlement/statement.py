"""What the buyer owes now, line by line with the rule of each line (`GET /api/v1/sales/{id}/settlement`).

Two phases follow each other (T-01, A-62, A-90): the **price** within 7 days of the tutanak's posting
(less the credited cash teminat, OP-18, and an alacağa mahsuben share, A-57), then, once the ihale is
final, the **taxes** (KDV and damga vergisi) within the muhtıra's period (A-91, OP-26). The tapu harcı is
paid at the land registry at tescil (T-11) and is shown, never collected here. Partial payments add up;
a payment waiting for the bank's callback counts as on its way and cannot be paid twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from auction.calendar import format_local
from auction.clock import iso_ms
from auction.money import ZERO, fmt
from auction.rules.policy import Policy
from auction.sales.deadlines import sale_policy
from auction.sales.documents import percent_tr
from auction.sales.models import PaymentStatus, Sale, SaleStatus
from auction.settlement.mahsup import Mahsup, mahsup_for
from auction.settlement.models import PaymentState, SalePayment
from auction.settlement.service import Settlement, settlement_for_sale

Phase = Literal["price", "taxes", "none"]


@dataclass(frozen=True)
class Line:
    """One line of the statement. `label` and `law` are for people (Turkish, the law in words); `rule` is
    the machine trail (rule ids, rule rows, a payment's reference) that documents and pages print only in
    their marked annex. `text` names the line's wording for translated pages (`after.line.<text>`), with
    `n` and `at` for a payment (its place among the buyer's payments of the sale, when it was received)."""

    key: str
    label: str
    amount: Decimal
    rule: str
    law: str = ""
    text: str = ""
    n: int | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class Statement:
    sale_id: int
    status: str
    payment_status: str | None
    phase: Phase
    settlement: Settlement
    mahsup: Mahsup | None
    price_paid: Decimal
    taxes_paid: Decimal
    in_flight: Decimal  # confirmed payments of this phase waiting for the bank (bank_callback)
    price_due: Decimal  # what the price still needs: price − credit − mahsup − paid
    taxes_due: Decimal  # KDV + damga − paid (once the ihale is final)
    due_now: Decimal
    deadline: datetime | None
    lines: list[Line] = field(default_factory=list)
    defaulted: bool = False  # S-13: the ihale was cancelled for non-payment; nothing is owed on it any more

    @property
    def still_to_pay(self) -> Decimal:
        """Everything the buyer still pays after what he paid: the rest of the price, the taxes not yet
        paid and the tapu harcı (at the land registry). The one figure the page's summary shows."""
        if self.defaulted:
            return ZERO
        return self.price_due + self.taxes_due + self.settlement.tapu_harci_alici

    @property
    def price(self) -> Decimal:
        return self.settlement.price

    @property
    def teminat_credited(self) -> Decimal:
        return self.settlement.teminat_credit

    def to_json(self) -> dict[str, Any]:
        s = self.settlement
        return {
            "sale_id": self.sale_id, "status": self.status, "payment_status": self.payment_status,
            "phase": self.phase, "price": fmt(s.price), "kdv": fmt(s.kdv), "kdv_rate": str(s.kdv_rate),
            "damga_vergisi": fmt(s.damga_vergisi), "tapu_harci": fmt(s.tapu_harci_alici),
            "teminat_credited": fmt(s.teminat_credit),
            "mahsup": fmt(self.mahsup.net_payout) if self.mahsup is not None else None,
            "price_paid": fmt(self.price_paid), "taxes_paid": fmt(self.taxes_paid),
            "in_flight": fmt(self.in_flight), "due_now": fmt(self.due_now),
            "deadline": iso_ms(self.deadline) if self.deadline is not None else None,
            "lines": [{"key": ln.key, "label": ln.label, "amount": fmt(ln.amount), "rule": ln.rule}
                      for ln in self.lines],
        }


async def paid_total(session: AsyncSession, sale_id: int, user_id: int | None, purpose: str,
                     states: tuple[PaymentState, ...] = (PaymentState.received,)) -> Decimal:
    if user_id is None:
        return ZERO
    total: Decimal | None = await session.scalar(select(func.sum(SalePayment.amount)).where(
        SalePayment.sale_id == sale_id, SalePayment.user_id == user_id, SalePayment.purpose == purpose,
        SalePayment.status.in_([s.value for s in states])))
    return total if total is not None else ZERO


async def received_payments(session: AsyncSession, sale_id: int, user_id: int | None,
                            purpose: str | None = None) -> list[SalePayment]:
    stmt = (select(SalePayment).where(SalePayment.sale_id == sale_id, SalePayment.user_id == user_id,
                                      SalePayment.status == PaymentState.received.value)
            .order_by(SalePayment.received_at, SalePayment.id))
    if purpose is not None:
        stmt = stmt.where(SalePayment.purpose == purpose)
    return list((await session.scalars(stmt.execution_options(populate_existing=True))).all())


def phase_of(sale: Sale) -> Phase:
    if sale.status == SaleStatus.awarded and sale.payment_status == PaymentStatus.due:
        return "price"
    if sale.status == SaleStatus.final and sale.taxes_paid_at is None:
        return "taxes"
    return "none"


async def statement_for(session: AsyncSession, sale: Sale, policy: Policy) -> Statement | None:
    """The statement of an awarded sale for its buyer (None before the award, or when the taxes cannot be
    computed from the file: a konut without its net area and no şartname rate, T-09)."""
    settlement = await settlement_for_sale(session, sale, policy=policy)
    if settlement is None:
        return None
    mahsup = await mahsup_for(session, sale, policy)
    buyer = sale.winner_user_id
    price_paid = await paid_total(session, sale.id, buyer, "price")
    taxes_paid = await paid_total(session, sale.id, buyer, "taxes")
    phase = phase_of(sale)
    on_way = await paid_total(session, sale.id, buyer, "price" if phase != "taxes" else "taxes",
                              (PaymentState.pending,)) if phase != "none" else ZERO
    credit = settlement.teminat_credit
    net = mahsup.net_payout if mahsup is not None else ZERO
    price_due = max(ZERO, settlement.price - credit - net - price_paid)
    taxes = settlement.kdv + settlement.damga_vergisi
    taxes_due = max(ZERO, taxes - taxes_paid) if sale.status in (SaleStatus.final, SaleStatus.handover,
                                                                  SaleStatus.distributing, SaleStatus.closed) else taxes
    due_now = ZERO
    deadline: datetime | None = None
    if phase == "price":
        due_now, deadline = max(ZERO, price_due - on_way), sale.payment_due_at
    elif phase == "taxes":
        due_now, deadline = max(ZERO, taxes_due - on_way), sale.tax_due_at
    defaulted = sale.payment_status == PaymentStatus.defaulted
    if defaulted:
        # S-13 (A-70, İİK 115/3): the ihale is cancelled; the teminat is forfeited, not credited, and part payments
        # go back (OP-22), so nothing remains due on this sale, whatever the arithmetic above says.
        price_due = taxes_due = ZERO
    ordinal = {pid: i for i, pid in enumerate((await session.scalars(
        select(SalePayment.id).where(SalePayment.sale_id == sale.id, SalePayment.user_id == buyer)
        .order_by(SalePayment.id))).all(), start=1)}

    def paid_line(p: SalePayment, rule: str, law: str, text: str) -> Line:
        n, at = ordinal.get(p.id), p.received_at or p.created_at
        label = f"{n}. {'vergi ödemesi' if text == 'tax_paid' else 'ödeme'} — {format_local(at)}"
        return Line(f"paid:{p.id}", label, -p.amount, f"{rule} {p.reference}", law, text, n, at)

    credit_ref = sale_policy(sale, policy, "teminat.credit_winner").ref
    lines = [Line("price", "İhale bedeli (KDV hariç)", settlement.price, "A-62 (İİK 130, 118/1); T-01",
                  "İİK 130, 118/1", "price")]
    if defaulted:
        lines.append(Line("defaulted", "İhale bozuldu: bedel süresinde ödenmedi; ödenecek tutar yok", ZERO,
                          "S-13; A-70; OP-22", "İİK 115/3", "defaulted"))
        return Statement(sale_id=sale.id, status=sale.status, payment_status=sale.payment_status, phase=phase,
                         settlement=settlement, mahsup=mahsup, price_paid=price_paid, taxes_paid=taxes_paid,
                         in_flight=on_way, price_due=ZERO, taxes_due=ZERO, due_now=ZERO, deadline=None,
                         lines=lines, defaulted=True)
    if credit > ZERO:
        lines.append(Line("teminat_credit", "Bedele sayılan nakit teminat", -credit, f"A-56; {credit_ref}",
                          "İİK 130", "teminat_credit"))
    if mahsup is not None:
        lines.append(Line("mahsup", f"Alacağa mahsuben: {mahsup.creditor_name} alacaklısının net payı "
                          f"(pay {fmt(mahsup.share)} − tahsil harcı {fmt(mahsup.tahsil_harci)} − cezaevi harcı "
                          f"{fmt(mahsup.cezaevi_harci)})", -mahsup.net_payout, "; ".join(mahsup.refs),
                          "İİK 134/8, 118/1, 130"))
    for p in await received_payments(session, sale.id, buyer, "price"):
        lines.append(paid_line(p, "S-12", "İİK 130", "paid"))
    lines.append(Line("price_due", "Kalan bedel", price_due, "A-62", "İİK 130, 118/1", "price_due"))
    kdv_label = ("KDV (KDVK 17/4-r istisnası: alıcı banka)" if settlement.bank_17_4_r and settlement.kdv == ZERO
                 else f"KDV ({percent_tr(settlement.kdv_rate.quantize(Decimal('0.0001')))})")
    lines.append(Line("kdv", kdv_label, settlement.kdv, settlement.refs.get("kdv", "T-02"),
                      "Katma Değer Vergisi Kanunu" + (" 17/4-r" if settlement.bank_17_4_r else ""), ""))
    lines.append(Line("damga", "Damga vergisi", settlement.damga_vergisi,
                      settlement.refs.get("damga_vergisi", "T-10"), "Damga Vergisi Kanunu", "damga"))
    for p in await received_payments(session, sale.id, buyer, "taxes"):
        lines.append(paid_line(p, "A-90", "İİK 114, 118/2", "tax_paid"))
    demanded = sale.finalised_at is not None
    lines.append(Line("taxes_due", "Kalan KDV ve damga vergisi" if demanded else
                      "KDV ve damga vergisi (ihale kesinleşince istenir)", taxes_due, "A-90, A-91",
                      "İİK 114, 118/2", "taxes_due" if demanded else "taxes_later"))
    if settlement.tapu_harci_alici > ZERO:
        lines.append(Line("tapu", "Tapu harcı, alıcı payı (tescil sırasında tapuda ödenir)",
                          settlement.tapu_harci_alici, settlement.refs.get("tapu_harci_alici", "T-11"),
                          "Harçlar Kanunu", "tapu"))
    return Statement(sale_id=sale.id, status=sale.status, payment_status=sale.payment_status, phase=phase,
                     settlement=settlement, mahsup=mahsup, price_paid=price_paid, taxes_paid=taxes_paid,
                     in_flight=on_way, price_due=price_due, taxes_due=taxes_due, due_now=due_now,
                     deadline=deadline, lines=lines)
