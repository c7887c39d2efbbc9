from __future__ import annotations

from auction.errors import Conflict, Forbidden, NotFound, Unprocessable


class SaleNotFound(NotFound):
    code = "sale_not_found"
    default_message = "Satış bulunamadı."


class NoSale(NotFound):
    code = "no_sale"
    default_message = "Bu mal için ilan edilmiş bir satış yok."


class SaleInvalid(Unprocessable):
    """The sale decision cannot be taken as asked: `details.problems` lists every reason, each with a
    machine code (`ilan_too_late`, `round_length`, `appraisal_not_final`, …), its rule and a message."""

    code = "sale_invalid"
    default_message = "Satış kararı verilemiyor; ayrıntılara bakın."


class SaleExists(Conflict):
    code = "sale_exists"
    default_message = "Bu mal için devam eden bir satış var."


class InvalidTransition(Conflict):
    code = "invalid_state"
    default_message = "Satış bu işlem için uygun durumda değil."


class ThresholdLocked(Conflict):
    code = "threshold_locked"
    default_message = ("Rüçhanlı alacaklar ve masraflar artırma başladığında kilitlenir; artırma sırasında "
                       "yalnızca müdür gerekçeli kararla değiştirebilir.")


class ReasonRequired(Unprocessable):
    code = "reason_required"
    default_message = "Bu değişiklik için gerekçe yazılmalıdır."


class TutanakNotFound(NotFound):
    code = "tutanak_not_found"
    default_message = "Tutanak bulunamadı."


class TutanakAlreadyPosted(Conflict):
    code = "tutanak_already_posted"
    default_message = "Tutanak zaten ilan edilmiş."


class ManagerRequired(Forbidden):
    code = "manager_required"
    default_message = "Bu işlemi yalnızca icra müdürü yapabilir."
