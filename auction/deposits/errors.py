from __future__ import annotations

from auction.errors import Conflict, Forbidden, NotFound, Unprocessable


class DepositNotFound(NotFound):
    code = "deposit_not_found"
    default_message = "Teminat kaydı bulunamadı."


class DepositsClosed(Conflict):
    code = "deposits_closed"
    default_message = "Bu satış için şu anda teminat kabul edilmiyor."


class TeminatDeadlinePassed(Conflict):
    code = "teminat_deadline_passed"
    default_message = "Teminat yatırma süresi doldu."


class TeminatExempt(Conflict):
    code = "teminat_exempt"
    default_message = "Muafiyetiniz teminatın tamamını karşılıyor; teminat yatırmanız gerekmez."


class HighestCannotWithdraw(Conflict):
    code = "highest_bidder_cannot_withdraw"
    default_message = "En yüksek teklif sahibi, teklifi geçilmedikçe teminatını geri alamaz."


class NothingToWithdraw(Conflict):
    code = "nothing_to_withdraw"
    default_message = "Geri alınabilecek bir teminatınız yok."


class WithdrawNotAllowed(Forbidden):
    code = "withdraw_not_allowed"
    default_message = "Artırma sırasında teminat geri alınamaz."


class Withdrawn(Conflict):
    code = "teminat_withdrawn"
    default_message = "Bu artırmada teminatınızı geri aldığınız için yeniden teminat yatırıp teklif veremezsiniz."


class ExemptionInvalid(Unprocessable):
    code = "exemption_invalid"
    default_message = "Teminat muafiyeti kaydedilemiyor."


class WithdrawNotConfirmed(Conflict):
    """The teminat page's withdrawal asks the bidder to tick a box first: taking the teminat back ends
    his bidding in this round (OP-16)."""

    code = "confirm_required"
    default_message = "Geri almak için kutuyu işaretleyerek onaylayın."
