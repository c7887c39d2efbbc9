"""The bid errors of the API contract (409 bid_too_low / round_closed / round_not_open /
already_highest, 403 teminat_required) and the bidder's other refusals."""

from __future__ import annotations

from auction.errors import Conflict, Forbidden, NotFound, Unprocessable


class BidTooLow(Conflict):
    code = "bid_too_low"
    default_message = "Teklif, en az verilebilecek tutarın altında."


class RoundClosed(Conflict):
    code = "round_closed"
    default_message = "Artırma sona erdi; teklif alınmadı."


class RoundNotOpen(Conflict):
    code = "round_not_open"
    default_message = "Artırma henüz başlamadı."


class AlreadyHighest(Conflict):
    code = "already_highest"
    default_message = "En yüksek teklif zaten sizindir; kendi teklifinizi artıramazsınız."


class TeminatRequired(Forbidden):
    code = "teminat_required"
    default_message = "Teklif verebilmek için onaylanmış teminatınız ya da muafiyetiniz olmalıdır."


class SartnameNotAccepted(Forbidden):
    code = "sartname_not_accepted"
    default_message = "Teklif vermeden önce şartnameyi okuyup kabul etmelisiniz."


class BidderExcluded(Forbidden):
    code = "bidder_excluded"
    default_message = "Bu satışta teklif veremezsiniz."


class BidderBarred(Forbidden):
    """S-13 (A-70, İİK 115/3): the buyer who did not pay the price may not bid in the sale's later rounds."""

    code = "bidder_barred"
    default_message = ("İhale bedelini süresinde ödemediğiniz için bu satışın sonraki artırmalarında teklif "
                       "veremezsiniz.")


class IdempotencyKeyReused(Unprocessable):
    code = "idempotency_key_reused"
    default_message = "Bu Idempotency-Key başka bir istekte kullanıldı."


class IdempotencyKeyInvalid(Unprocessable):
    code = "idempotency_key_invalid"
    default_message = "Idempotency-Key 1–200 görünür karakter olmalıdır."


class BidNotFound(NotFound):
    """Someone else's bid is "not found", as any record outside one's reach (404, not 409)."""

    code = "bid_not_found"
    default_message = "Teklif bulunamadı."


class IdempotencyInFlight(Conflict):
    code = "idempotency_key_in_use"
    default_message = "Bu Idempotency-Key ile gönderilen istek henüz tamamlanmadı."


class BidAmountInvalid(Unprocessable):
    """The amount typed on the bid form is not a number the pages accept (the API's pydantic model
    refuses it with `validation_error` before the service sees it)."""

    code = "bid_amount_invalid"
    default_message = "Teklif tutarı anlaşılamadı."
