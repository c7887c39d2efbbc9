"""The sıra cetveli document (D-50): HTML with the columns a müdür signs, and a PDF."""

from __future__ import annotations

from datetime import date

import pytest

from auction.distribution import distribute, run
from auction.distribution.document import CetvelMeta, render_html, render_pdf
from tests.distribution.dist_helpers import EXAMPLE_NAMES, base_case, haciz, load_example, rehin

META = CetvelMeta(office_name="İzmir 7. İcra Dairesi", file_no="2025/4812 Esas", lot_title="Konak, işyeri",
                  cetvel_no="SC-2026/18", version=2, cetvel_date=date(2026, 3, 5), mudur_name="Ayşe Demir",
                  creditor_files={"h1": "İzmir 7. İcra 2025/4812"})


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_every_example_renders(name: str) -> None:
    case, _ = load_example(name)
    html = render_html(distribute(case), META)
    assert html.startswith("<!DOCTYPE html>")
    assert "İzmir 7. İcra Dairesi" in html


def test_header_columns_totals_check_and_notice() -> None:
    case, _ = load_example("03-haciz-dereceler-kamu")
    html = render_html(distribute(case), META)
    # header (D-50)
    for text in ("SIRA CETVELİ", "2025/4812 Esas", "SC-2026/18", "Konak, işyeri", "17.02.2026", "4.072.500,00",
                 "25.02.2026", "İİK 140–142", "Ayşe Demir", "TASLAK"):
        assert text in html, text
    # the columns a müdür signs
    for column in ("Alacaklı", "Dayanak", "İİK 100 belgesi", "Aşama / derece / sıra", "Asıl", "Faiz", "Masraf",
                   "Toplam", "Pay", "Durum", "Tahsil harcı", "Cezaevi harcı", "Net ödeme", "Açık", "Belge"):
        assert f">{column}<" in html or f">{column}<br>" in html, column
    # figures and their rules
    for text in ("2.370.599,74", "D-12, D-30, D-33", "Aciz vesikası", "D-45, OP-35"):
        assert text in html, text
    assert "İzmir 7. İcra 2025/4812" in html  # takip file column (D-50 column 2)
    # totals per stage and derece with the public and private part
    assert "535.336,86" in html
    assert "3.439.996,74" in html
    # check line and surplus
    assert "4.072.500,00 = 97.166,40 + 3.975.333,60 + 0,00" in html
    # notice of rights (D-41, D-43) with the open points used
    for text in ("İİK 142/a", "7 gün", "teminat mektubu", "OP-45 cetvel.sikayet_from="):
        assert text in html, text
    assert "ve borçluya" in html  # OP-48 default
    # the computation appendix and the rule rows used (G-11)
    assert "Hesap dökümü" in html
    assert "T-25 tahsil.satis@…" in html


def test_paylastirma_cetveli_when_nobody_is_short() -> None:
    case, _ = load_example("01-full-coverage")
    html = render_html(distribute(case), CetvelMeta())
    assert "PAYLAŞTIRMA CETVELİ" in html
    assert "SIRA CETVELİ" not in html


def test_rehin_only_case_names_iik_151_and_the_appendix_can_be_left_out() -> None:
    result = distribute(base_case(price="100.00", creditors=[rehin("r", 1, "300.00")]))
    html = render_html(result, CetvelMeta(include_explain=False, draft=False))
    assert "İİK 151" in html
    assert "Hesap dökümü" not in html
    assert "TASLAK" not in html
    assert "Rehin açığı belgesi" in html


def test_accepts_the_typed_result_too_and_escapes_names() -> None:
    case = base_case(creditors=[{**haciz("h", "2025-02-01", "2025-01-20", "10.00"), "name": "<b>X & Y</b>"}])
    html = render_html(run(case), CetvelMeta())
    assert "&lt;b&gt;X &amp; Y&lt;/b&gt;" in html
    assert "<b>X & Y</b>" not in html


def test_modes_render() -> None:
    forfeit = distribute(base_case(mode="forfeit", creditors=[haciz("h", "2025-02-01", "2025-01-20", "10.00")]))
    assert "D-60" in render_html(forfeit, CetvelMeta())
    split = distribute(base_case(mode="share_split", co_owners=[{"id": "a", "name": "Ali", "share": "1/2"},
                                                                {"id": "b", "name": "Veli", "share": "1/2"}]))
    html = render_html(split, CetvelMeta())
    # 100,000.00 less the karar ve ilam harcı of binde 11,38 (1,138.00), halved
    for text in ("Paydaşlara düşen", "Veli", "49.431,00"):
        assert text in html, text


def test_pdf() -> None:
    case, _ = load_example("03-haciz-dereceler-kamu")
    pdf = render_pdf(distribute(case), META)
    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 10_000


def test_the_body_speaks_to_people_and_the_annex_keeps_the_machine_trail() -> None:
    """A document for people names the parties and cites the law in words; rule ids, rule rows with their
    sources, creditor ids and the engine's paths are in the marked annex only, every figure there."""
    import re

    case, _ = load_example("03-haciz-dereceler-kamu")
    result = distribute(case)
    html = render_html(result, META)
    body, marker, annex = html.partition("Ek — Makine izi")
    assert marker, "the annex is marked"
    body = re.sub(r"<style>.*?</style>", "", body, flags=re.S)
    ids = [a["creditor_id"] for a in result["allocations"]]
    names = [a["name"] for a in result["allocations"]]
    for text in (*[f">{i}<" for i in ids], *[f" {i} " for i in ids], "docs/law", "Law ", "contract step",
                 "allocations[", "buyer_settlement", "(adım 9)", "G-11"):
        assert text not in body, text
    assert re.search(r"\b(?:D|T|OP|A|G)-\d", body) is None
    founder = result["stages"][-1]["founder"]
    assert f"<b>{names[ids.index(founder)]}</b>" in body  # Kurucu / üyeler: the name, not the id
    assert "İcra ve İflas Kanunu'nun 140. maddesi" in body
    # The annex: every figure of the explain trail with its Turkish label, its path and its rules.
    for e in result["explain"]:
        assert e["path"] in annex, e["path"]
    assert f"{names[0]}: net ödeme" in annex and "Paylaştırılacak tutar" in annex
    assert "hesap adımı 9" in annex and "contract step" not in annex
    assert "sayılı Kanun" in annex and "Law " not in annex
