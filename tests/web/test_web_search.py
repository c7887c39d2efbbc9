"""Home and search: filters, sort, pagination, the htmx fragment, shareable URLs."""

import re
from datetime import timedelta

from auction import clock
from auction.watch.search import SearchParams, parse_amount_input
from tests.web.conftest import HTML, text_of, z


def titles(html: str) -> list[str]:
    return [text_of(t) for t in re.findall(r'<h3 id="lot-\d+-title">(.*?)</h3>', html, flags=re.S)]


async def _three_lots(env, mc):
    """A: open and closing within 24 h; B: upcoming; C: closed. D: a lot with no sale (never listed)."""
    t0 = clock.now()
    a = await env.lot("2350000.00", title="Kadıköy'de 3+1 daire", province="İstanbul", district="Kadıköy",
                      use="konut")
    b = await env.lot("640000.00", kind="tasinir", title="Fiat Egea otomobil", province="Ankara",
                      district="Çankaya", use="arac")
    c = await env.lot("6800000.00", title="Merter'de dükkan", province="İstanbul", district="Güngören",
                      use="isyeri")
    await env.lot("100000.00", title="Satışı olmayan mal", province="İzmir")
    await env.sale(a["id"], first_round_start=z(t0 + timedelta(days=16)))
    await env.sale(b["id"], first_round_start=z(t0 + timedelta(days=25)))
    await env.sale(c["id"], first_round_start=z(t0 + timedelta(days=15, hours=1)))
    mc.set(t0 + timedelta(days=16, seconds=1))
    assert await env.tick() == 2  # A and C open
    mc.set(t0 + timedelta(days=22, hours=2))
    await env.tick()  # C closes (no bids); A runs until t0 + 23 days
    return a, b, c


async def get(client, query: str = "", **headers):
    r = await client.get(f"/ara{query}", headers={**HTML, **headers})
    assert r.status_code == 200, r.text
    return r


async def test_filters_each_narrow_the_list(env, manual_clock):
    await _three_lots(env, manual_clock)
    c = env.client
    assert titles((await get(c)).text) == ["Kadıköy'de 3+1 daire", "Fiat Egea otomobil", "Merter'de dükkan"]
    cases = {
        "?kind=tasinir": ["Fiat Egea otomobil"],
        "?kind=tasinmaz": ["Kadıköy'de 3+1 daire", "Merter'de dükkan"],
        "?province=Ankara": ["Fiat Egea otomobil"],
        "?district=Kad%C4%B1k%C3%B6y": ["Kadıköy'de 3+1 daire"],
        "?use=isyeri": ["Merter'de dükkan"],
        "?q=d%C3%BCkkan": ["Merter'de dükkan"],
        "?status=open": ["Kadıköy'de 3+1 daire"],
        "?status=upcoming": ["Fiat Egea otomobil"],
        "?status=closed": ["Merter'de dükkan"],
        "?closing_soon=1": ["Kadıköy'de 3+1 daire"],
        "?round=2": [],
        # Current price (the opening price while nobody bid): A 1,175,000, B 320,000, C 3,400,000.
        "?price_max=1.000.000": ["Fiat Egea otomobil"],
        "?price_min=1000000&price_max=2000000": ["Kadıköy'de 3+1 daire"],
        # On the muhammen bedel instead: A 2,350,000, B 640,000, C 6,800,000.
        "?price_min=3000000&price_basis=muhammen": ["Merter'de dükkan"],
        "?price_max=2000000&price_basis=muhammen": ["Fiat Egea otomobil"],
    }
    for query, expected in cases.items():
        assert sorted(titles((await get(c, query)).text)) == sorted(expected), query
    # A lot with no announced sale is never listed; empty results explain what to do.
    r = await get(c, "?province=%C4%B0zmir")
    assert titles(r.text) == [] and "Bu ölçütlere uyan mal yok" in text_of(r.text)


async def test_sorts(env, manual_clock):
    await _three_lots(env, manual_clock)
    c = env.client
    assert titles((await get(c, "?sort=price_asc")).text) == ["Fiat Egea otomobil", "Kadıköy'de 3+1 daire",
                                                               "Merter'de dükkan"]
    assert titles((await get(c, "?sort=price_desc")).text)[0] == "Merter'de dükkan"
    # Closing soonest: the running round first, then the coming one, then the finished one.
    assert titles((await get(c, "?sort=ending")).text) == ["Kadıköy'de 3+1 daire", "Fiat Egea otomobil",
                                                            "Merter'de dükkan"]
    newest = titles((await get(c, "?sort=newest")).text)
    assert newest[0] == "Merter'de dükkan"  # the last sale decided


async def test_pagination_and_shareable_urls(env, manual_clock):
    t0 = clock.now()
    for i in range(14):
        lot = await env.lot("500000.00", title=f"Mal {i:02d}", province="Bursa", district="Nilüfer")
        await env.sale(lot["id"], first_round_start=z(t0 + timedelta(days=16, hours=i)))
    c = env.client
    first = await get(c, "?province=Bursa")
    assert len(titles(first.text)) == 12
    assert "14 maldan 1–12 arası" in text_of(first.text)
    assert 'aria-current="page"' in first.text and 'rel="next"' in first.text
    # The next-page link keeps the filters; the page is shareable as it is.
    link = re.search(r'<a href="(/ara\?[^"]+)" rel="next"', first.text).group(1)
    assert "province=Bursa" in link and "page=2" in link
    second = await get(c, link.removeprefix("/ara").replace("&amp;", "&"))
    assert len(titles(second.text)) == 2
    assert "14 maldan 13–14 arası" in text_of(second.text)
    # A page past the end shows the last page rather than nothing.
    assert len(titles((await get(c, "?province=Bursa&page=99")).text)) == 2
    # Cards have a placeholder picture when a lot has no photo.
    assert "img/placeholder-tasinmaz.svg" in first.text


async def test_htmx_gets_the_results_fragment_only(env, manual_clock):
    await _three_lots(env, manual_clock)
    r = await get(env.client, "?kind=tasinir", **{"HX-Request": "true", "HX-Target": "results"})
    assert "<html" not in r.text
    assert titles(r.text) == ["Fiat Egea otomobil"]
    assert 'hx-swap-oob="innerHTML:#results-status"' in r.text
    assert "1 mal bulundu" in r.text
    assert r.headers["vary"] == "HX-Request"
    # htmx's history restore asks for the whole page.
    r = await get(env.client, "?kind=tasinir", **{"HX-Request": "true", "HX-History-Restore-Request": "true",
                                                   "HX-Target": "results"})
    assert "<html" in r.text
    # The home page is the same search, with the form.
    home = await env.client.get("/", headers=HTML)
    assert 'role="search"' in home.text and 'hx-push-url="true"' in home.text


def test_search_params_parse_and_round_trip():
    p = SearchParams.parse({"kind": "tasinmaz", "price_max": "2.000.000", "round": "3", "sort": "bogus",
                            "status": "open", "page": "0", "q": "  daire "})
    # A bogus sort falls back to the default: by relevance when words were typed.
    assert p.kind == "tasinmaz" and p.round is None and p.sort == "relevance" and p.page == 1 and p.q == "daire"
    assert str(p.price_max) == "2000000.00"
    again = SearchParams.parse(dict(x.split("=") for x in p.query_string().split("&")))
    assert again == p
    assert p.criteria() == {"q": "daire", "kind": "tasinmaz", "price_max": "2000000.00", "status": "open"}
    assert parse_amount_input("1.250.000,50") == parse_amount_input("1250000.50")
    assert parse_amount_input("abc") is None and parse_amount_input("-5") is None
