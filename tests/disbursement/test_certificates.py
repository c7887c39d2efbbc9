"""D-45 / D-46: the aciz vesikası or rehin açığı belgesi of a creditor left short, as a document (HTML and
PDF), with the engine's amount; TASLAK until the cetvel is final for that creditor, then with the müdür
who finalised it; none for a creditor paid in full (404 `certificate_not_found`). Staff read them all; a
party of the file its own creditor's, the borçlu's side a copy of each (D-45), anyone else 404."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from tests.aftersale.conftest import at
from tests.disbursement.conftest import distributing


async def test_rehin_acigi_belgesi_of_a_pledgee_over_its_limit(env, manual_clock, runtime, sms_file):
    d = await distributing(env, manual_clock, sms_file)
    h = env.staff.headers
    c = (await env.client.get(f"/api/v1/sales/{d.sale_id}/distribution", headers=h)).json()
    did = c["distribution_id"]
    cr1, cr2 = (f"cr{i}" for i in d.creditors)
    case = c["case"]
    case["creditors"][1]["claim"]["principal"] = "380000.00"  # limit 300000.00: 80000.00 left short (D-26)
    r = await env.client.post(f"/api/v1/distributions/{did}/versions", headers=h,
                              json={"reason": "İkinci derece alacak tutarı düzeltildi", "case": case})
    assert r.status_code == 201, r.text
    c = (await env.client.get(f"/api/v1/distributions/{did}", headers=h)).json()
    [cert] = c["certificates"]
    assert (cert["creditor_id"], cert["kind"], cert["rule"]) == (cr2, "rehin_acigi_belgesi", "D-46")
    assert Decimal(cert["amount"]) == Decimal("80000.00")
    doc = await env.client.get(f"/api/v1/distributions/{did}/certificates/{cr2}", headers=h)
    assert doc.status_code == 200 and "Rehin Açığı Belgesi" in doc.text and "İİK m.152" in doc.text
    assert "80.000,00" in doc.text and 'data-testid="certificate-draft"' in doc.text
    assert "seksen bin" in doc.text
    r = await env.client.get(f"/api/v1/distributions/{did}/certificates/{cr1}", headers=h)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "certificate_not_found")
    # A draft is the office's own work: not even the creditor reads its certificate yet.
    r = await env.client.get(f"/api/v1/distributions/{did}/certificates/{cr2}", headers=d.parties[1].headers)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "distribution_not_found")
    # Served, window passed, finalised: the certificate is final and names the müdür.
    r = await env.client.post(f"/api/v1/distributions/{did}/serve", headers=h)
    manual_clock.set(at(r.json()["objection_until"]) + timedelta(seconds=1))
    r = await env.client.post(f"/api/v1/distributions/{did}/finalise", headers=env.manager.headers)
    assert r.status_code == 200, r.text
    doc = await env.client.get(f"/api/v1/distributions/{did}/certificates/{cr2}", headers=h)
    assert 'data-testid="certificate-draft"' not in doc.text and env.manager.user.full_name in doc.text
    pdf = await env.client.get(f"/api/v1/distributions/{did}/certificates/{cr2}.pdf", headers=h)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    page = await env.client.get(f"/staff/sales/{d.sale_id}/cetvel", headers=h)
    assert 'data-testid="certificate-link"' in page.text


async def test_parties_read_their_own_certificates(env, manual_clock, runtime, sms_file, no_pdf):
    d = await distributing(env, manual_clock, sms_file)
    h = env.staff.headers
    c = (await env.client.get(f"/api/v1/sales/{d.sale_id}/distribution", headers=h)).json()
    did = c["distribution_id"]
    cr1, cr2 = (f"cr{i}" for i in d.creditors)
    case = c["case"]
    case["creditors"][1]["claim"]["principal"] = "380000.00"
    r = await env.client.post(f"/api/v1/distributions/{did}/versions", headers=h,
                              json={"reason": "İkinci derece alacak tutarı düzeltildi", "case": case})
    assert r.status_code == 201, r.text
    assert (await env.client.post(f"/api/v1/distributions/{did}/serve", headers=h)).status_code == 200
    url = f"/api/v1/distributions/{did}/certificates/{cr2}"
    # The creditor (its party account) reads its own, as HTML and PDF, a draft until final.
    own = await env.client.get(url, headers=d.parties[1].headers)
    assert own.status_code == 200 and "Rehin Açığı Belgesi" in own.text and "80.000,00" in own.text
    assert 'data-testid="certificate-draft"' in own.text
    pdf = await env.client.get(f"{url}.pdf", headers=d.parties[1].headers)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    # The borçlu's side gets a copy (D-45).
    copy = await env.client.get(url, headers=d.debtor.headers)
    assert copy.status_code == 200 and "Rehin Açığı Belgesi" in copy.text
    # The other creditor of the file: not its certificate. A stranger: not its file. A bidder: no role.
    r = await env.client.get(url, headers=d.parties[0].headers)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "certificate_not_found")
    r = await env.client.get(f"/api/v1/distributions/{did}/certificates/{cr1}", headers=d.parties[0].headers)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "certificate_not_found")
    stranger = await env.make_actor("party")
    r = await env.client.get(url, headers=stranger.headers)
    assert r.status_code == 404
    r = await env.client.get(f"{url}.pdf", headers=stranger.headers)
    assert r.status_code == 404
    r = await env.client.get(url, headers=(await env.make_actor("bidder")).headers)
    assert r.status_code == 403
    # The file page links it next to the party's lines: the creditor and the borçlu, not the other creditor.
    page = await env.client.get(f"/files/{d.case_id}", headers=d.parties[1].headers)
    assert page.status_code == 200 and f'href="{url}"' in page.text and 'data-testid="certificate-link"' in page.text
    page = await env.client.get(f"/files/{d.case_id}", headers=d.debtor.headers)
    assert f'href="{url}"' in page.text
    page = await env.client.get(f"/files/{d.case_id}", headers=d.parties[0].headers)
    assert page.status_code == 200 and "certificate-link" not in page.text
