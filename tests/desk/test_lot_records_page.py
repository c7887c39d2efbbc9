"""A lot's claim records on the desk's file page (web/pages/desk_records.py): the section lists the pledges,
hacizler and asset taxes; its forms add them through the API's services (amounts as typed, a rate in per
cent); a refused form shows the service's problems next to it and writes nothing; another office's staff
and a bidder are refused."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from auction.audit.models import AuditEntry
from auction.calendar import local_date
from auction.cases.models import AssetTax, Haciz, HacizInterest, HacizPayment, Pledge
from auction.users import service as users
from tests.web.conftest import browser_login, text_of

HTML = {"Accept": "text/html"}


async def _creditor(env: Any, case_id: int, name: str, kind: str = "haciz") -> int:
    r = await env.client.post(f"/api/v1/cases/{case_id}/creditors", headers=env.staff.headers,
                              json={"name": name, "kind": kind, "claim_total": "100000.00"})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _section(html: str, lot_id: int) -> str:
    m = re.search(rf'<section class="lot-records"[^>]*data-testid="lot-records" data-lot="{lot_id}">(.*?)</section>',
                  html, re.S)
    assert m, "the lot has no claim-records section"
    return m.group(1)


async def _count(runtime: Any, model: Any) -> int:
    async with runtime.db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


def _haciz_form(cid: int, today: Any, **kw: str) -> dict[str, str]:
    form = {"creditor_id": str(cid), "kind": "haciz", "haciz_date": str(today - timedelta(days=60)),
            "takip_date": str(today - timedelta(days=90)), "document_date": "", "sira": "", "joins_creditor_id": "",
            "principal": "300.000,00", "interest_accrued": "8.000", "costs": "4.000,50", "vekalet_ucreti": "",
            "imputation": "tbk100"}
    for i in range(3):  # the form's rows, sent empty as a browser sends them
        form |= {f"interest_start_{i}": "", f"interest_end_{i}": "", f"interest_kind_{i}": "sabit",
                 f"interest_rate_{i}": "", f"payment_date_{i}": "", f"payment_amount_{i}": ""}
    form.update(kw)
    return form


async def test_the_section_lists_the_records_the_api_entered(env, manual_clock):
    lot = await env.lot()
    bank = await _creditor(env, lot["case_id"], "Anadolu Bankası", "rehin")
    firm = await _creditor(env, lot["case_id"], "B Ltd.")
    today = local_date(manual_clock.now())
    h = env.staff.headers
    assert (await env.client.post(f"/api/v1/lots/{lot['id']}/pledges", headers=h, json={
        "creditor_id": bank, "degree": 1, "limit_amount": "500000", "claim_amount": "420000.50"})).status_code == 201
    r = await env.client.post(f"/api/v1/lots/{lot['id']}/hacizler", headers=h, json={
        "creditor_id": firm, "kind": "ihtiyati_haciz", "haciz_date": str(today - timedelta(days=30)),
        "takip_date": str(today - timedelta(days=40)), "sira": 2, "principal": "75000", "costs": "1500",
        "interest": [{"start": str(today - timedelta(days=40)), "end": str(today - timedelta(days=20)), "rate": "0.24"},
                     {"start": str(today - timedelta(days=20)), "rate": "kanuni"}],
        "payments": [{"paid_on": str(today - timedelta(days=5)), "amount": "2500"}]})
    assert r.status_code == 201, r.text
    r = await env.client.post(f"/api/v1/lots/{lot['id']}/asset-taxes", headers=h, json={
        "tax": "emlak_vergisi", "authority": "Kadıköy Belediyesi", "amount": "3250.75"})
    assert r.status_code == 201, r.text
    page = await env.client.get(f"/staff/files/{lot['case_id']}", headers={**HTML, **h})
    assert page.status_code == 200
    text = text_of(_section(page.text, lot["id"]))
    assert "Alacak kayıtları" in text
    assert "Anadolu Bankası 1 500.000,00 TL 420.000,50 TL" in text  # degree, limit, claim
    assert "B Ltd. İhtiyati haciz" in text
    assert f"Haciz tarihi: {(today - timedelta(days=30)).strftime('%d.%m.%Y')}" in text
    assert "75.000,00 TL" in text and "Takip masrafı: 1.500,00 TL" in text
    d40, d20 = ((today - timedelta(days=n)).strftime("%d.%m.%Y") for n in (40, 20))
    assert f"{d40} – {d20}: %24" in text
    assert f"{d20} – satış gününe kadar: kanuni faiz" in text
    assert "kanuni faiz" in text
    assert f"{(today - timedelta(days=5)).strftime('%d.%m.%Y')}: 2.500,00 TL" in text
    assert "Emlak vergisi Kadıköy Belediyesi 3.250,75 TL" in text
    for testid in ("pledge-form", "haciz-form", "asset-tax-form"):
        assert f'data-testid="{testid}"' in page.text


async def test_a_valid_haciz_form_adds_the_haciz_as_the_api_would(env, manual_clock, runtime):
    lot = await env.lot()
    firm = await _creditor(env, lot["case_id"], "B Ltd.")
    today = local_date(manual_clock.now())
    form = _haciz_form(firm, today, **{
        # The second row left empty: the third becomes the claim's second period.
        "interest_start_0": str(today - timedelta(days=90)), "interest_end_0": str(today - timedelta(days=30)),
        "interest_rate_0": "%9,75", "interest_start_2": str(today - timedelta(days=30)),
        "interest_kind_2": "kanuni", "payment_date_1": str(today - timedelta(days=10)),
        "payment_amount_1": "20.000,50"})
    r = await env.client.post(f"/staff/lots/{lot['id']}/hacizler", headers={**HTML, **env.staff.headers}, data=form)
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"/staff/files/{lot['case_id']}?kaydedildi=haciz#lot-{lot['id']}"
    listed = (await env.client.get(f"/api/v1/lots/{lot['id']}/hacizler", headers=env.staff.headers)).json()
    assert len(listed) == 1
    h = listed[0]
    assert (h["creditor_id"], h["kind"], h["sira"], h["principal"], h["interest_accrued"], h["costs"],
            h["vekalet_ucreti"]) == (firm, "haciz", 4, "300000.00", "8000.00", "4000.50", "0.00")
    assert h["interest"] == [
        {"start": str(today - timedelta(days=90)), "end": str(today - timedelta(days=30)), "rate": "0.0975"},
        {"start": str(today - timedelta(days=30)), "end": None, "rate": "kanuni"}]
    assert h["payments"] == [{"paid_on": str(today - timedelta(days=10)), "amount": "20000.50"}]
    async with runtime.db.session() as s:
        entry = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "haciz.added"))).one()
        assert (entry.actor_user_id, entry.entity_id) == (env.staff.user.id, str(lot["id"]))
    page = await env.client.get(r.headers["location"], headers={**HTML, **env.staff.headers})
    assert "Haciz kaydedildi." in page.text
    text = text_of(_section(page.text, lot["id"]))
    assert "B Ltd. Haciz" in text and "300.000,00 TL" in text and "%9,75" in text and "20.000,50 TL" in text


async def test_the_pledge_and_asset_tax_forms_add_their_records(env, manual_clock):
    lot = await env.lot()
    bank = await _creditor(env, lot["case_id"], "Anadolu Bankası", "rehin")
    h = {**HTML, **env.staff.headers}
    r = await env.client.post(f"/staff/lots/{lot['id']}/pledges", headers=h, data={
        "creditor_id": str(bank), "degree": "1", "limit_amount": "1.000.000", "claim_amount": "850.000,25"})
    assert r.status_code == 303 and "kaydedildi=pledge" in r.headers["location"], r.text
    r = await env.client.post(f"/staff/lots/{lot['id']}/asset-taxes", headers=h, data={
        "tax": "emlak_vergisi", "authority": "Kadıköy Belediyesi", "amount": "₺ 3.250,75"})
    assert r.status_code == 303 and "kaydedildi=asset_tax" in r.headers["location"], r.text
    pledges = (await env.client.get(f"/api/v1/lots/{lot['id']}/pledges", headers=env.staff.headers)).json()
    assert [(p["degree"], p["limit_amount"], p["claim_amount"]) for p in pledges] == [(1, "1000000.00", "850000.25")]
    taxes = (await env.client.get(f"/api/v1/lots/{lot['id']}/asset-taxes", headers=env.staff.headers)).json()
    assert [(t["tax"], t["amount"]) for t in taxes] == [("emlak_vergisi", "3250.75")]
    # The service's refusal (MTV is a vehicle's tax) is shown next to its own form.
    r = await env.client.post(f"/staff/lots/{lot['id']}/asset-taxes", headers=h, data={
        "tax": "mtv", "authority": "Vergi Dairesi", "amount": "100"})
    assert r.status_code == 422
    assert re.search(r'data-testid="records-error" data-code="asset_tax_invalid".*?data-problem="not_for_asset"',
                     r.text, re.S)
    assert len((await env.client.get(f"/api/v1/lots/{lot['id']}/asset-taxes", headers=env.staff.headers)).json()) == 1


async def test_an_invalid_haciz_shows_every_problem_in_turkish_and_writes_nothing(env, manual_clock, runtime):
    lot = await env.lot()
    firm = await _creditor(env, lot["case_id"], "B Ltd.")
    today = local_date(manual_clock.now())
    before = [await _count(runtime, m) for m in (Haciz, HacizInterest, HacizPayment, AuditEntry)]
    h = {**HTML, **env.staff.headers}
    # The service's own problems: no takip date, a haciz in the future, a rate beyond the engine's bounds, a
    # payment of nothing; the form rows are named as the form numbers them.
    form = _haciz_form(firm, today, takip_date="", haciz_date=str(today + timedelta(days=1)),
                       interest_start_1=str(today - timedelta(days=30)), interest_rate_1="1200",
                       payment_date_2=str(today - timedelta(days=3)), payment_amount_2="0")
    r = await env.client.post(f"/staff/lots/{lot['id']}/hacizler", headers=h, data=form)
    assert r.status_code == 422
    assert 'data-testid="records-error" data-code="haciz_invalid"' in r.text
    problems = re.findall(r'data-problem="([a-z_]+)" data-field="([a-z_.]+)"', r.text)
    assert problems == [("required", "takip_date"), ("in_future", "haciz_date"),
                        ("invalid_rate", "interest.rate"), ("not_positive", "payments.amount")]
    text = text_of(r.text)
    assert "Haciz bilgileri geçersiz. haciz_invalid" in text
    assert "Takip tarihi: bu haciz türü için gerekli required" in text
    assert "Satır 2 · Yıllık oran (%): geçerli bir yıllık oran değil" in text
    assert "Satır 3 · Tutar: sıfırdan büyük olmalıdır not_positive" in text
    # The typed values stay in the form, which is open.
    assert 'name="principal" inputmode="decimal" required value="300.000,00"' in r.text
    assert re.search(r'<details class="record-form" open>\s*<summary data-testid="haciz-form-open">', r.text)
    # What the form cannot even read as an amount is named too, with the money code.
    r = await env.client.post(f"/staff/lots/{lot['id']}/hacizler", headers=h,
                              data=_haciz_form(firm, today, principal="üç yüz bin", kind="kamu_haczi",
                                               takip_date=""))
    assert r.status_code == 422
    assert re.findall(r'data-problem="([a-z_]+)" data-field="([a-z_.]+)"', r.text) == \
        [("money_not_a_number", "principal")]
    # A kanuni period with a per cent typed as well: which was meant is not guessed.
    r = await env.client.post(f"/staff/lots/{lot['id']}/hacizler", headers=h, data=_haciz_form(
        firm, today, interest_start_0=str(today - timedelta(days=30)), interest_kind_0="kanuni",
        interest_rate_0="24"))
    assert r.status_code == 422 and 'data-problem="rate_with_kanuni"' in r.text
    after = [await _count(runtime, m) for m in (Haciz, HacizInterest, HacizPayment, AuditEntry)]
    assert after == before
    assert (await env.client.get(f"/api/v1/lots/{lot['id']}/hacizler", headers=env.staff.headers)).json() == []


async def test_a_session_form_needs_its_csrf_token(env, manual_clock, runtime):
    """Signed in with the login form (a cookie session), the form's hidden token is required, as on every
    staff form."""
    lot = await env.lot()
    firm = await _creditor(env, lot["case_id"], "B Ltd.")
    today = local_date(manual_clock.now())
    csrf = await browser_login(env.client, env.staff)
    r = await env.client.post(f"/staff/lots/{lot['id']}/hacizler", headers=HTML, data=_haciz_form(firm, today))
    assert r.status_code == 403
    assert await _count(runtime, Haciz) == 0
    r = await env.client.post(f"/staff/lots/{lot['id']}/hacizler", headers=HTML,
                              data={**_haciz_form(firm, today), "csrf_token": csrf})
    assert r.status_code == 303, r.text
    assert await _count(runtime, Haciz) == 1


async def test_another_office_and_a_bidder_are_refused(env, manual_clock, runtime, make_actor):
    lot = await env.lot()
    firm = await _creditor(env, lot["case_id"], "B Ltd.")
    today = local_date(manual_clock.now())
    async with runtime.db.session() as s:
        await users.create_office(s, code="ANK-02", name="Ankara 2. İcra Dairesi", city="Ankara")
    other = await make_actor("staff", "ANK-02")
    bidder = await make_actor("bidder")
    forms = {"hacizler": _haciz_form(firm, today),
             "pledges": {"creditor_id": str(firm), "degree": "1", "limit_amount": "10", "claim_amount": "10"},
             "asset-taxes": {"tax": "emlak_vergisi", "authority": "Kadıköy Belediyesi", "amount": "10"}}
    before = [await _count(runtime, m) for m in (Haciz, Pledge, AssetTax, AuditEntry)]
    for actor, code in ((other, "office_scope"), (bidder, "role_required")):
        assert (await env.client.get(f"/staff/files/{lot['case_id']}", headers={**HTML, **actor.headers})
                ).status_code == 403
        for path, form in forms.items():
            r = await env.client.post(f"/staff/lots/{lot['id']}/{path}", headers={**HTML, **actor.headers}, data=form)
            assert r.status_code == 403, (path, r.status_code)
            assert code in r.text
    assert [await _count(runtime, m) for m in (Haciz, Pledge, AssetTax, AuditEntry)] == before
    # The müdür of the office may enter them, as through the API.
    r = await env.client.post(f"/staff/lots/{lot['id']}/hacizler", headers={**HTML, **env.manager.headers},
                              data=_haciz_form(firm, today))
    assert r.status_code == 303, r.text
    assert await _count(runtime, Haciz) == 1
    assert Decimal((await env.client.get(f"/api/v1/lots/{lot['id']}/hacizler", headers=env.staff.headers)
                    ).json()[0]["principal"]) == Decimal("300000")
