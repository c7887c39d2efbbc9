"""Every error of the cetvel of a sale and its payouts (docs/distribution.md, "The cetvel of a sale")."""

from __future__ import annotations

from auction.errors import Conflict, Forbidden, NotFound, Unprocessable


class DistributionNotFound(NotFound):
    code = "distribution_not_found"
    default_message = "Sıra cetveli bulunamadı."


class DistributionExists(Conflict):
    code = "distribution_exists"
    default_message = "Bu satışın sıra cetveli zaten düzenlenmiş; düzeltme yeni bir sürüm olarak yapılır."


class NotDistributable(Conflict):
    """D-01: the money is shared only once the sale's price is in (the sale at `distributing`)."""

    code = "not_distributable"
    default_message = "Satış bedeli paylaştırmaya hazır değil (satış 'distributing' durumunda olmalı, D-01)."


class CetvelState(Conflict):
    code = "invalid_state"
    default_message = "Sıra cetveli bu işlem için uygun durumda değil."


class ObjectionWindowOpen(Conflict):
    code = "objection_window_open"
    default_message = "İtiraz ve şikâyet süresi dolmadan sıra cetveli kesinleştirilemez (İİK 142, D-41)."


class ObjectionWindowClosed(Conflict):
    code = "objection_window_closed"
    default_message = "Sıra cetveline itiraz ve şikâyet süresi (tebliğden itibaren 7 gün) dolmuştur (D-41)."


class ObjectionNotAllowed(Forbidden):
    code = "objection_not_allowed"
    default_message = ("Sıra cetveline yalnızca cetvelde yer alan alacaklılar itiraz veya şikâyet edebilir; borçlu "
                       "cetvele itiraz davası açamaz (D-41).")


class ObjectionInvalid(Unprocessable):
    code = "objection_invalid"
    default_message = "İtiraz kaydedilemiyor."


class ObjectionNotFound(NotFound):
    code = "objection_not_found"
    default_message = "İtiraz bulunamadı."


class PaidLineChanged(Conflict):
    """D-48: a corrected version may not change a line whose payout is already instructed."""

    code = "paid_line_changed"
    default_message = "Ödeme talimatı verilmiş bir satırın tutarı düzeltmeyle değiştirilemez."


class ReasonRequired(Unprocessable):
    code = "reason_required"
    default_message = "Düzeltme için gerekçe yazılmalıdır (D-51)."


class PayoutNotFound(NotFound):
    code = "payout_not_found"
    default_message = "Ödeme talimatı bulunamadı."


class FourEyes(Forbidden):
    code = "four_eyes"
    default_message = "Ödeme talimatını hazırlayan kişi onaylayamaz; başka bir müdür onaylamalıdır (dört göz)."


class PayoutState(Conflict):
    code = "payout_state"
    default_message = "Ödeme talimatı bu işlem için uygun durumda değil."


class PayoutAlreadySent(Conflict):
    code = "payout_already_sent"
    default_message = ("Ödeme talimatı banka ödeme dosyasıyla gönderilmiş; iptal edilemez. Geri alınması bankayla "
                       "yazışarak yürütülür.")


class IbanMissing(Conflict):
    code = "iban_missing"
    # The approver cannot fix it; the sentence says who does what: the party declares its IBAN (confirmed
    # with an SMS code), then the office cancels the instruction and prepares it again, which reads the
    # IBAN anew (an instruction keeps the IBAN it was prepared with, so the approver approves what he sees).
    default_message = ("Hak sahibinin bildirdiği bir IBAN yok; ödeme talimatı onaylanamaz (D-44). Hak sahibi IBAN'ını "
                       "hesabında SMS koduyla bildirir (Hesabım → İade IBAN'ı, /hesabim/iban; API: PUT "
                       "/api/v1/me/refund-iban); ardından bu talimat iptal edilip yeniden hazırlanır, IBAN o zaman "
                       "okunur.")


class MahsupShortfall(Conflict):
    code = "mahsup_shortfall"
    default_message = ("Alacağa mahsuben alan alacaklının kesin cetveldeki payı, bedelden mahsup ettiği tutardan az: "
                       "fark alıcıdan tahsil edilmeden ödeme talimatı hazırlanamaz (A-57, OP-21).")


class NothingToPay(Conflict):
    code = "nothing_to_pay"
    default_message = "Ödenecek kesinleşmiş bir satır ya da onaylanmış bir ödeme talimatı yok."


class InvariantBroken(Conflict):
    """Never expected: the stored lines of a version do not add up to the money shared, to the kuruş."""

    code = "invariant_broken"
    default_message = "Sıra cetveli tutarları paylaştırılan parayla kuruşu kuruşuna tutmuyor."


class CertificateNotFound(NotFound):
    code = "certificate_not_found"
    default_message = "Bu alacaklı için aciz vesikası veya rehin açığı belgesi düzenlenmez (alacağın tamamı ödeniyor)."


class GuaranteeNotAllowed(Conflict):
    """D-43 / D-54: only a creditor's share entitled under the served cetvel and not final yet (open or
    disputed) is paid against a teminat mektubu; a final line is paid the ordinary way."""

    code = "guarantee_not_allowed"
    default_message = ("Teminat mektubu karşılığı ödeme yalnızca tebliğ edilmiş cetvelde henüz kesinleşmemiş "
                       "(açık veya itirazlı) bir alacaklı payı için yapılır (İİK 142/a, D-43).")


class GuaranteeInvalid(Unprocessable):
    code = "guarantee_invalid"
    default_message = "Teminat mektubu kaydedilemiyor."


class GuaranteeState(Conflict):
    code = "guarantee_state"
    default_message = "Teminat mektubu bu işlem için uygun durumda değil."


class GuaranteeNotFound(NotFound):
    code = "guarantee_not_found"
    default_message = "Teminat mektubu kaydı bulunamadı."


class GuaranteeToBeCalled(Conflict):
    """OP-50: an objection against a line paid against a letter is upheld only once the letter is called
    (the money back in the office's account), so the corrected version can share it again."""

    code = "guarantee_to_be_called"
    default_message = ("Bu itirazın tuttuğu satır teminat mektubu karşılığı ödendi (D-43). Kabul kararından önce "
                       "teminat mektubunu paraya çevirip tahsilatı kaydedin (POST /api/v1/guarantees/{id}/call, "
                       "OP-50).")


class LineNotReserved(Conflict):
    code = "line_not_reserved"
    default_message = "Bu alacaklının payı ihtiyati haciz nedeniyle bekletilmiyor (D-14)."


class ReleaseInvalid(Unprocessable):
    code = "release_invalid"
    default_message = "İhtiyati haczin sonucu kaydedilemiyor."


class PeriodInvalid(Unprocessable):
    """The tax report's period (auction/disbursement/tax_report.py)."""

    code = "period_invalid"
    default_message = "Dönem geçersiz: başlangıç bitişten sonra olamaz, en çok 366 gün seçilebilir."
