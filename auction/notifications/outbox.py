"""The notifications consumer of the outbox: turns user-targeted events into notifications.

| event | who | kind |
| --- | --- | --- |
| `bid.outbid` | `data.user_id` (the previous leader) | `outbid` |
| `deposit.confirmed` | `data.user_id` | `deposit_confirmed` |
| `deposit.refunded` | `data.user_id` | `deposit_refunded` |
| `sale.won` | `data.buyer_user_id` | `sale_won` |
| `payment.due` | `data.buyer_user_id` | `payment_due` |
| `payment.received`, `payment.reminder`, `payment.defaulted` | `data.buyer_user_id` | `payment_*` |
| `payment.refunded` | `data.user_id` | `payment_refunded` |
| `sale.finalised`, `sale.handover`, `sale.failed` (when it names a buyer) | `data.buyer_user_id` | `sale_*` |

Every other event is no concern of this consumer. The notification's `key` is the event's `event_id`,
so relaying an event twice would still notify once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction.broker import Broker
from auction.calendar import format_local
from auction.events.models import OutboxEvent
from auction.lots.models import Lot
from auction.money import fmt_tr
from auction.notifications import service
from auction.notifications.service import NewNotification


def _money(value: Any) -> str:
    try:
        return fmt_tr(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)


def _when(value: Any) -> str:
    try:
        return format_local(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
    except ValueError:
        return str(value)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


Text = tuple[str, str]  # (title, message)
Builder = Callable[[dict[str, Any], str], Text]

# (kind, whose user id in data, build(data, lot title) → (title, message))
RULES: dict[str, tuple[str, str, Builder]] = {
    "bid.outbid": ("outbid", "user_id", lambda d, lot: (
        "Teklifiniz geçildi",
        f"«{lot}» için teklifiniz geçildi: yeni en yüksek teklif {_money(d.get('amount'))}. "
        f"Artırma {_when(d.get('ends_at'))} itibarıyla sona eriyor.")),
    "deposit.confirmed": ("deposit_confirmed", "user_id", lambda d, lot: (
        "Teminatınız onaylandı",
        f"«{lot}» için {_money(d.get('amount'))} teminatınız onaylandı; artık teklif verebilirsiniz.")),
    "deposit.refunded": ("deposit_refunded", "user_id", lambda d, lot: (
        "Teminatınız iade edildi",
        f"«{lot}» için yatırdığınız {_money(d.get('amount'))} teminat iade edildi.")),
    "sale.won": ("sale_won", "buyer_user_id", lambda d, lot: (
        "İhale üzerinize kaldı",
        f"«{lot}» {_money(d.get('price'))} bedelle üzerinize ihale edildi.")),
    "payment.due": ("payment_due", "buyer_user_id", lambda d, lot: (
        "Satış bedelini ödeyin",
        f"«{lot}» için ödenecek kalan satış bedeli {_money(d.get('balance'))}; "
        f"son ödeme zamanı {_when(d.get('due_at'))}.")),
    # After the award (docs/aftersale.md).
    "payment.received": ("payment_received", "buyer_user_id", lambda d, lot: (
        "Ödemeniz tamamlandı" if d.get("purpose") == "price" else "Vergi ödemeniz tamamlandı",
        f"«{lot}» için " + ("ihale bedelinin tamamı alındı; ihalenin kesinleşmesi bekleniyor."
                            if d.get("purpose") == "price" else
                            "KDV ve damga vergisi alındı; tescil / teslim işlemleri başlıyor."))),
    "payment.reminder": ("payment_reminder", "buyer_user_id", lambda d, lot: (
        "Ödeme süreniz doluyor",
        f"«{lot}» için " + ("ihale bedelinin" if d.get("purpose") == "price" else "KDV ve damga vergisinin")
        + f" son ödeme zamanı {_when(d.get('due_at'))}. Süre uzatılamaz.")),
    "payment.defaulted": ("payment_defaulted", "buyer_user_id", lambda d, lot: (
        "İhale bozuldu",
        f"«{lot}» için ihale bedeli süresinde ödenmediğinden ihale iptal edildi; teminat iade edilmez "
        f"(İİK 115/3). Kısmi ödemeleriniz ({_money(d.get('refunded_part_payments'))}) iade edilir.")),
    "payment.refunded": ("payment_refunded", "user_id", lambda d, lot: (
        "Ödemeniz iade edildi",
        f"«{lot}» için {_money(d.get('amount'))} kayıtlı IBAN'ınıza iade edildi.")),
    "sale.finalised": ("sale_finalised", "buyer_user_id", lambda d, lot: (
        "İhale kesinleşti",
        f"«{lot}» için ihale kesinleşti. KDV ve damga vergisi ({_money(d.get('taxes_due'))}) en geç "
        f"{_when(d.get('tax_due_at'))} tarihine kadar ödenmelidir.")),
    "sale.handover": ("sale_handover", "buyer_user_id", lambda d, lot: (
        "Tescil / teslim aşaması",
        f"«{lot}» için " + ("tapu müdürlüğüne tescil yazısı hazırlandı." if d.get("kind") == "tescil"
                            else "teslim işlemleri başladı; satış bürosu sizinle iletişime geçecek."))),
    "sale.failed": ("sale_failed", "buyer_user_id", lambda d, lot: (
        "İhale iptal edildi",
        f"«{lot}» için ihale iptal edildi ({d.get('reason')}); ödedikleriniz iade edilir.")),
}


class NotificationsConsumer:
    """Creates the notifications of a batch of outbox events in the relay's transaction."""

    name = "notifications"

    def __init__(self, broker: Broker | None) -> None:
        self.broker = broker

    async def consume(self, session: AsyncSession, events: Sequence[OutboxEvent]) -> None:
        wanted = [(e, RULES[e.type]) for e in events if e.type in RULES]
        if not wanted:
            return
        lot_ids = {i for e, _ in wanted if (i := _int(e.data.get("lot_id"))) is not None}
        titles: dict[int, str] = {}
        if lot_ids:
            rows = (await session.execute(select(Lot.id, Lot.title).where(Lot.id.in_(lot_ids)))).all()
            titles = {int(i): str(t) for i, t in rows}
        items: list[NewNotification] = []
        for event, (kind, who, build) in wanted:
            user_id = _int(event.data.get(who))
            if user_id is None:
                continue
            lot_id = _int(event.data.get("lot_id"))
            title, message = build(event.data, titles.get(lot_id or 0, "Satış"))
            items.append(NewNotification(user_id=user_id, kind=kind, title=title, message=message,
                                         key=event.event_id, lot_id=lot_id if lot_id in titles else None,
                                         data={**event.data, "event_id": event.event_id, "event": event.type}))
        await service.notify(session, items, self.broker)
