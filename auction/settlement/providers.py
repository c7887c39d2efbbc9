"""How the price and the taxes are paid in and refunded (ESATIS_PAYMENTS): the same two providers as the
teminat (auction/deposits/providers.py). `simulated` (development and demos) takes the money at once;
`bank_callback` gives the buyer the office's account and a reference and waits for the bank's signed
callback (`POST /api/v1/payments/callback`, Standard Webhooks)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from auction.clock import iso_ms, now
from auction.config import Settings
from auction.money import fmt
from auction.settlement.models import PaymentRefund, SalePayment
from auction.users.models import Office


@dataclass(frozen=True)
class Charge:
    received: bool
    data: dict[str, Any] = field(default_factory=dict)


class PriceProvider(ABC):
    name: str

    @abstractmethod
    async def charge(self, payment: SalePayment, office: Office) -> Charge:
        """Collect a confirmed payment; received=True when the money is already in the office account."""

    @abstractmethod
    async def refund(self, refund: PaymentRefund, iban: str | None) -> str:
        """Send money back to the payer (idempotent per refund id); returns the provider's reference."""


class SimulatedPriceProvider(PriceProvider):
    name = "simulated"

    async def charge(self, payment: SalePayment, office: Office) -> Charge:
        return Charge(True, {"provider": self.name, "reference": payment.reference, "amount": fmt(payment.amount),
                             "received_at": iso_ms(now())})

    async def refund(self, refund: PaymentRefund, iban: str | None) -> str:
        return f"sim-payment-refund-{refund.id}"


class BankCallbackPriceProvider(PriceProvider):
    name = "bank_callback"

    async def charge(self, payment: SalePayment, office: Office) -> Charge:
        return Charge(False, {
            "provider": self.name, "reference": payment.reference, "amount": fmt(payment.amount),
            "iban": office.iban, "account_name": office.name, "description": f"Satış {payment.sale_id} "
            f"{payment.reference}",
            "instructions": "Tutarı açıklamaya referansı yazarak daire hesabına gönderin; banka bildirimi "
                            "geldiğinde ödeme alınmış sayılır.",
        })

    async def refund(self, refund: PaymentRefund, iban: str | None) -> str:
        # The instruction is recorded for the mali işlemler bürosu (seed 000); the bank's own reference is
        # added when it reports the transfer.
        return f"eft-payment-{refund.id}"


_PROVIDERS: dict[str, PriceProvider] = {p.name: p for p in (SimulatedPriceProvider(), BankCallbackPriceProvider())}


def provider_for(settings: Settings) -> PriceProvider:
    return _PROVIDERS[settings.payments]


def provider_named(name: str) -> PriceProvider:
    return _PROVIDERS[name]
