"""The buyer's won-lot page and its PDF after the award (`/hesabim/kazandiklarim/{id}`): the summary follows
the payments (one source for what remains), a defaulted sale says what happened and asks for nothing, and
the page and the PDF speak to people (the law in words), the rule ids and references only in the annex."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

from pypdf import PdfReader

from auction.sales.deadlines import payment_period
from auction.sales.models import Sale
from tests.aftersale.conftest import aftersale, at, pay, settlement, win
from tests.web.conftest import text_of

HTML = {"Accept": "text/html"}
# Machine text: a rule id (A-62, OP-18 …), a settings key (teminat.credit_winner) or a payment reference.
RULE_ID = re.compile(r"\b(A|OP|S|T|TM|D)-\d+\b")
SETTING = re.compile(r"\b[a-z_]+\.[a-z_]+(\.[a-z_]+)*\b(?<!\.pdf)")
REFERENCE = re.compile(r"\bpay_[0-9a-f]{6,}")


def _row(page: str, testid: str) -> str:
    m = re.search(rf'data-testid="{testid}">([^<]*)<', page)
    assert m is not None, testid
    return m.group(1)


def _people_part(page: str) -> str:
    """The page without its folded machine annexes (and without scripts and the document head)."""
    body = page.split("<main", 1)[1]
    return text_of(re.sub(r'<details class="machine-trail".*?</details>', " ", body, flags=re.S))


async def _page(env, won, lang: str = "tr") -> str:
    env.client.cookies.set("lang", lang)
    try:
        r = await env.client.get(f"/hesabim/kazandiklarim/{won.sale_id}", headers={**HTML, **won.buyer.headers})
    finally:
        env.client.cookies.delete("lang")
    assert r.status_code == 200, r.text[-500:]
    return r.text


async def test_the_summary_follows_the_payments(env, manual_clock, runtime, sms_file, no_pdf):
    won = await win(env, manual_clock)  # price 1,198,500.00; teminat 235,000.00 credited
    st = await settlement(env, won.buyer, won.sale_id)
    balance = st["due_now"]
    await pay(env, won.buyer, won.sale_id, "500000.00", sms_file)
    page = await _page(env, won)
    # After a part payment the summary's balance is what the statement says remains, not price − teminat.
    rest = (await settlement(env, won.buyer, won.sale_id))["due_now"]
    assert _row(page, "s-paid") == "− 500.000,00 TL"
    assert _row(page, "s-balance") == _money(rest) and rest != balance
    assert re.search(r'data-line="price_due">' + re.escape(_money(rest)), page)  # one figure, both tables
    await pay(env, won.buyer, won.sale_id, rest, sms_file)
    page = await _page(env, won)
    summary = re.search(r'data-testid="settlement".*?</table>', page, flags=re.S)
    assert summary is not None
    assert _row(page, "s-balance") == "0,00 TL" and _row(page, "s-paid") == "− " + _money(
        str(Decimal(rest) + 500000))
    balance_row = text_of(re.search(r'<tr>\s*<th scope="row">Kalan bedel.*?</tr>', summary.group(0), flags=re.S)
                          .group(0))  # type: ignore[union-attr]
    assert balance_row.endswith("0,00 TL ödendi") and "en geç" not in text_of(summary.group(0))
    lines = (await settlement(env, won.buyer, won.sale_id))
    taxes_and_tapu = Decimal(lines["kdv"]) + Decimal(lines["damga_vergisi"]) + Decimal(lines["tapu_harci"])
    assert _row(page, "s-still") == _money(str(taxes_and_tapu))  # the price is paid: the taxes remain


async def test_a_defaulted_sale_asks_for_nothing_and_says_what_happened(env, manual_clock, runtime, sms_file,
                                                                        no_pdf):
    won = await win(env, manual_clock, c_amount="18400.00")
    await pay(env, won.buyer, won.sale_id, "300000.00", sms_file)
    manual_clock.set(at(won.sale["payment_due_at"]))  # TM-16 passes unpaid: S-13
    await aftersale(env)
    page = await _page(env, won)
    text = _people_part(page)
    # No amount to pay, no pay form, no "credited" teminat, no deadline to meet.
    for absent in ('data-testid="pay-form"', 'data-testid="s-balance"', 'data-testid="settlement"',
                   'data-testid="due-now"'):
        assert absent not in page, absent
    assert "Mahsup edilen" not in text and "bedele sayıldı" not in text and "Ödemeniz gereken tutarlar" not in text
    assert "ödenecek" not in text and "Nasıl ödenir" not in text
    # What happened instead: cancelled for non-payment, the teminat forfeited, the part payment refunded
    # (with the refund's state), the bar from the later rounds.
    assert "ihale bozuldu (İİK 115/3)" in text and "ödemeniz gereken bir tutar yok" in text
    assert "(7 gün, son an " in text  # the period of the rule row applied (law: payment.deadline_days)
    assert "Teminatınız (235.000,00 TL) geri verilmez" in text
    refund = re.search(r'data-testid="default-refund" data-status="(\w+)"', page)
    assert refund is not None and refund.group(1) in ("due", "done")
    assert "1. ödemeniz (300.000,00 TL) size iade edilir" in text
    assert 'data-testid="default-barred"' in page
    # The statement (API and PDF) agrees: nothing due.
    st = await settlement(env, won.buyer, won.sale_id)
    assert (st["due_now"], st["phase"]) == ("0.00", "none")
    assert [ln["key"] for ln in st["lines"]] == ["price", "defaulted"]
    pdf = await env.client.get(f"/hesabim/kazandiklarim/{won.sale_id}/hesap.pdf", headers=won.buyer.headers)
    body = _pdf(pdf.content).split("Ek — ", 1)[0].replace("\n", " ")
    assert "ihale bozuldu" in body and "Nasıl ödenir" not in body and "300.000,00" in body


def test_the_period_text_comes_from_the_rule_applied():
    """Under the demo ruleset the payment period is the `aftersale.demo.payment_period` row (60 s), not 7 days."""
    demo = Sale(ruleset="demo", rules={}, ilan_date=date(2026, 11, 2))
    law = Sale(ruleset="law", rules={}, ilan_date=date(2026, 11, 2))
    assert (payment_period(demo).days, payment_period(demo).seconds) == (None, 60)
    assert (payment_period(law).days, payment_period(law).seconds) == (7, None)


async def test_the_page_and_the_pdf_keep_machine_text_in_the_annex(env, manual_clock, runtime, sms_file, no_pdf):
    won = await win(env, manual_clock)
    await pay(env, won.buyer, won.sale_id, "500000.00", sms_file)
    page = await _page(env, won)
    people = _people_part(page)
    for machine in (RULE_ID, SETTING, REFERENCE):
        assert not machine.search(people), machine.search(people)
    # The law in words beside each amount; the payment by its place and its Türkiye time.
    assert "İİK 130, 118/1" in people and "Damga Vergisi Kanunu" in people and "Harçlar Kanunu" in people
    assert re.search(r"1\. ödeme — \d\d\.\d\d\.\d{4} \d\d:\d\d", people)
    # … and every amount still traceable: the folded annex keeps the ids, rows and the reference.
    annex = " ".join(re.findall(r'<details class="machine-trail".*?</details>', page, flags=re.S))
    assert "Ek — makine izi" in annex and "OP-18" in annex and "teminat.credit_winner" in annex
    assert REFERENCE.search(annex) and "A-62" in annex
    pdf = await env.client.get(f"/hesabim/kazandiklarim/{won.sale_id}/hesap.pdf", headers=won.buyer.headers)
    assert pdf.status_code == 200
    text = _pdf(pdf.content)
    body, annex_pdf = text.split("Ek — ", 1)
    body = body.replace("\n", " ")
    for machine in (RULE_ID, SETTING, REFERENCE):
        assert not machine.search(body), machine.search(body)
    assert "Damga Vergisi Kanunu" in body and re.search(r"1\. ödeme — \d\d\.\d\d\.\d{4} \d\d:\d\d", body)
    assert "OP-18" in annex_pdf and REFERENCE.search(annex_pdf.replace("\n", ""))


async def test_the_new_texts_in_english(env, manual_clock, runtime, sms_file, no_pdf):
    won = await win(env, manual_clock)
    await pay(env, won.buyer, won.sale_id, "500000.00", sms_file)
    text = text_of(await _page(env, won, "en"))
    for said in ("Payment 1 —", "Annex — machine trail", "Legal basis", "Still to pay", "Your payments (price)",
                 "within 7 days of the tutanak", "Balance of the price"):
        assert said in text, said
    manual_clock.set(at(won.sale["payment_due_at"]))
    await aftersale(env)
    text = text_of(await _page(env, won, "en"))
    assert "so the ihale was cancelled (İİK 115/3)" in text and "Your deposit (235.000,00 TL) is forfeited" in text
    assert "You may not take part in this sale's later rounds" in text


def _money(value: str) -> str:
    """"951750.00" → "951.750,00 TL" (the page's figures)."""
    whole, _, frac = f"{Decimal(value):.2f}".partition(".")
    return f"{int(whole):,}".replace(",", ".") + f",{frac} TL"


def _pdf(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)

