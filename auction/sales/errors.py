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


class OutageReviewRequired(Conflict):
    """A-43: the tutanak cannot be posted before the müdür has seen the round's outage report."""

    code = "outage_review_required"
    default_message = ("Tutanak, müdür son 10 dakikanın kesinti raporunu incelemeden ilan edilemez "
                       "(POST /sales/{id}/outage-report/review).")


class OutageDecisionOutOfWindow(Conflict):
    code = "outage_decision_out_of_window"
    default_message = ("Teknik arıza nedeniyle uzatma kararı yalnızca artırmanın bittiği günden sonraki ilk iş "
                       "günü verilebilir (İİK 115/8).")


class NoPortalOutage(Conflict):
    code = "no_portal_outage"
    default_message = ("Kesinti raporu son 10 dakikada portaldan kaynaklanan bir arıza göstermiyor; uzatma ancak "
                       "gerekçe yazılarak verilebilir (override_reason).")


class AlreadyExtended(Conflict):
    code = "already_extended"
    default_message = "Bu artırma teknik arıza nedeniyle zaten bir kez uzatıldı."


class ExtensionStartInvalid(Unprocessable):
    code = "extension_start_invalid"
    default_message = ("Uzatmanın başlangıcı kararın verildiği andan sonra ve en geç karardan 3 gün sonra "
                       "olmalıdır (İİK 115/8).")
