"""The lot page and bidding through it: content, test ids, the confirmation step, the bid itself with its
Idempotency-Key, refusals in plain Turkish, anonymity (A-34)."""

import re

from sqlalchemy import func, select

from auction.bidding.models import Bid
from tests.web.conftest import HTML, browser_login, csrf_of, open_round, text_of

TEST_IDS = ("current-price", "min-next-bid", "countdown", "bid-amount", "bid-submit", "bid-result", "bid-list")


async def page(env, lot_id, actor=None, **extra):
    headers = {**HTML, **(actor.headers if actor else {}), **extra}
    r = await env.client.get(f"/lots/{lot_id}", headers=headers)
    assert r.status_code == 200, r.text
    return r.text


async def bid_count(env, lot_id):
    async with env.runtime.db.session() as s:
        return await s.scalar(select(func.count()).select_from(Bid).where(Bid.lot_id == lot_id))


async def test_lot_page_content(env, manual_clock):
    lot, _sale = await open_round(env, manual_clock, kdv_rate="0.01", province="İstanbul", district="Kadıköy")
    a = await env.bidder(lot["id"])
    assert (await env.bid(a, lot["id"], "1175000.00")).status_code == 201
    html = await page(env, lot["id"], a)
    for tid in TEST_IDS:
        assert f'data-testid="{tid}"' in html, tid
    assert re.search(r'data-testid="countdown" role="timer"', html)
    assert 'aria-live="polite"' in html  # the separate announcer, not on the timer
    text = text_of(html)
    assert "KDV hariç" in text and "%1" in text
    for figure in ("2.350.000,00 TL", "1.175.000,00 TL", "11.750,00 TL", "235.000,00 TL"):
        assert figure in text, figure
    assert "1. artırma" in text and "2. artırma" in text  # both rounds' dates
    assert "Nakit teminat son" in text and "Teminat mektubu son" in text
    assert "23:30" in text and "17:00" in text  # cash 23:30 the day before; mektup close of office hours
    # The note under the table says the same hour, taken from the rounds' deadlines (the rule row A-52).
    assert "son an bitişten önceki gün saat 23.30" in text
    assert "Satış şartnamesi" in text and f"/lots/{lot['id']}/sartname" in html
    # The şartname in the site's layout, with the hash the acceptance records.
    r = await env.client.get(f"/lots/{lot['id']}/sartname", headers=HTML)
    assert r.status_code == 200 and "Artırma Şartnamesi" in r.text and '<html lang="tr">' in r.text
    assert re.search(r"<code class=\"hash\">[0-9a-f]{64}</code>", r.text)
    assert "Verilebilecek en düşük teklif" in text and "1.186.750,00 TL" in text
    # Own bid marked; the leader sees it.
    assert "(Siz)" in text and "En yüksek teklif sizin." in text
    # The amount field is prefilled with the minimum next bid; quick raises +1/+2/+5 increments.
    assert 'value="1.186.750,00"' in html
    assert "+5 artış (58.750,00 TL)" in text


async def test_anonymity_other_bidders_and_staff_see_only_aliases(env, manual_clock):
    lot, _ = await open_round(env, manual_clock)
    a = await env.bidder(lot["id"])
    b = await env.bidder(lot["id"])
    assert (await env.bid(a, lot["id"], "1175000.00")).status_code == 201
    for viewer in (b, None, env.staff):
        html = await page(env, lot["id"], viewer)
        assert "Teklif 1" in html
        assert a.email not in html and a.user.full_name not in html
        assert "(Siz)" not in text_of(html)


async def test_confirmation_step_repeats_the_amount_in_words(env, manual_clock):
    lot, _ = await open_round(env, manual_clock)
    a = await env.bidder(lot["id"])
    r = await env.client.get(f"/lots/{lot['id']}/teklif/onay?amount=1.250.000",
                             headers={**HTML, **a.headers, "HX-Request": "true"})
    assert r.status_code == 200, r.text
    assert "<dialog" in r.text and 'data-testid="bid-confirm"' in r.text
    assert "1.250.000,00 TL" in r.text
    assert "bir milyon iki yüz elli bin Türk lirası" in r.text
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', r.text).group(1)
    assert key
    assert await bid_count(env, lot["id"]) == 0  # the step writes nothing
    # A wildly high amount gets the typo warning (an extra zero is the classic mistaken bid).
    r = await env.client.get(f"/lots/{lot['id']}/teklif/onay?amount=11750000",
                             headers={**HTML, **a.headers, "HX-Request": "true"})
    assert 'data-testid="typo-warning"' in r.text
    # Too low or unreadable amounts are refused before the dialog, in words, into the result region.
    r = await env.client.get(f"/lots/{lot['id']}/teklif/onay?amount=1000",
                             headers={**HTML, **a.headers, "HX-Request": "true"})
    assert r.status_code == 409 and r.headers["hx-retarget"] == "#bid-result"
    assert "en düşük teklifin altında" in r.text and "1.175.000,00 TL" in r.text
    r = await env.client.get(f"/lots/{lot['id']}/teklif/onay?amount=on%20bin",
                             headers={**HTML, **a.headers, "HX-Request": "true"})
    assert r.status_code == 422 and "Tutarı anlayamadık" in r.text
    # Without JavaScript the step is a page of its own with the same content.
    r = await env.client.get(f"/lots/{lot['id']}/teklif/onay?amount=1175000", headers={**HTML, **a.headers})
    assert "<html" in r.text and 'data-testid="bid-confirm"' in r.text and "<dialog" not in r.text


