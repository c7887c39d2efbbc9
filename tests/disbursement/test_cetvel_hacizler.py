"""The cetvel of a real sale holds the file's hacizler and the asset's taxes (issue 12): a sale with a
pledgee, a haciz creditor, an ihtiyati haciz creditor and an emlak vergisi reaches `distributing`, and the
stored cetvel pays them in the engine's order — rehin, asset tax, haciz dereceler by date — the ihtiyati
share reserved, every kuruş of the price on one line."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from auction import clock
from auction.calendar import local_date
from tests.aftersale.test_finality_handover import _final
from tests.conftest import Actor
from tests.disbursement.conftest import pay, settlement

CENT = Decimal("0.01")


async def _post(env, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = await env.client.post(path, headers=env.staff.headers, json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def _records(env, lot: dict[str, Any], holder: dict[str, Any]) -> None:
    """The file as staff enter it before the tutanak: a pledge, two hacizler, a tax, and a creditor whose
    haciz is on another asset (nothing recorded on this lot)."""
    case_id, lot_id = lot["case_id"], lot["id"]
    today = local_date(clock.now())

    async def creditor(name: str, kind: str, claim: str) -> int:
        return int((await _post(env, f"/api/v1/cases/{case_id}/creditors",
                                {"name": name, "kind": kind, "claim_total": claim}))["id"])

    bank = await creditor("Banka A.Ş.", "rehin", "400000.00")
    await _post(env, f"/api/v1/lots/{lot_id}/pledges", {"creditor_id": bank, "degree": 1,
                                                        "limit_amount": "500000.00", "claim_amount": "400000.00"})
    first = await creditor("B Ltd.", "haciz", "220000.00")
    takip = today - timedelta(days=200)
    await _post(env, f"/api/v1/lots/{lot_id}/hacizler", {
        "creditor_id": first, "kind": "haciz", "haciz_date": str(today - timedelta(days=150)),
        "takip_date": str(takip), "principal": "200000.00", "costs": "3000.00", "vekalet_ucreti": "5000.00",
        "interest": [{"start": str(takip), "rate": "0.24"}]})
    second = await creditor("C A.Ş.", "ihtiyati", "2000000.00")
    await _post(env, f"/api/v1/lots/{lot_id}/hacizler", {
        "creditor_id": second, "kind": "ihtiyati_haciz", "haciz_date": str(today - timedelta(days=40)),
        "takip_date": str(today - timedelta(days=45)), "principal": "2000000.00"})
    tax = await _post(env, f"/api/v1/lots/{lot_id}/asset-taxes",
                      {"tax": "emlak_vergisi", "authority": "Kadıköy Belediyesi", "amount": "12000.00"})
    elsewhere = await creditor("D Koll.", "haciz", "50000.00")
    holder.update(case_id=case_id, bank=bank, first=first, second=second, tax=tax["id"], elsewhere=elsewhere,
                  takip=takip)


async def test_the_cetvel_ranks_pledge_tax_and_haciz_dereceler_from_the_file(env, manual_clock, runtime,
                                                                              sms_file, no_pdf):
    holder: dict[str, Any] = {}

    async def before_post(lot: dict[str, Any], sale: dict[str, Any], buyer: Actor) -> None:
        del sale, buyer
        await _records(env, lot, holder)

    won, _ = await _final(env, manual_clock, sms_file, before_post=before_post)
    sid = won.sale_id
    r = await env.client.post(f"/api/v1/sales/{sid}/finality", headers=env.staff.headers)
    assert r.status_code == 200, r.text
    await pay(env, won.buyer, sid, (await settlement(env, won.buyer, sid))["due_now"], sms_file)
    r = await env.client.post(f"/api/v1/sales/{sid}/handover", headers=env.staff.headers,
                              json={"mode": "tapu_letter_sent"})
    assert r.status_code == 200 and r.json()["status"] == "distributing", r.text

    r = await env.client.get(f"/api/v1/sales/{sid}/distribution", headers=env.staff.headers)
    assert r.status_code == 200, r.text
    c = r.json()
    bank, first, second = (f"cr{holder[k]}" for k in ("bank", "first", "second"))
    tax = f"tax{holder['tax']}"
    # The case came from the file: every record on the lot, the creditor with nothing on it omitted.
    assert [(x["id"], x["kind"]) for x in c["case"]["creditors"]] == \
        [(bank, "rehin"), (tax, "asset_tax"), (first, "haciz"), (second, "ihtiyati_haciz")]
    assert [o["record"] for o in c["omitted"]] == [f"creditor:{holder['elsewhere']}"]
    assert "rehni ya da haczi kayıtlı değil" in c["omitted"][0]["reason"]

    result = c["result"]
    # The engine's order (contract steps 3–5): the pledge, the asset tax, then one derece per haciz by date.
    assert [(s["stage"], s.get("derece"), s.get("founder")) for s in result["stages"]] == \
        [("rehin", None, None), ("asset_tax", None, None), ("haciz", 1, first), ("haciz", 2, second)]
    alloc = {a["creditor_id"]: a for a in result["allocations"]}
    assert Decimal(alloc[bank]["share"]) == Decimal("400000.00")
    assert Decimal(alloc[tax]["share"]) == Decimal("12000.00")
    # The first haciz's claim at the sale date: principal, its takip costs and vekalet ücreti, and simple
    # interest at its rate from the takip date (T-44).
    elapsed = (date.fromisoformat(result["sale_date"]) - holder["takip"]).days
    interest = (Decimal("200000.00") * Decimal("0.24") * elapsed / 365).quantize(CENT, ROUND_HALF_UP)
    assert alloc[first]["claim_breakdown"] == {"principal": "200000.00", "interest": str(interest),
                                              "costs": "8000.00"}
    assert (Decimal(alloc[first]["share"]), alloc[first]["status"]) == \
        (Decimal("208000.00") + interest, "paid")
    # The ihtiyati haciz takes what is left, held (reserved) until it becomes final; nothing for the borçlu.
    distributable = Decimal(result["distributable"])
    rest = distributable - Decimal("400000.00") - Decimal("12000.00") - Decimal(alloc[first]["share"])
    assert (Decimal(alloc[second]["share"]), alloc[second]["status"]) == (rest, "reserved")
    assert Decimal(result["debtor_surplus"]) == 0

    # The stored lines in that order; the reserved line held; the invariant to the kuruş.
    lines = c["lines"]
    # No harç on the asset tax (a public creditor) nor yet on the reserved share (contract step 8).
    assert [x["key"] for x in lines] == [
        "deduction:tapu_harci_satici", f"creditor:{bank}", f"harc:{bank}", f"creditor:{tax}",
        f"creditor:{first}", f"harc:{first}", f"creditor:{second}"]
    state = {x["key"]: x["state"] for x in lines}
    assert state[f"creditor:{second}"] == "reserved"
    assert {state[f"creditor:{k}"] for k in (bank, first, tax)} == {"open"}
    by_key = {x["key"]: x for x in lines}
    assert by_key[f"creditor:{tax}"]["creditor_id"] is None  # the Belediye is not a creditor of the file
    assert by_key[f"creditor:{first}"]["creditor_id"] == holder["first"]
    total = sum((Decimal(x["amount"]) for x in lines), Decimal(0))
    assert total == Decimal(won.price) == Decimal(c["totals"]["distributed"])
