"""Cases (icra dosyaları): an office's enforcement file, its debtor and creditors; it holds lots."""
from auction.errors import Conflict, NotFound, Unprocessable


class CaseNotFound(NotFound):
    code = "case_not_found"
    default_message = "İcra dosyası bulunamadı."


class DuplicateFileNo(Conflict):
    code = "duplicate_file_no"
    default_message = "Bu esas numarasıyla kayıtlı bir dosya zaten var."


class CreditorNotFound(NotFound):
    code = "creditor_not_found"
    default_message = "Alacaklı bulunamadı."


class CreditorInvalid(Unprocessable):
    code = "creditor_invalid"
    default_message = "Alacaklı bilgileri geçersiz."


class DuplicatePledge(Conflict):
    code = "duplicate_pledge"
    default_message = "Bu alacaklının bu mal üzerinde kayıtlı bir rehni zaten var."


class HacizInvalid(Unprocessable):
    code = "haciz_invalid"
    default_message = "Haciz bilgileri geçersiz."


class DuplicateHaciz(Conflict):
    code = "duplicate_haciz"
    default_message = "Bu alacaklının bu mal üzerinde kayıtlı bir haczi zaten var."


class PledgeAndHaciz(Conflict):
    code = "pledge_and_haciz"
    default_message = ("Bir alacaklı aynı mal üzerinde hem rehinli hem hacizli alacaklı olarak kaydedilemez: "
                       "sıra cetvelinde tek satırı olur.")


class AssetTaxInvalid(Unprocessable):
    code = "asset_tax_invalid"
    default_message = "Vergi bilgileri geçersiz."


class PartyInvalid(Unprocessable):
    code = "party_invalid"
    default_message = "Taraf bağlantısı geçersiz."


class PartyExists(Conflict):
    code = "party_exists"
    default_message = "Bu kişi bu dosyaya bu sıfatla zaten bağlı."


class PartyNotFound(NotFound):
    code = "party_not_found"
    default_message = "Dosyada böyle bir taraf bağlantısı yok."
