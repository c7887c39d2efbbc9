"""D-62 / D-65 (OP-43, `nema.policy` = by_reason): the nema the bank reported for the price held during a
rejected ihalenin feshi complaint follows the price into the cetvel, pro rata to the entitled lines (each
creditor's share, the borçlu's surplus), to the kuruş; price + nema = every line. Money held because the
cetvel is disputed earns the creditors nothing (D-63): an objection adds no nema line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from auction import clock
from auction.aftersale.models import FesihApplication
from auction.money import pro_rata
from auction.sales.models import Sale
from tests.disbursement.conftest import distributing


async def _rejected_fesih_with_nema(runtime, sale_id: int, nema: Decimal) -> None:
    now = clock.now()
    async with runtime.db.session() as s:
        sale = await s.get(Sale, sale_id)
        s.add(FesihApplication(sale_id=sale_id, office_id=sale.office_id, applicant_name="Borçlu",
                               applicant_kind="borclu", filed_on=date(2026, 1, 5), court="İstanbul 1. İcra Hukuk",
                               status="rejected", decided_on=date(2026, 2, 1), final_on=date(2026, 2, 20),
                               nema_amount=nema, rules={"rules": ["A-83"]}, created_at=now, updated_at=now))


async def test_nema_of_a_rejected_fesih_follows_the_price(env, manual_clock, runtime, sms_file, no_pdf):
    d = await distributing(env, manual_clock, sms_file)
    h = env.staff.headers
    before = (await env.client.get(f"/api/v1/sales/{d.sale_id}/distribution", headers=h)).json()
    did = before["distribution_id"]
    assert before["totals"]["nema"] == "0.00"
    nema = Decimal("18240.55")
    await _rejected_fesih_with_nema(runtime, d.sale_id, nema)
    r = await env.client.post(f"/api/v1/distributions/{did}/versions", headers=h,
                              json={"reason": "fesih reddedildi, bankanın nema tutarı"})
    assert r.status_code == 201, r.text
    got = (await env.client.get(f"/api/v1/distributions/{did}", headers=h)).json()
    t = got["totals"]
    price = Decimal(before["totals"]["distributed"])
    assert Decimal(t["nema"]) == nema and Decimal(t["price"]) == price
    assert Decimal(t["distributed"]) == price + nema
    assert sum((Decimal(x["amount"]) for x in got["lines"]), Decimal(0)) == price + nema
    # Pro rata to the entitled (each creditor's share = net + harç, the surplus), largest remainder.
    refs = [f"cr{d.creditors[0]}", f"cr{d.creditors[1]}"]
    weights = [sum((Decimal(x["amount"]) for x in before["lines"] if x["ref"] == ref
                    and x["kind"] in ("creditor", "harc")), Decimal(0)) for ref in refs]
    weights.append(Decimal(before["totals"]["surplus"]))
    expected = pro_rata(nema, weights)
    nema_lines = {x["key"]: Decimal(x["amount"]) for x in got["lines"] if x["key"].startswith("nema:")}
    assert nema_lines == {f"nema:creditor:{refs[0]}": expected[0], f"nema:creditor:{refs[1]}": expected[1],
                          "nema:surplus": expected[2]}
    doc = await env.client.get(f"/api/v1/distributions/{did}/document", headers=h)
    assert doc.status_code == 200 and "CETVELİ" in doc.text
    # D-63: a served cetvel disputed by an objection holds the line and its nema; no nema line is added.
    assert (await env.client.post(f"/api/v1/distributions/{did}/serve", headers=h)).status_code == 200
    r = await env.client.post(f"/api/v1/distributions/{did}/objections", headers=d.parties[0].headers,
                              json={"kind": "itiraz", "lines": [refs[1]], "reason": "alacak muvazaalı"})
    assert r.status_code == 201, r.text
    after = (await env.client.get(f"/api/v1/distributions/{did}", headers=h)).json()
    assert Decimal(after["totals"]["nema"]) == nema and len(after["lines"]) == len(got["lines"])
