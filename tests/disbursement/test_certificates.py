"""D-45 / D-46: the aciz vesikası or rehin açığı belgesi of a creditor left short, as a document (HTML and
PDF), with the engine's amount; TASLAK until the cetvel is final for that creditor, then with the müdür
who finalised it; none for a creditor paid in full (404 `certificate_not_found`); staff only."""

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
    r = await env.client.get(f"/api/v1/distributions/{did}/certificates/{cr2}", headers=d.parties[1].headers)
    assert r.status_code == 403
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
