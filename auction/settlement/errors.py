"""Refusals around paying the price and the taxes (the contract's `code_invalid` is auction.otp's)."""

from __future__ import annotations

from auction.errors import Conflict, Forbidden, NotFound, Unprocessable


class PaymentNotFound(NotFound):
    code = "payment_not_found"
    default_message = "Ödeme bulunamadı."


class NotTheBuyer(Forbidden):
    code = "not_the_buyer"
    default_message = "Bu satışın ödemesini yalnızca ihalenin üzerinde kaldığı alıcı yapabilir."


class NothingDue(Conflict):
    code = "nothing_due"
    default_message = "Şu anda bu satış için ödenecek bir tutar yok."


class PaymentDeadlinePassed(Conflict):
    code = "payment_deadline_passed"
    default_message = "Ödeme süresi doldu; ödeme alınamaz (İİK 130, 118/1)."


class AmountExceedsDue(Unprocessable):
    code = "amount_exceeds_due"
    default_message = "Tutar, şu anda ödenmesi gereken tutarı aşıyor."


class PaymentCancelled(Conflict):
    code = "payment_cancelled"
    default_message = "Bu ödeme iptal edildi; yeni bir ödeme başlatın."


class PaymentAlreadyConfirmed(Conflict):
    code = "payment_already_confirmed"
    default_message = "Bu ödeme zaten onaylandı."


class IdempotencyKeyReused(Unprocessable):
    code = "idempotency_key_reused"
    default_message = "Bu Idempotency-Key başka bir istekte kullanıldı."


class IdempotencyKeyInvalid(Unprocessable):
    code = "idempotency_key_invalid"
    default_message = "Idempotency-Key 1–200 görünür karakter olmalıdır."


class MahsupNotComputable(Conflict):
    """A-57 / OP-21: the creditor's share cannot be computed from the file's records today."""

    code = "mahsup_not_computable"
    default_message = ("Alacağa mahsuben alım için alacaklının bu satıştan alacağı pay dosya kayıtlarından "
                       "hesaplanamıyor (bu mal üzerinde rehni ya da haczi kayıtlı alacaklılar için hesaplanır).")


class MahsupInvalid(Unprocessable):
    code = "mahsup_invalid"
    default_message = "Alacağa mahsuben alım beyanı kaydedilemiyor."
