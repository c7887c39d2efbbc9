"""Refusals of a teminat mektubu scan sent by a bidder (A-51, A-52)."""

from __future__ import annotations

from auction.errors import Conflict, NotFound, Unprocessable


class ScanInvalid(Unprocessable):
    code = "mektup_scan_invalid"
    default_message = "Mektup taraması PDF, JPEG ya da PNG olmalı ve 10 MB'ı geçmemelidir."


class SubmissionExists(Conflict):
    code = "mektup_submission_exists"
    default_message = "Bu satış için geçerli bir teminatınız ya da incelenmekte olan bir mektubunuz zaten var."


class SubmissionNotFound(NotFound):
    code = "mektup_submission_not_found"
    default_message = "Teminat mektubu başvurusu bulunamadı."


class SubmissionDecided(Conflict):
    code = "mektup_submission_decided"
    default_message = "Bu başvuru zaten sonuçlandırıldı."


class MektupAmountTooLow(Unprocessable):
    code = "mektup_amount"
    default_message = "Mektup tutarı teminatı karşılamıyor."
