"""The lot's papers (issue 17): the ilan and the şartname as PDF, read back; photos, the appraisal report,
the parcel reference and the viewing times on the lot page; the demo's lots carry them."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import select

from auction import clock
from auction.audit.models import AuditEntry
from auction.calendar import format_local
from auction.lots.models import LotFile, LotFileKind
from tests.web.conftest import HTML, text_of, z

# A settings key or rule-table key as the program writes it: `auction.increment.rate`, `extension.first_base`.
SETTINGS_KEY = re.compile(r"\b[a-z_]+\.[a-z_]+(\.[a-z_]+)*\b(?<!\.tr)(?<!\.pdf)")
ANNEX = "Ek — "


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def body_of(text: str) -> str:
    """The text for people: everything before the machine annex."""
    return text.split(ANNEX, 1)[0]


async def _lot_on_sale(env):
    t0 = clock.now()
    lot = await env.lot("2350000.00", title="Kadıköy Fikirtepe'de 3+1 daire", province="İstanbul",
                        district="Kadıköy", address="Fikirtepe Mah. Dumlupınar Sok. No: 12", ada="1234", parsel="56",
                        viewing_info="Cumartesi 10:00–12:00, randevuyla.")
    sale = await env.sale(lot["id"], first_round_start=z(t0 + timedelta(days=16)))
    return lot, sale


async def test_ilan_and_sartname_pdfs_speak_turkish(env, manual_clock):
    lot, sale = await _lot_on_sale(env)
    r = await env.client.get(f"/lots/{lot['id']}/ilan.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert "attachment" in r.headers["content-disposition"]
    ilan = pdf_text(r.content)
    first = sale["rounds"][0]
    from datetime import datetime

    starts = format_local(datetime.fromisoformat(first["starts_at"].replace("Z", "+00:00")))
    for expected in ("AÇIK ARTIRMA İLANI", "Kadıköy Fikirtepe'de 3+1 daire", "2.350.000,00", "Ada 1234, parsel 56",
                     "parselsorgu.tkgm.gov.tr", "Cumartesi 10:00–12:00", starts, "İcra ve İflas Kanunu madde 126",
                     f"/lots/{lot['id']}"):
        assert expected in ilan, expected
    assert not SETTINGS_KEY.search(body_of(ilan).replace("parselsorgu.tkgm.gov.tr", "")), \
        SETTINGS_KEY.search(body_of(ilan))
    assert "A-33 auction.increment.rate@" in ilan.split(ANNEX, 1)[1].replace("\n", " ")

    r = await env.client.get(f"/lots/{lot['id']}/sartname.pdf")
    assert r.status_code == 200
    sartname = pdf_text(r.content)
    for expected in ("Artırma Şartnamesi", "2.350.000,00", "İİK 115/1", "teminat"):
        assert expected in sartname, expected
    assert not SETTINGS_KEY.search(body_of(sartname)), SETTINGS_KEY.search(body_of(sartname))
    # No sale yet: no papers (a refusal with its code), never an empty PDF.
    bare = await env.lot("100000.00", title="Satışı olmayan mal")
    r = await env.client.get(f"/lots/{bare['id']}/ilan.pdf", headers={"Accept": "application/json"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "no_sale", r.text


async def test_lot_page_shows_photos_documents_parcel_and_viewing(env, manual_clock, runtime):
    from auction.bidder.demo import _picture

    lot, _sale = await _lot_on_sale(env)
    photo = _picture("tasinmaz", "konut", 0, 1)
    up = await env.client.post(f"/api/v1/lots/{lot['id']}/files", headers=env.staff.headers,
                               files={"file": ("dis.png", photo, "image/png")},
                               data={"kind": "photo", "title": "Binanın dış görünüşü"})
    assert up.status_code == 201, up.text
    # A report is published only as a copy whose personal data staff attest they blacked out (KVKK).
    report = await env.client.post(f"/api/v1/lots/{lot['id']}/files", headers=env.staff.headers,
                                   files={"file": ("rapor.pdf", b"%PDF-1.4\n%demo\n", "application/pdf")},
                                   data={"kind": "kiymet_raporu", "title": "Bilirkişi raporu", "public": "true"})
    assert (report.status_code, report.json()["error"]["code"]) == (422, "redaction_required")
    assert 'data-testid="doc-kiymet_raporu"' not in (await env.client.get(f"/lots/{lot['id']}", headers=HTML)).text
    report = await env.client.post(f"/api/v1/lots/{lot['id']}/files", headers=env.staff.headers,
                                   files={"file": ("rapor.pdf", b"%PDF-1.4\n%demo\n", "application/pdf")},
                                   data={"kind": "kiymet_raporu", "title": "Bilirkişi raporu", "public": "true",
                                         "redacted": "true"})
    assert report.status_code == 201, report.text
    async with runtime.db.session() as s:
        added = (await s.scalars(select(AuditEntry.data).where(AuditEntry.action == "lot.file_added"))).all()
    assert [d.get("redacted") for d in added if d["kind"] == "kiymet_raporu"] == [True]
    page = await env.client.get(f"/lots/{lot['id']}", headers=HTML)
    html = page.text
    assert f'/api/v1/lots/{lot["id"]}/files/{up.json()["id"]}' in html
    assert 'data-testid="doc-ilan-pdf"' in html and 'data-testid="doc-sartname-pdf"' in html
    assert 'data-testid="doc-kiymet_raporu"' in html and "portalda yayımlanmamıştır" not in html
    assert 'href="https://parselsorgu.tkgm.gov.tr/"' in html
    visible = text_of(html)
    assert "Ada 1234, parsel 56" in visible and "Cumartesi 10:00–12:00, randevuyla." in visible
    assert (await env.client.get(f"/api/v1/lots/{lot['id']}/files/{up.json()['id']}")).content.startswith(b"\x89PNG")


async def test_demo_lots_have_photos_and_a_published_report(runtime):
    from auction.demo import load_demo

    await load_demo(runtime)
    async with runtime.db.session() as s:
        rows = (await s.execute(select(LotFile.lot_id, LotFile.kind, LotFile.public))).all()
    lots_with_photos = {lot_id for lot_id, kind, _ in rows if kind == LotFileKind.photo}
    reports = [(lot_id, public) for lot_id, kind, public in rows if kind == LotFileKind.kiymet_raporu]
    assert len(lots_with_photos) >= 5
    assert len(reports) == 5 and all(public for _, public in reports)


async def test_receipt_and_tutanak_for_people(env, manual_clock):
    from tests.web.conftest import awarded

    _lot, _sale, _winner, loser = await awarded(env, manual_clock)
    r = await env.client.get("/hesabim/teklifler", headers={**HTML, **loser.headers})
    bid_id = re.findall(r'href="/hesabim/teklifler/(\d+)"', r.text)[0]
    page = await env.client.get(f"/hesabim/teklifler/{bid_id}", headers={**HTML, **loser.headers})
    summary = re.search(r'data-testid="receipt-summary">(.*?)</p>', page.text, flags=re.S)
    assert summary is not None
    said = text_of(summary.group(1))
    assert "Türkiye saati" in said and "1.175.000,00 TL" in said and "bir milyon yüz yetmiş beş bin" in said
    # The machine trail is there, but folded away under a marked heading.
    assert 'data-testid="receipt-verification"' in page.text
    assert page.text.index("sha256(") > page.text.index('data-testid="receipt-verification"')

    pdf = await env.client.get(f"/hesabim/teklifler/{bid_id}/makbuz.pdf", headers=loser.headers)
    assert pdf.status_code == 200
    receipt = pdf_text(pdf.content)
    body = body_of(receipt)
    for expected in ("TEKLİF MAKBUZU", "1.175.000,00", "bir milyon yüz yetmiş beş bin Türk lirası", "Türkiye saati",
                     "İcra ve İflas Kanunu madde 111/b"):
        assert expected in body.replace("\n", " "), expected
    assert "sha256(" not in body and not re.search(r"[0-9a-f]{64}", body)
    assert re.search(r"[0-9a-f]{64}", receipt.split(ANNEX, 1)[1].replace("\n", ""))
    stranger = await env.make_actor("bidder")
    other = await env.client.get(f"/hesabim/teklifler/{bid_id}/makbuz.pdf", headers=stranger.headers)
    assert other.json()["error"]["code"] == "bid_not_found", other.text  # never another one's receipt

    docs = await env.client.get("/hesabim/belgeler", headers={**HTML, **loser.headers})
    link = re.search(r'href="(/hesabim/belgeler/tutanak/\d+\.pdf)"', docs.text).group(1)
    tutanak = pdf_text((await env.client.get(link, headers=loser.headers)).content)
    body = body_of(tutanak)
    assert "1.186.750,00" in body and "UTC" not in body
    assert not re.search(r"\b(A|OP|S|T)-\d+", body), re.search(r"\b(A|OP|S|T)-\d+", body)
    assert not SETTINGS_KEY.search(body), SETTINGS_KEY.search(body)
    assert "auction.increment.rate" in tutanak.split(ANNEX, 1)[1].replace("\n", "")


async def test_payment_description_names_the_file_and_the_lot(env, manual_clock):
    from tests.web.conftest import awarded

    lot, sale, winner, _loser = await awarded(env, manual_clock)
    page = await env.client.get(f"/hesabim/kazandiklarim/{sale['id']}", headers={**HTML, **winner.headers})
    assert page.status_code == 200, page.text[-300:]
    said = text_of(page.text)
    m = re.search(r"İhale bedeli — \S+ Esas — Kadıköy'de 3\+1 daire", said)
    assert m is not None, said[-1500:]
    assert f"satış {sale['id']} mal {lot['id']}" not in said


async def test_payment_statement_pdf(env, manual_clock):
    from tests.web.conftest import awarded

    _lot, sale, winner, loser = await awarded(env, manual_clock, net_area_m2="95")
    r = await env.client.get(f"/hesabim/kazandiklarim/{sale['id']}/hesap.pdf", headers=winner.headers)
    assert r.status_code == 200, r.text[-300:]
    text = pdf_text(r.content)
    body = body_of(text).replace("\n", " ")
    assert "ÖDEME HESABI" in body and "1.186.750,00" in body and "Türkiye saati" in body
    assert not SETTINGS_KEY.search(body), SETTINGS_KEY.search(body)
    other = await env.client.get(f"/hesabim/kazandiklarim/{sale['id']}/hesap.pdf", headers=loser.headers)
    assert other.status_code == 404


async def test_the_demo_buyer_sees_a_deadline_only_where_the_price_is_still_due(runtime, client):
    """Issue 17: a won lot already paid shows where it stands, not a balance with a deadline in the past."""
    from datetime import date

    from auction.calendar import local_date
    from auction.clock import now
    from auction.demo import load_demo
    from auction.users import service as users
    from auction.users.models import User

    await load_demo(runtime)
    async with runtime.db.session() as s:
        alici1 = await s.scalar(select(User).where(User.email == "alici1@esatis.test"))
        assert alici1 is not None
        token = await users.issue_token(s, alici1, ttl=timedelta(hours=1))
    headers = {**HTML, "Authorization": f"Bearer {token}"}
    won = text_of((await client.get("/hesabim/kazandiklarim", headers=headers)).text)
    deadlines = [date(int(y), int(m), int(d)) for d, m, y in re.findall(r"Son ödeme (\d\d)\.(\d\d)\.(\d{4})", won)]
    assert len(deadlines) == 1 and deadlines[0] >= local_date(now())  # Bostancı, the one price due
    assert "bedel ödendi" in won  # Maltepe, Kartal …: paid, their state instead
    overview = (await client.get("/hesabim", headers=headers)).text
    due = re.search(r'id="due-title".*?</section>', overview, flags=re.S)
    assert due is not None and "Bostancı" in due.group(0) and "Maltepe" not in due.group(0)
