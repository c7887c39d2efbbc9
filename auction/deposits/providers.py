"""Payment providers for teminat (A-51): how a deposit is paid in and how a refund goes out.

`simulated` (ESATIS_PAYMENTS=simulated, development and demos only) confirms at once. `bank_callback`
gives the bidder the office's account and a reference; the bank (or e-money institution integrated with
the Ministry, Yönetmelik 3/b) confirms through a signed callback (Standard Webhooks,
ESATIS_PAYMENT_CALLBACK_SECRET). A teminat mektubu is lodged with the office and released by it (`office`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from auction.clock import iso_ms, now
from auction.config import Settings
from auction.deposits.models import Deposit, Refund
from auction.money import fmt
from auction.users.models import Office


@dataclass(frozen=True)
class PaymentStart:
    confirmed: bool
    payment: dict[str, Any] = field(default_factory=dict)


class PaymentProvider(ABC):
    name: str

    @abstractmethod
    async def start(self, deposit: Deposit, office: Office) -> PaymentStart:
        """Begin collecting a cash teminat; confirmed=True when the money is already there."""

    @abstractmethod
    async def refund(self, refund: Refund, deposit: Deposit, iban: str | None) -> str:
        """Send the money back (idempotent per refund id); returns the provider's reference."""


class SimulatedProvider(PaymentProvider):
    name = "simulated"

    async def start(self, deposit: Deposit, office: Office) -> PaymentStart:
        return PaymentStart(True, {"provider": self.name, "reference": deposit.reference, "amount": fmt(deposit.amount),
                                   "confirmed_at": iso_ms(now())})

    async def refund(self, refund: Refund, deposit: Deposit, iban: str | None) -> str:
        return f"sim-refund-{refund.id}"


class BankCallbackProvider(PaymentProvider):
    name = "bank_callback"

    async def start(self, deposit: Deposit, office: Office) -> PaymentStart:
        return PaymentStart(False, {
            "provider": self.name, "reference": deposit.reference, "amount": fmt(deposit.amount),
            "iban": office.iban, "account_name": office.name,
            "description": f"Teminat {deposit.reference}",
            "instructions": "Tutarı açıklamaya referansı yazarak daire hesabına yatırın; banka bildirimi "
                            "geldiğinde teminat onaylanır.",
        })

    async def refund(self, refund: Refund, deposit: Deposit, iban: str | None) -> str:
        # The instruction is recorded for the mali işlemler bürosu; the bank's own reference is added
        # when it reports the transfer (outside this issue).
        return f"eft-{refund.id}"


class OfficeProvider(PaymentProvider):
    """Teminat mektupları: nothing is paid in or out through a bank; the office returns the letter."""

    name = "office"

    async def start(self, deposit: Deposit, office: Office) -> PaymentStart:
        return PaymentStart(True, {"provider": self.name, "reference": deposit.reference})

    async def refund(self, refund: Refund, deposit: Deposit, iban: str | None) -> str:
        return f"mektup-iade-{refund.id}"


_PROVIDERS: dict[str, PaymentProvider] = {p.name: p for p in (SimulatedProvider(), BankCallbackProvider(),
                                                               OfficeProvider())}


def provider_for(settings: Settings) -> PaymentProvider:
    return _PROVIDERS[settings.payments]


def provider_named(name: str) -> PaymentProvider:
    return _PROVIDERS[name]
