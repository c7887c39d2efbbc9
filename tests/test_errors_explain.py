"""`auction.errors.explain`: the sentence a staff page shows for a refusal's code after a redirect."""

from __future__ import annotations

import pytest

import auction.disbursement.errors  # noqa: F401  (registers the disbursement refusals)
from auction.errors import explain


@pytest.mark.parametrize(("code", "sentence"), [
    ("iban_missing", "Hak sahibinin bildirdiği bir IBAN yok; ödeme talimatı onaylanamaz (D-44). Hak sahibi IBAN'ını "
                     "hesabında SMS koduyla bildirir (Hesabım → İade IBAN'ı, /hesabim/iban; API: PUT "
                     "/api/v1/me/refund-iban); ardından bu talimat iptal edilip yeniden hazırlanır, IBAN o zaman "
                     "okunur."),
    ("forbidden", "Bu işlem için yetkiniz yok."),
    ("validation_error", "Girilen bilgiler geçersiz."),
    ("csrf_failed", "Güvenlik doğrulaması başarısız (CSRF). Sayfayı yenileyip tekrar deneyin."),
    ("no_such_code", None),
    ("", None),
])
def test_a_code_reads_as_its_standing_sentence(code: str, sentence: str | None) -> None:
    assert explain(code) == sentence


def test_a_code_two_packages_share_reads_as_the_preferred_packages_sentence() -> None:
    import auction.lots.errors  # noqa: F401  (the appraisal's own objection_window_open)

    assert explain("objection_window_open", "disbursement") == (
        "İtiraz ve şikâyet süresi dolmadan sıra cetveli kesinleştirilemez (İİK 142, D-41).")
    assert explain("objection_window_open", "lots") == "Kıymet takdirine şikayet süresi henüz dolmadı."
    assert explain("iban_missing", "lots") is not None  # no class of that package: the one there is
