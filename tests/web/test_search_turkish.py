"""Search by Turkish rules (issue 17): accents and case folded, every word must match, ranked; the index
behind it (FTS5 on SQLite, trigram GIN on PostgreSQL) kept in step with the lots. Runs on both databases
(`DATABASE_URL=postgresql+asyncpg://…` for the PostgreSQL pass)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text

from auction import clock
from auction.lots.models import Lot
from auction.lots.searchtext import fold, query_words
from auction.watch.search import SearchParams, search
from tests.web.conftest import HTML, text_of, z
from tests.web.test_web_search import titles


def test_fold_follows_turkish_rules():
    assert fold("KADIKÖY") == fold("Kadıköy") == fold("kadikoy") == "kadikoy"
    assert fold("İSTANBUL") == fold("istanbul") == "istanbul"
    assert fold("ŞİŞLİ") == fold("Şişli") == "sisli"
    assert fold("IĞDIR") == fold("Iğdır") == "igdir"
    assert fold("Çankaya Gölbaşı Üsküdar") == "cankaya golbasi uskudar"
    assert fold("Fikirtepe'de 3+1 daire (95 m²)") == "fikirtepe de 3 1 daire 95 m2"
    assert query_words("  Daire daire,  KADIKÖY ") == ["daire", "kadikoy"]
    assert query_words("!!! ...") == []


async def _lots(env, mc):
    t0 = clock.now()
    a = await env.lot("2350000.00", title="Kadıköy Fikirtepe'de 3+1 daire", province="İstanbul",
                      district="Kadıköy", ada="1203", parsel="17", description="Asansörlü binada, 4. kat.")
    b = await env.lot("640000.00", kind="tasinir", title="Fiat Egea otomobil", province="Ankara",
                      district="Çankaya", plate="06 ABC 123", description="2019 model, dizel.")
    c = await env.lot("6800000.00", title="Merter'de dükkan", province="İstanbul", district="Güngören",
                      description="Kadıköy şubesinin eski deposu; ŞİŞLİ yönüne 10 dakika.")
    for lot in (a, b, c):
        await env.sale(lot["id"], first_round_start=z(t0 + timedelta(days=16)))
    return a, b, c


async def found(client, q: str) -> list[str]:
    r = await client.get("/ara", params={"q": q}, headers=HTML)
    assert r.status_code == 200, r.text
    return titles(r.text)


async def test_accents_case_words_and_ranking(env, manual_clock):
    await _lots(env, manual_clock)
    c = env.client
    flat, car, shop = "Kadıköy Fikirtepe'de 3+1 daire", "Fiat Egea otomobil", "Merter'de dükkan"
    # Accents and case: what people type without Turkish letters finds the lot; ranked by where the
    # word stands: the title match first, the description match after it.
    for q in ("kadikoy", "KADIKÖY", "Kadıköy", "kadıkoy"):
        assert await found(c, q) == [flat, shop], q
    assert await found(c, "sisli") == [shop]
    assert await found(c, "cankaya") == [car]
    # Several words: every one must match somewhere (title, district, description …), in any order.
    assert await found(c, "Fikirtepe daire") == [flat]
    assert await found(c, "daire fikirtepe") == [flat]
    assert await found(c, "daire otomobil") == []
    assert await found(c, "istanbul dukkan") == [shop]
    # The parcel and the plate, as written or run together; words shorter than three letters.
    assert await found(c, "ada 1203") == [flat]
    assert await found(c, "1203/17") == [flat]
    assert await found(c, "06abc123") == [car]
    assert await found(c, "06 ABC 123") == [car]
    assert await found(c, "3+1 daire") == [flat]
    # Punctuation alone finds nothing and says why; it is never offered for saving.
    r = await c.get("/ara", params={"q": "%%%"}, headers=HTML)
    assert titles(r.text) == [] and "harf ya da rakam yok" in text_of(r.text)


async def test_the_index_follows_every_change(env, manual_clock, runtime):
    a, _b, _c = await _lots(env, manual_clock)
    async with runtime.db.session() as s:
        lot = await s.get(Lot, a["id"])
        assert lot is not None
        lot.title = "Üsküdar'da bahçeli müstakil ev"
    assert await found(env.client, "uskudar bahceli") == ["Üsküdar'da bahçeli müstakil ev"]
    assert await found(env.client, "fikirtepe") == []
    async with runtime.db.session() as s:
        if s.get_bind().dialect.name == "sqlite":
            # The FTS5 table holds exactly the lots' texts (its integrity check compares them).
            await s.execute(text("INSERT INTO lots_fts(lots_fts, rank) VALUES ('integrity-check', 1)"))
            hits = (await s.execute(text("SELECT rowid FROM lots_fts WHERE lots_fts MATCH '\"uskudar\"'"))).all()
            assert [r[0] for r in hits] == [a["id"]]
        else:
            indexdef = await s.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_lots_search_trgm'"))
            assert indexdef is not None and "gin" in indexdef and "gin_trgm_ops" in indexdef
        stored = await s.scalar(select(Lot.search_text).where(Lot.id == a["id"]))
        assert stored is not None and stored.startswith("uskudar da bahceli mustakil ev kadikoy istanbul")


async def test_service_ranks_and_saved_search_rules(env, manual_clock, runtime):
    await _lots(env, manual_clock)
    async with runtime.db.session() as s:
        page = await search(s, SearchParams.parse({"q": "kadikoy"}), clock.now(), with_facets=False)
        assert [card.title for card in page.items] == ["Kadıköy Fikirtepe'de 3+1 daire", "Merter'de dükkan"]
        # An explicit sort still wins over relevance.
        page = await search(s, SearchParams.parse({"q": "kadikoy", "sort": "price_desc"}), clock.now(),
                            with_facets=False)
        assert [card.title for card in page.items] == ["Merter'de dükkan", "Kadıköy Fikirtepe'de 3+1 daire"]
    long_q = "daire " * 30
    p = SearchParams.parse({"q": long_q})
    assert p.q_cut and len(p.q) == 100 and p.can_be_saved()
    assert not SearchParams.parse({}).can_be_saved()
    assert not SearchParams.parse({"q": "..."}).can_be_saved()
    assert not SearchParams.parse({"price_min": "2000000", "price_max": "1000"}).can_be_saved()
    r = await env.client.get("/ara", params={"q": long_q}, headers=HTML)
    assert "ilk 100 karakteriyle arandı" in text_of(r.text)
