"""`auction.errors.explain`: the sentence a staff page shows for a refusal's code after a redirect."""

from __future__ import annotations

import pytest

import auction.disbursement.errors  # noqa: F401  (registers the disbursement refusals)
from auction.errors import explain


@pytest.mark.parametrize(("code", "sentence"), [
    ("iban_missing", "Hak sahibinin bildirdiği bir IBAN yok; ödeme talimatı onaylanamaz (D-44)."),
    ("forbidden", "Bu işlem için yetkiniz yok."),
    ("validation_error", "Girilen bilgiler geçersiz."),
    ("csrf_failed", "Güvenlik doğrulaması başarısız (CSRF). Sayfayı yenileyip tekrar deneyin."),
    ("no_such_code", None),
    ("", None),
])
def test_a_code_reads_as_its_standing_sentence(code: str, sentence: str | None) -> None:
    assert explain(code) == sentence
