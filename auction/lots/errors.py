"""Lots: what is sold as one unit (A-02): a taşınmaz (or a share in it), a vehicle, a group of movables."""
from auction.errors import Conflict, NotFound, Unprocessable


class LotNotFound(NotFound):
    code = "lot_not_found"
    default_message = "Satış konusu mal bulunamadı."


class LotInvalid(Unprocessable):
    code = "lot_invalid"
    default_message = "Mal bilgileri eksik ya da çelişkili."


class AppraisalStateError(Conflict):
    code = "appraisal_state"
    default_message = "Kıymet takdiri bu işlem için uygun durumda değil."


class ObjectionWindowOpen(Conflict):
    code = "objection_window_open"
    default_message = "Kıymet takdirine şikayet süresi henüz dolmadı."


class FileInvalid(Unprocessable):
    code = "file_invalid"
    default_message = "Dosya kabul edilmedi."


class FileTooLarge(Unprocessable):
    code = "file_too_large"
    default_message = "Dosya çok büyük."


class FileNotFound(NotFound):
    code = "file_not_found"
    default_message = "Dosya bulunamadı."
