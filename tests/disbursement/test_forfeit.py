"""D-60 / OP-44: the teminat forfeited from a defaulted buyer enters the sale's cetvel. The forfeit run
(engine `forfeit` mode) shares it, its costs the part of C the teminat paid; the sale's run deducts only
the rest of C and pays each creditor what is still owed after the forfeit run. The invariant:
price + forfeited teminat = every line = payouts + harç withheld + held + surplus, to the kuruş."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select, update

from auction import clock
from auction.aftersale.models import Forfeiture
from auction.deposits.models import Deposit
from auction.sales.models import Sale
from auction.users.models import Office
from tests.aftersale.conftest import at
from tests.disbursement.conftest import distributing


async def _forfeit(runtime, sale_id: int, user_id: int, amount: Decimal) -> Decimal:
    """What `aftersale.default` leaves on a default (S-13): a forfeited deposit and its forfeiture row."""
    now = clock.now()
    async with runtime.db.session() as s:
        sale = await s.get(Sale, sale_id)
        sale.c_amount = Decimal("20000.00")  # the sale costs C, of which the teminat pays first
        dep = Deposit(sale_id=sale_id, lot_id=sale.lot_id, user_id=user_id, kind="cash", amount=amount,
                      status="forfeited", provider="simulated", reference=f"FORFEIT-TEST-{sale_id}", payment={},
                      created_at=now, updated_at=now)
        s.add(dep)
        await s.flush()
        costs_part = min(amount, sale.c_amount)
        s.add(Forfeiture(sale_id=sale_id, deposit_id=dep.id, user_id=user_id, kind="cash", amount=amount,
                         costs_part=costs_part, rest_part=amount - costs_part, status="held", created_at=now,
                         rules={"rules": ["A-70", "D-60", "OP-44"]}))
        c_amount = sale.c_amount
    return c_amount


async def test_forfeited_teminat_is_shared_once(env, manual_clock, runtime, sms_file, no_pdf):
    d = await distributing(env, manual_clock, sms_file)
    h = env.staff.headers
    before = (await env.client.get(f"/api/v1/sales/{d.sale_id}/distribution", headers=h)).json()
    did = before["distribution_id"]
    assert before["totals"]["forfeited"] == "0.00"
    defaulter = await env.make_actor("bidder")
    teminat = Decimal("150000.00")
    c_amount = await _forfeit(runtime, d.sale_id, defaulter.user.id, teminat)
    r = await env.client.post(f"/api/v1/distributions/{did}/versions", headers=h,
                              json={"reason": "irat kaydedilen teminat dosyaya eklendi"})
    assert r.status_code == 201, r.text
    got = (await env.client.get(f"/api/v1/distributions/{did}", headers=h)).json()
    t = got["totals"]
    price = Decimal(before["totals"]["distributed"])
    assert Decimal(t["forfeited"]) == teminat and Decimal(t["price"]) == price
    assert got["version"] == 2
    assert Decimal(t["distributed"]) == price + teminat
    lines = got["lines"]
    assert sum((Decimal(x["amount"]) for x in lines), Decimal(0)) == price + teminat
    # price + forfeited teminat = payouts + harç withheld + held + surplus (nothing instructed yet: all held).
    payouts = sum((Decimal(x["amount"]) for x in lines if x["kind"] in ("creditor", "deduction")), Decimal(0))
    assert payouts + Decimal(t["harc_withheld"]) + Decimal(t["surplus"]) == Decimal(t["distributed"])
    assert Decimal(t["held"]) == Decimal(t["distributed"])
    # C is deducted once over both runs.
    c_lines = [x for x in lines if x["kind"] == "deduction" and x["ref"] == "satis_masraflari"]
    assert sum((Decimal(x["amount"]) for x in c_lines), Decimal(0)) == c_amount == Decimal("20000.00")
    assert [x["key"] for x in c_lines] == ["forfeit:deduction:satis_masraflari"]
    assert any(x["key"].startswith("forfeit:") for x in lines)
    # No creditor is paid more than its claim over both runs (net payout + harç = its share).
    claims = {f"cr{d.creditors[0]}": Decimal("400000.00"), f"cr{d.creditors[1]}": Decimal("300000.00")}
    for ref, claim in claims.items():
        mine = sum((Decimal(x["amount"]) for x in lines if x["ref"] == ref and x["kind"] in ("creditor", "harc")),
                   Decimal(0))
        assert Decimal(0) < mine <= claim
    # The first pledgee, fully paid by price alone before, is paid no more than before in total.
    old_first = sum((Decimal(x["amount"]) for x in before["lines"] if x["ref"] == f"cr{d.creditors[0]}"
                     and x["kind"] in ("creditor", "harc")), Decimal(0))
    first = sum((Decimal(x["amount"]) for x in lines if x["ref"] == f"cr{d.creditors[0]}"
                 and x["kind"] in ("creditor", "harc")), Decimal(0))
    assert first <= max(old_first, claims[f"cr{d.creditors[0]}"])
    # The forfeit run has no buyer settlement and no tapu harcı (D-60).
    assert not any(x["key"] == "forfeit:deduction:tapu_harci_satici" for x in lines)
    page = await env.client.get(f"/staff/sales/{d.sale_id}/cetvel", headers=h)
    assert 'data-testid="cetvel-sources"' in page.text and "150.000,00" in page.text
    # D-50: the sale run's document and the forfeit run's own (İİK 115/3); none for a version without one.
    doc = await env.client.get(f"/api/v1/distributions/{did}/document", headers=h)
    assert doc.status_code == 200 and "CETVELİ" in doc.text
    doc = await env.client.get(f"/api/v1/distributions/{did}/document?run=forfeit", headers=h)
    assert doc.status_code == 200 and "115/3" in doc.text
    r = await env.client.get(f"/api/v1/distributions/{did}/document?run=forfeit&version=1", headers=h)
    assert r.status_code == 404
    # Served, final, every line paid out: the cetvel paid, the sale closed, the teminat `distributed`.
    async with runtime.db.session() as s:  # the satış masrafları go to the office's account
        sale = await s.get(Sale, d.sale_id)
        await s.execute(update(Office).where(Office.id == sale.office_id).values(iban="TR960006200000000006295467"))
    r = await env.client.post(f"/api/v1/distributions/{did}/serve", headers=h)
    manual_clock.set(at(r.json()["objection_until"]) + timedelta(seconds=1))
    r = await env.client.post(f"/api/v1/distributions/{did}/finalise", headers=env.manager.headers)
    assert r.status_code == 200, r.text
    r = await env.client.post(f"/api/v1/distributions/{did}/payouts", headers=h)
    assert r.status_code == 201, r.text
    for p in r.json():
        ok = await env.client.post(f"/api/v1/payouts/{p['id']}/approve", headers=env.manager.headers)
        assert ok.status_code == 200, (p, ok.text)
    r = await env.client.post(f"/api/v1/distributions/{did}/payout-files", headers=h)
    assert r.status_code == 201, r.text
    got = (await env.client.get(f"/api/v1/distributions/{did}", headers=h)).json()
    assert got["status"] == "paid" and Decimal(got["totals"]["sent"]) == price + teminat
    async with runtime.db.session() as s:
        assert set((await s.scalars(select(Forfeiture.status).where(Forfeiture.sale_id == d.sale_id))).all()) == {
            "distributed"}