async def test_confirm_bids_once_even_when_sent_twice(env, manual_clock):
    lot, _ = await open_round(env, manual_clock)
    a = await env.bidder(lot["id"])
    form = {"amount": "1175000.00", "idempotency_key": "k" * 32}
    hx = {**HTML, **a.headers, "HX-Request": "true"}
    first = await env.client.post(f"/lots/{lot['id']}/teklif", data=form, headers=hx)
    assert first.status_code == 200, first.text
    assert "Teklifiniz alındı: 1.175.000,00 TL" in text_of(first.text)
    assert 'data-alias="Teklif 1"' in first.text
    second = await env.client.post(f"/lots/{lot['id']}/teklif", data=form, headers=hx)
    assert "Aynı teklif ikinci kez gönderilmedi" in text_of(second.text)
    assert await bid_count(env, lot["id"]) == 1


async def test_refusals_are_explained_and_leave_no_trace(env, manual_clock):
    lot, _ = await open_round(env, manual_clock)
    a = await env.bidder(lot["id"])
    b = await env.bidder(lot["id"])
    nodep = await env.bidder()  # no teminat
    hx = {**HTML, "HX-Request": "true"}

    async def post(actor, amount, key):
        return await env.client.post(f"/lots/{lot['id']}/teklif", data={"amount": amount, "idempotency_key": key},
                                     headers={**hx, **actor.headers})

    assert (await post(a, "1175000", "a" * 16)).status_code == 200
    r = await post(a, "1200000", "b" * 16)
    assert r.status_code == 409 and "kendi teklifinizi artıramazsınız" in r.text
    r = await post(b, "1176000", "c" * 16)
    assert r.status_code == 409 and "en düşük teklifin altında" in r.text and "1.186.750,00 TL" in r.text
    r = await post(nodep, "1300000", "d" * 16)
    assert r.status_code == 403 and "teminat yatırmalısınız" in r.text and "/teminat" in r.text
    # A refused bid's key was rolled back with it: the same key works for a valid bid afterwards.
    r = await post(b, "1186750", "c" * 16)
    assert r.status_code == 200, r.text
    assert await bid_count(env, lot["id"]) == 2


async def test_bid_form_works_without_javascript_with_csrf(env, manual_clock):
    lot, _ = await open_round(env, manual_clock)
    a = await env.bidder(lot["id"])
    csrf = await browser_login(env.client, a)
    confirm = await env.client.get(f"/lots/{lot['id']}/teklif/onay?amount=1175000", headers=HTML)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', confirm.text).group(1)
    # Without the session's CSRF token the cookie alone cannot bid.
    r = await env.client.post(f"/lots/{lot['id']}/teklif", data={"amount": "1175000.00", "idempotency_key": key},
                              headers=HTML)
    assert r.status_code == 403
    r = await env.client.post(f"/lots/{lot['id']}/teklif", headers=HTML, data={
        "amount": "1175000.00", "idempotency_key": key, "csrf_token": csrf_of(confirm.text)})
    assert r.status_code == 201 and "Teklifiniz alındı" in text_of(r.text)
    assert csrf == csrf_of(confirm.text)


async def test_teminat_cta_then_pay_then_bid(env, manual_clock):
    lot, _ = await open_round(env, manual_clock)
    c = await env.bidder()  # registered, no deposit yet
    html = await page(env, lot["id"], c)
    assert 'data-testid="teminat-cta"' in html and "235.000,00 TL teminat yatırın" in text_of(html)
    assert 'data-testid="bid-amount"' not in html
    # The şartname box must be ticked (A-23): paying records the acceptance.
    r = await env.client.post(f"/lots/{lot['id']}/teminat/ode", data={}, headers={**HTML, **c.headers})
    assert r.status_code == 403 and "şartname" in text_of(r.text)
    r = await env.client.post(f"/lots/{lot['id']}/teminat/ode", data={"sartname": "1"}, headers={**HTML, **c.headers})
    assert r.status_code == 303
    html = await page(env, lot["id"], c)
    assert 'data-testid="bid-amount"' in html and "Teminatınız: onaylandı" in text_of(html)


async def test_anonymous_and_staff_see_no_bid_form(env, manual_clock):
    lot, _ = await open_round(env, manual_clock)
    html = await page(env, lot["id"])
    assert 'data-testid="bid-amount"' not in html and f"/login?next=/lots/{lot['id']}" in html
    html = await page(env, lot["id"], env.staff)
    assert "Personel hesabıyla teklif verilemez" in text_of(html)
    r = await env.client.get(f"/lots/{lot['id']}/teklif/onay?amount=1175000", headers={**HTML, **env.staff.headers})
    assert r.status_code == 403


async def test_english_page(env, manual_clock):
    lot, _ = await open_round(env, manual_clock, kdv_rate="0.2")
    env.client.cookies.set("lang", "en")
    html = await page(env, lot["id"])
    text = text_of(html)
    assert '<html lang="en">' in html
    assert "KDV excluded" in text and "20%" in text and "Round 2" in text
    assert "Sign in or register to bid." in text
    env.client.cookies.delete("lang")
