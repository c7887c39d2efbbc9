"""The refusals of a one-time code (422: the request was understood; the code is not acceptable)."""

from __future__ import annotations

from auction.errors import Conflict, Unprocessable


class CodeInvalid(Unprocessable):
    code = "code_invalid"
    default_message = "Doğrulama kodu hatalı."


class CodeExpired(Unprocessable):
    code = "code_expired"
    default_message = "Doğrulama kodunun süresi doldu; yeni kod isteyin."


class CodeExhausted(Unprocessable):
    code = "code_exhausted"
    default_message = "Doğrulama kodu çok kez hatalı girildi; işlem iptal edildi."


class CodeUsed(Conflict):
    code = "code_used"
    default_message = "Bu doğrulama kodu zaten kullanıldı."


class NoPhone(Conflict):
    code = "phone_required"
    default_message = ("Kayıtlı cep telefonunuz yok; doğrulama kodu gönderilemez. Profilinizden telefon "
                       "numaranızı ekleyin.")


class TooManyCodes(Conflict):
    code = "too_many_codes"
    default_message = "Bu işlem için gönderilebilecek kod sayısına ulaşıldı; işlemi yeniden başlatın."
