"""The timers after the award, as rows the aftersale worker claims (`FOR UPDATE SKIP LOCKED` on
PostgreSQL, the single writer on SQLite) and acts on with a conditional transition, each in its own
transaction, so a timer fires exactly once however many workers run:

| timer | claim | action |
| --- | --- | --- |
| TM-16 | awarded, payment due, `payment_due_at` ≤ now | S-13 default (default.py) |
| TM-17 | awarded, fesih window, `fesih_until` ≤ now | window closed (finality.py) |
| S-17 | awarded, paid, fesih none or rejected | finality check (finality.py) |
| TM-19 | awaiting finality check, `finality_alert_at` ≤ now | alert staff and müdür once |
| TM-20 | final, taxes unpaid, `tax_due_at` ≤ now | alert the müdür once (S-20 is his decision) |
| reminders | payment / taxes due, `deadline − payment.reminder_before` ≤ now | `payment.reminder` to the buyer once |

Alerts and reminders are claimed by inserting their `sale_alerts` row (unique per sale and kind).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from auction.aftersale.models import SaleAlert
from auction.audit import service as audit
from auction.calendar import format_local
from auction.clock import iso_ms
from auction.dbutil import claim, insert_ignore
from auction.events import service as events
from auction.notifications import service as notifications
from auction.runtime import Runtime
from auction.sales import deadlines
from auction.sales.models import FesihStatus, PaymentStatus, Sale, SaleStatus
from auction.users.models import Role, User


def _when(value: datetime | None) -> str:
    return format_local(value) if value is not None else "—"


async def _first(session: AsyncSession, *where: Any, order: Any) -> int | None:
    stmt = select(Sale.id).where(*where).order_by(order).limit(1)
    return (await session.execute(claim(session, stmt, of=Sale))).scalar()


async def claim_default(session: AsyncSession, now: datetime) -> int | None:
    return await _first(session, Sale.status == SaleStatus.awarded.value,
                        Sale.payment_status == PaymentStatus.due.value, Sale.payment_due_at <= now,
                        order=Sale.payment_due_at)


async def claim_window_close(session: AsyncSession, now: datetime) -> int | None:
    return await _first(session, Sale.status == SaleStatus.awarded.value,
                        Sale.fesih_status == FesihStatus.window.value, Sale.fesih_until <= now,
                        order=Sale.fesih_until)


async def claim_finality_check(session: AsyncSession, now: datetime) -> int | None:
    return await _first(session, Sale.status == SaleStatus.awarded.value,
                        Sale.payment_status == PaymentStatus.paid.value,
                        Sale.fesih_status.in_([FesihStatus.none.value, FesihStatus.rejected.value]),
                        order=Sale.id)


async def due_alerts(session: AsyncSession, now: datetime, limit: int = 100) -> list[tuple[int, str]]:
    """(sale id, alert kind) pairs whose moment has come and that were not sent yet."""
    candidates = (await session.execute(
        select(Sale).where(or_(
            and_(Sale.status == SaleStatus.awarded.value, Sale.payment_status == PaymentStatus.due.value,
                 Sale.payment_due_at > now),
            and_(Sale.status == SaleStatus.final.value, Sale.taxes_paid_at.is_(None)),
            and_(Sale.status == SaleStatus.awaiting_finality_check.value, Sale.finality_alert_at <= now),
        )).order_by(Sale.id).limit(limit))).scalars().all()
    sent: set[tuple[int, str]] = set()
    if candidates:
        rows = (await session.execute(select(SaleAlert.sale_id, SaleAlert.kind).where(
            SaleAlert.sale_id.in_([s.id for s in candidates])))).all()
        sent = {(int(i), str(k)) for i, k in rows}
    out: list[tuple[int, str]] = []
    for sale in candidates:
        wanted: list[str] = []
        if sale.status == SaleStatus.awarded and sale.payment_due_at is not None:
            if deadlines.reminder_at(sale, sale.payment_due_at) <= now:
                wanted.append(f"reminder:price:{sale.awarded_round}")
        elif sale.status == SaleStatus.final and sale.tax_due_at is not None:
            if sale.tax_due_at <= now:
                wanted.append("tm20:taxes_overdue")
            elif deadlines.reminder_at(sale, sale.tax_due_at) <= now:
                wanted.append("reminder:taxes")
        elif sale.status == SaleStatus.awaiting_finality_check:
            # per alert moment: a sale back in the check after a rejected complaint is alerted again
            wanted.append(f"tm19:{int(sale.finality_alert_at.timestamp()) if sale.finality_alert_at else 0}")
        out.extend((sale.id, k) for k in wanted if (sale.id, k) not in sent)
    return out


async def send_alert(session: AsyncSession, runtime: Runtime, sale_id: int, kind: str, now: datetime) -> bool:
    """Claim the alert by inserting its row, then send it (in the same transaction)."""
    if await insert_ignore(session, SaleAlert, {"sale_id": sale_id, "kind": kind, "at": now},
                           ["sale_id", "kind"]) is None:
        return False
    sale = await session.get(Sale, sale_id)
    assert sale is not None
    if kind.startswith("reminder:"):
        purpose = kind.split(":")[1]
        due_at = sale.payment_due_at if purpose == "price" else sale.tax_due_at
        events.emit(session, "payment.reminder", {
            "sale_id": sale.id, "lot_id": sale.lot_id, "buyer_user_id": sale.winner_user_id, "purpose": purpose,
            "due_at": iso_ms(due_at) if due_at else None}, subject_type="sale", subject_id=sale.id,
            office_id=sale.office_id)
    elif kind.startswith("tm19:"):
        await _notify_office(session, runtime, sale, kind, roles=(Role.staff, Role.manager),
                             title="Kesinleşme kontrolü bekliyor",
                             message=f"Satış {sale.id}: ihalenin feshi süresi {_when(sale.fesih_until)} "
                                     "itibarıyla doldu; UYAP'tan şikâyet olmadığını doğrulayıp ihaleyi kesinleştirin "
                                     "(İİK 134, A-85).")
    elif kind.startswith("tm20:"):
        await _notify_office(session, runtime, sale, kind, roles=(Role.manager,),
                             title="KDV ve damga vergisi ödenmedi",
                             message=f"Satış {sale.id}: muhtıra süresi {_when(sale.tax_due_at)} itibarıyla "
                                     "doldu ve vergiler ödenmedi; ihalenin iptaline karar verebilirsiniz "
                                     "(A-91, OP-26).")
    audit.record(session, "sale.alert", "sale", sale.id, office_id=sale.office_id, data={"kind": kind})
    return True


async def _notify_office(session: AsyncSession, runtime: Runtime, sale: Sale, kind: str, *, roles: tuple[Role, ...],
                         title: str, message: str) -> None:
    users = list((await session.scalars(select(User.id).where(
        User.office_id == sale.office_id, User.role.in_([r.value for r in roles]), User.is_active.is_(True))
        .order_by(User.id))).all())
    await notifications.notify(session, [notifications.NewNotification(
        user_id=uid, kind=kind.split(":")[0], title=title, message=message, key=f"{kind}:sale:{sale.id}",
        lot_id=sale.lot_id, data={"sale_id": sale.id, "kind": kind}) for uid in users], runtime.broker)
