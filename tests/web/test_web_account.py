"""My account, the watchlist, saved searches, notification settings, teminat (pay, mektup, withdraw),
documents; and that a bidder only ever sees his own rows."""

import re

from auction.watch import service as watch
from tests.web.conftest import HTML, awarded, browser_login, open_round, text_of

TABS = ("/hesabim", "/hesabim/teklifler", "/hesabim/teminatlar", "/hesabim/kazandiklarim", "/hesabim/izleme",
        "/hesabim/bildirimler", "/hesabim/belgeler")


async def test_every_account_page_renders_for_a_bidder_and_not_for_staff(env, manual_clock):
    _lot, _sale, winner, _loser = await awarded(env, manual_clock)
    for path in TABS:
        r = await env.client.get(path, headers={**HTML, **winner.headers})
        assert r.status_code == 200, (path, r.text[-500:])
        assert 'aria-current="page"' in r.text
    r = await env.client.get("/hesabim", headers={**HTML, **env.staff.headers})
    assert r.status_code == 403
    r = await env.client.get("/hesabim", headers=HTML)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


async def test_my_bids_with_receipts_and_documents(env, manual_clock):
    lot, _sale, _winner, loser = await awarded(env, manual_clock)
    r = await env.client.get("/hesabim/teklifler", headers={**HTML, **loser.headers})
    bid_ids = re.findall(r'href="/hesabim/teklifler/(\d+)"', r.text)
    assert len(bid_ids) == 1  # only his own bid
    receipt = await env.client.get(f"/hesabim/teklifler/{bid_ids[0]}", headers={**HTML, **loser.headers})
    text = text_of(receipt.text)
    assert "1.175.000,00 TL" in text and "bir milyon yüz yetmiş beş bin Türk lirası" in text
    assert re.search(r"[0-9a-f]{64}", receipt.text)  # the full hash and the previous one
    assert "sha256(" in receipt.text
    # Someone else's receipt is "not found", never shown.
    other = [b for b in (int(bid_ids[0]) - 1, int(bid_ids[0]) + 1) if b >= 1]  # ids start at 1 (web.params.Id)
    for bid_id in other:
        r = await env.client.get(f"/hesabim/teklifler/{bid_id}", headers={**HTML, **loser.headers})
        assert r.status_code == 404
    # The public tutanak as its own document: its inline stylesheet is allowed by its hash only.
    tutanak = await env.client.get(f"/lots/{lot['id']}/tutanak")
    csp = tutanak.headers["content-security-policy"]
    assert tutanak.status_code == 200 and "style-src 'sha256-" in csp and "'unsafe-inline'" not in csp
    assert loser.user.full_name not in tutanak.text and loser.email not in tutanak.text
    docs = await env.client.get("/hesabim/belgeler", headers={**HTML, **loser.headers})
    assert "Artırma sonuç tutanakları" in text_of(docs.text)
    pdf_link = re.search(r'href="(/hesabim/belgeler/tutanak/\d+\.pdf)"', docs.text).group(1)
    pdf = await env.client.get(pdf_link, headers=loser.headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    stranger = await env.make_actor("bidder")
    assert (await env.client.get(pdf_link, headers=stranger.headers)).status_code == 404


async def test_deposits_and_refunds_are_listed(env, manual_clock):
    _lot, _sale, winner, loser = await awarded(env, manual_clock)
    await env.refunds()
    r = await env.client.get("/hesabim/teminatlar", headers={**HTML, **loser.headers})
    text = text_of(r.text)
    assert "235.000,00 TL" in text and "iade edildi" in text
    r = await env.client.get("/hesabim/teminatlar", headers={**HTML, **winner.headers})
    assert "ihale bedeline sayılır" in text_of(r.text)  # OP-18


async def test_watchlist_star_and_unstar_with_csrf(env, manual_clock):
    lot, _ = await open_round(env, manual_clock)
    bidder = await env.make_actor("bidder")
    csrf = await browser_login(env.client, bidder)
    r = await env.client.post(f"/lots/{lot['id']}/izle", data={"watch": "1", "next": f"/lots/{lot['id']}"})
    assert r.status_code == 403  # no CSRF token
    r = await env.client.post(f"/lots/{lot['id']}/izle", data={"watch": "1", "csrf_token": csrf},
                              headers={"HX-Request": "true"})
    assert r.status_code == 200 and "İzleme listemden çıkar" in r.text
    # Starring twice (a double click) stars once.
    await env.client.post(f"/lots/{lot['id']}/izle", data={"watch": "1", "csrf_token": csrf})
    r = await env.client.get("/hesabim/izleme", headers=HTML)
    assert 'data-testid="watchlist"' in r.text and r.text.count('id="lot-') == 1
    r = await env.client.post(f"/lots/{lot['id']}/izle", data={"watch": "0", "csrf_token": csrf})
    assert r.status_code == 303
    r = await env.client.get("/hesabim/izleme", headers=HTML)
    assert 'data-testid="watchlist"' not in r.text


async def test_saved_searches(env, manual_clock):
    bidder = await env.make_actor("bidder")
    csrf = await browser_login(env.client, bidder)
    r = await env.client.get("/ara?kind=tasinmaz&province=%C4%B0stanbul&price_max=2000000", headers=HTML)
    assert "Bu aramayı kaydet" in r.text
    r = await env.client.post("/ara/kaydet", data={"csrf_token": csrf, "name": "İstanbul daireleri",
                                                   "query": "kind=tasinmaz&province=%C4%B0stanbul&price_max=2000000"})
    assert r.status_code == 303
    page = await env.client.get("/hesabim/izleme", headers=HTML)
    text = text_of(page.text)
    assert "İstanbul daireleri" in text and "Taşınmaz · İstanbul · en çok 2.000.000,00 TL" in text
    assert "/ara?kind=tasinmaz&amp;province=" in page.text
    search_id = re.search(r"/hesabim/aramalar/(\d+)/sil", page.text).group(1)
    r = await env.client.post(f"/hesabim/aramalar/{search_id}/uyari", data={"csrf_token": csrf, "on": "0"})
    assert r.status_code == 303
    assert "Bildirimler kapalı." in text_of((await env.client.get("/hesabim/izleme", headers=HTML)).text)
    # An empty search cannot be saved.
    r = await env.client.post("/ara/kaydet", data={"csrf_token": csrf, "query": ""}, headers=HTML)
    assert r.status_code == 409
    r = await env.client.post(f"/hesabim/aramalar/{search_id}/sil", data={"csrf_token": csrf})
    assert "İstanbul daireleri" not in (await env.client.get("/hesabim/izleme", headers=HTML)).text
    # Another bidder cannot delete it.
    async with env.runtime.db.session() as s:
        from auction.watch.search import SearchParams

        row = await watch.save_search(s, bidder.user.id, "x", SearchParams.parse({"kind": "tasinir"}))
        row_id = row.id
    other = await env.make_actor("bidder")
    r = await env.client.post(f"/hesabim/aramalar/{row_id}/sil", headers={**HTML, **other.headers})
    assert r.status_code == 404


async def test_notification_settings_are_stored(env, manual_clock):
    bidder = await env.make_actor("bidder")
    csrf = await browser_login(env.client, bidder)
    r = await env.client.get("/hesabim/bildirimler", headers=HTML)
    assert 'name="round_opened" value="1" checked' in r.text
    # E-mail and SMS are chosen per kind on the profile (the channel section), linked from here.
    assert 'href="/hesabim/profil#bildirim-kanallari"' in r.text
    r = await env.client.post("/hesabim/bildirimler", data={"csrf_token": csrf, "round_opened": "1"})
    assert r.status_code == 303
    async with env.runtime.db.session() as s:
        prefs = await watch.prefs(s, bidder.user.id)
    assert prefs.round_opened
    assert not prefs.closing_soon and not prefs.extended and not prefs.closed and not prefs.saved_search


async def test_notification_channels_on_the_profile(env, manual_clock):
    bidder = await env.make_actor("bidder")
    csrf = await browser_login(env.client, bidder)
    r = await env.client.get("/hesabim/profil", headers=HTML)
    assert 'data-testid="channel-prefs"' in r.text and "Teklifim geçildiğinde" in r.text
    assert 'name="sale_won.in_app" value="1"' in r.text and "disabled" in r.text  # essential: always in-app
    r = await env.client.post("/hesabim/bildirim-kanallari", data={
        "csrf_token": csrf, "outbid.in_app": "1", "outbid.sms": "1", "sale_won.email": "1", "lang": "en"})
    assert r.status_code == 303 and r.headers["location"].startswith("/hesabim/profil?kanallar=1")
    prefs = (await env.client.get("/api/v1/me/notification-preferences", headers=bidder.headers)).json()
    kinds = {k["kind"]: k for k in prefs["kinds"]}
    assert prefs["lang"] == "en"
    assert (kinds["outbid"]["in_app"], kinds["outbid"]["email"], kinds["outbid"]["sms"]) == (True, False, True)
    assert (kinds["sale_won"]["in_app"], kinds["sale_won"]["email"], kinds["sale_won"]["sms"]) == (True, True, False)
    r = await env.client.get("/hesabim/profil?kanallar=1", headers=HTML)
    assert "Bildirim kanallarınız kaydedildi." in r.text
    # The kinds are named in the page's language, not in the one chosen for the messages.
    assert "Teklifim geçildiğinde" in r.text and "When I am outbid" not in r.text
    env.client.cookies.set("lang", "en")
    r = await env.client.get("/hesabim/profil", headers=HTML)
    assert "When I am outbid" in r.text and "Teklifim geçildiğinde" not in r.text
    env.client.cookies.delete("lang")
    r = await env.client.post("/hesabim/bildirim-kanallari", data={"lang": "tr"})
    assert r.status_code == 403  # no CSRF token


async def test_teminat_page_where_the_money_is_and_when_it_comes_back(env, manual_clock):
    lot, _ = await open_round(env, manual_clock)
    a = await env.bidder(lot["id"])
    r = await env.client.get(f"/lots/{lot['id']}/teminat", headers={**HTML, **a.headers})
    text = text_of(r.text)
    assert "onaylandı" in text and "Paranız nerede?" in text and "Ne zaman geri gelir?" in text
    assert "iade talimatı en geç" in text and "3 iş günü" in text
    assert "ikinci artırma için geçerli kalır" in text  # the engine's teminat.carry_to_round2 (proposed OP-49)
    assert 'data-testid="teminat-due"' in r.text
    # Withdraw (OP-16): allowed while not the highest bidder; needs the box ticked.
    r = await env.client.post(f"/lots/{lot['id']}/teminat/geri-al", data={}, headers={**HTML, **a.headers})
    assert r.status_code == 409
    r = await env.client.post(f"/lots/{lot['id']}/teminat/geri-al", data={"confirm": "1"},
                              headers={**HTML, **a.headers})
    assert r.status_code == 303
    html = (await env.client.get(f"/lots/{lot['id']}", headers={**HTML, **a.headers})).text
    assert "geri aldığınız için" in text_of(html)


async def test_mektup_scan_sent_by_the_bidder_and_recorded_by_staff(env, manual_clock):
    lot, _sale = await open_round(env, manual_clock)
    b = await env.bidder()
    files = {"scan": ("mektup.pdf", b"%PDF-1.4 test", "application/pdf")}
    form = {"bank": "Ziraat Bankası", "mektup_no": "TM-2026-1", "amount": "235.000,00", "sartname": "1"}
    r = await env.client.post(f"/lots/{lot['id']}/teminat/mektup", data=form, files=files,
                              headers={**HTML, **b.headers})
    assert r.status_code == 303, r.text
    page = await env.client.get(f"/lots/{lot['id']}/teminat", headers={**HTML, **b.headers})
    assert "satış bürosunda inceleniyor" in text_of(page.text)
    # A second one while the first is pending is refused; a non-PDF is refused.
    r = await env.client.post(f"/lots/{lot['id']}/teminat/mektup", data=form, files=files,
                              headers={**HTML, **b.headers})
    assert r.status_code == 409
    staff_page = await env.client.get("/buro/teminat-mektuplari", headers={**HTML, **env.staff.headers})
    sub_id = re.search(r"/buro/teminat-mektuplari/(\d+)/kaydet", staff_page.text).group(1)
    scan = await env.client.get(f"/buro/teminat-mektuplari/{sub_id}/tarama", headers=env.staff.headers)
    assert scan.content == b"%PDF-1.4 test"
    assert scan.headers["content-type"] == "application/pdf" and scan.headers["x-content-type-options"] == "nosniff"
    assert scan.headers["content-disposition"] == f'inline; filename="mektup-{sub_id}.pdf"'
    assert "script-src" not in scan.headers["content-security-policy"]
    assert (await env.client.get(f"/buro/teminat-mektuplari/{sub_id}/tarama", headers=b.headers)).status_code == 403
    r = await env.client.post(f"/buro/teminat-mektuplari/{sub_id}/kaydet", headers={**HTML, **env.staff.headers})
    assert r.status_code == 303
    page = await env.client.get(f"/lots/{lot['id']}/teminat", headers={**HTML, **b.headers})
    text = text_of(page.text)
    assert "kaydedildi, teminat onaylandı" in text and "Teminat mektubu" in text
    lot_page = await env.client.get(f"/lots/{lot['id']}", headers={**HTML, **b.headers})
    assert 'data-testid="bid-amount"' in lot_page.text  # the bidder can bid now


async def test_bad_scan_is_refused(env, manual_clock):
    lot, _ = await open_round(env, manual_clock)
    b = await env.bidder()
    r = await env.client.post(f"/lots/{lot['id']}/teminat/mektup", headers={**HTML, **b.headers},
                              data={"bank": "X Bank", "mektup_no": "1", "sartname": "1"},
                              files={"scan": ("a.exe", b"MZ....", "application/octet-stream")})
    assert r.status_code == 422 and "PDF, JPEG ya da PNG" in text_of(r.text)
