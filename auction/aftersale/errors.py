from __future__ import annotations

from auction.errors import Conflict, NotFound, Unprocessable


class FesihInvalid(Unprocessable):
    code = "fesih_invalid"
    default_message = "İhalenin feshi başvurusu kaydedilemiyor."


class FesihOutOfTime(Conflict):
    """A-80 / A-81: outside the 7 days from the ihale date (or from learning, within one year)."""

    code = "fesih_out_of_time"
    default_message = ("Şikâyet, ihale tarihinden itibaren 7 gün içinde (ilan tebliğ edilmemişse öğrenmeden "
                       "itibaren 7 gün, en geç ihalenin ilanından 1 yıl içinde) yapılmalıdır (İİK 134).")


class DocumentNotFound(NotFound):
    code = "document_not_found"
    default_message = "Belge bulunamadı."


class FesihNotFound(NotFound):
    code = "fesih_not_found"
    default_message = "İhalenin feshi başvurusu bulunamadı."


class TaxesUnpaid(Conflict):
    code = "taxes_unpaid"
    default_message = "KDV ve damga vergisi ödenmeden tescil ya da teslim yapılamaz (İİK 114 son fıkra)."


class DeadlineNotPassed(Conflict):
    code = "deadline_not_passed"
    default_message = "Muhtıra süresi dolmadan ihale vergilerin ödenmemesi nedeniyle iptal edilemez."


class ReasonRequired(Unprocessable):
    code = "reason_required"
    default_message = "Bu karar için gerekçe yazılmalıdır."
