"""The bank's signed payment report (`POST /api/v1/payments/callback`, Standard Webhooks signature with
ESATIS_PAYMENT_CALLBACK_SECRET, 5-minute timestamp tolerance): verified and parsed once here, then applied
by whoever owns the reference (a teminat `dep_…`, a price or tax payment `pay_…`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from auction import clock
from auction.bankcallback.errors import CallbackInvalid, CallbackRejected, PaymentsNotConfigured
from auction.clock import iso_ms
from auction.config import Settings
from auction.money import parse_money


@dataclass(frozen=True)
class BankReport:
    kind: str  # payment.succeeded | payment.failed
    reference: str
    amount: Decimal
    paid_at: datetime
    data: dict[str, Any]


def verify(settings: Settings, body: bytes, headers: dict[str, str]) -> BankReport:
    secret = settings.payment_callback_secret
    if secret is None:
        raise PaymentsNotConfigured()

    try:
        Webhook(secret.get_secret_value()).verify(body, headers, json_parse=False)
    except WebhookVerificationError as exc:
        raise CallbackRejected(details={"reason": str(exc)}) from None
    try:
        message = json.loads(body)
        kind = str(message["type"])
        data = dict(message["data"])
        reference = str(data["reference"])
        amount = parse_money(str(data["amount"]))
        paid_at = datetime.fromisoformat(str(data.get("paid_at") or iso_ms(clock.now())).replace("Z", "+00:00"))
        if paid_at.tzinfo is None:
            raise ValueError("paid_at needs a zone")
    except (ValueError, KeyError, TypeError) as exc:
        raise CallbackInvalid(details={"reason": str(exc)}) from None
    return BankReport(kind=kind, reference=reference, amount=amount, paid_at=paid_at, data=data)
