"""The tax report (seed 000): the KDV and damga vergisi the buyers paid in the office's sales in a period,
from the taxes payments recorded; JSON, CSV and the staff page; office-scoped; a partial payment split
without drift (the complete payment gives the settlement's KDV and damga exactly)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

from auction.calendar import local_date
from auction.disbursement.tax_report import split
from auction.users import service as users
from tests.disbursement.conftest import distributing


def test_split_is_cumulative_and_exact():
    kdv, damga = Decimal("360000.00"), Decimal("11385.00")
    parts = [Decimal("1000.01"), Decimal("0.03"), Decimal("250000.00"), Decimal("120384.96")]
    assert sum(parts) == kdv + damga
    paid, ks, ds = Decimal(0), [], []
    for p in parts:
        k, d = split(paid, p, kdv, damga)
        assert k + d == p and k >= 0 and d >= 0
        paid += p
        ks.append(k)
        ds.append(d)
    assert sum(ks) == kdv and sum(ds) == damga
    assert split(Decimal(0), Decimal("10.00"), Decimal(0), Decimal(0)) == (Decimal(0), Decimal("10.00"))


async def test_tax_report_of_the_office(env, manual_clock, runtime, sms_file, no_pdf):
    d = await distributing(env, manual_clock, sms_file)
    h = env.staff.headers
    st = (await env.client.get(f"/api/v1/sales/{d.sale_id}/settlement", headers=h)).json()
    kdv, damga = Decimal(st["kdv"]), Decimal(st["damga_vergisi"])
    assert kdv + damga > 0
    today = local_date(manual_clock.now())
    q = f"from={(today - timedelta(days=60)).isoformat()}&to={today.isoformat()}"
    r = await env.client.get(f"/api/v1/reports/taxes?{q}", headers=h)
    assert r.status_code == 200, r.text
    rep = r.json()
    mine = [p for p in rep["payments"] if p["sale_id"] == d.sale_id]
    assert mine and sum(Decimal(p["kdv"]) for p in mine) == kdv
    assert sum(Decimal(p["damga_vergisi"]) for p in mine) == damga
    assert Decimal(rep["kdv"]) + Decimal(rep["damga_vergisi"]) == Decimal(rep["total"])
    assert Decimal(rep["total"]) == sum(Decimal(p["amount"]) for p in rep["payments"])
    # CSV: one line per payment, TOPLAM, one line per KDV rate.
    r = await env.client.get(f"/api/v1/reports/taxes.csv?{q}", headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text), delimiter=";"))
    assert rows[0][0] == "tahsil_tarihi"
    total = next(x for x in rows if x[0] == "TOPLAM")
    assert (Decimal(total[7]), Decimal(total[8])) == (Decimal(rep["kdv"]), Decimal(rep["damga_vergisi"]))
    assert sum(Decimal(x[7]) for x in rows if x[0] == "KDV_ORANI") == Decimal(rep["kdv"])
    # The page.
    page = await env.client.get(f"/staff/reports/taxes?{q}", headers=h)
    assert page.status_code == 200 and 'data-testid="tax-report"' in page.text
    assert 'data-testid="taxes-row"' in page.text
    # A period before the sale: nothing; a reversed period: 422.
    old = (await env.client.get("/api/v1/reports/taxes?from=2020-01-01&to=2020-01-31", headers=h)).json()
    assert old["payments"] == [] and old["kdv"] == "0.00"
    r = await env.client.get(f"/api/v1/reports/taxes?from={today.isoformat()}&to=2020-01-01", headers=h)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "period_invalid")
    # Another office sees none of this office's sales; a party cannot ask.
    async with runtime.db.session() as s:
        await users.create_office(s, code="ANK-08", name="Ankara 8. İcra Dairesi", city="Ankara",
                                  sales_bureau_name="Ankara Satış Bürosu")
    other = await env.make_actor("staff", "ANK-08")
    assert (await env.client.get(f"/api/v1/reports/taxes?{q}", headers=other.headers)).json()["payments"] == []
    assert (await env.client.get(f"/api/v1/reports/taxes?{q}", headers=d.parties[0].headers)).status_code == 403
