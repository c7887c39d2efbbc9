"""Refusals of the bank's payment report (`POST /api/v1/payments/callback`), whoever owns the reference."""

from __future__ import annotations

from auction.errors import Conflict, Unauthorized, Unprocessable


class CallbackRejected(Unauthorized):
    code = "callback_signature_invalid"
    default_message = "Ödeme bildirimi doğrulanamadı."


class CallbackInvalid(Unprocessable):
    code = "callback_invalid"
    default_message = "Ödeme bildirimi geçersiz."


class PaymentsNotConfigured(Conflict):
    code = "payments_not_configured"
    default_message = "Ödeme bildirimi için sağlayıcı yapılandırılmamış."
