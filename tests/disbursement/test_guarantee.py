"""D-43 (İİK 142/a): a creditor's share paid before its line is final against a kesin ve süresiz teminat
mektubu. Staff record the letter (bank, number, date, the amount the office fixed: share and interest)
with the instruction, a müdür approves it (four eyes), the export marks the line
`paid_against_guarantee`; once the line is final it is `paid` and the letter released (returned); a
cancelled instruction returns its letter; an upheld objection over a line whose letter the office holds
is refused until the müdür records the letter called (OP-50): the instruction recalled, the line held
again, the corrected version shares the price as decided and the interest as nema. `distributed =
instructed + held` at every step."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from auction.audit.models import AuditEntry
from tests.disbursement.conftest import at, distributing
from tests.disbursement.test_cetvel_flow import _get, _parse_file, _post, _second_manager


def _letter(cr, share, **over):
    body = {"creditor_id": cr, "bank": "Örnek Bankası A.Ş. Kadıköy Şubesi", "letter_no": "TM-2026/0042",
            "letter_date": "2026-01-05", "amount": str(Decimal(share) + Decimal("12500.00")),
            "kesin_ve_suresiz": True}
    return {**body, **over}


def _balanced(c):
    t = c["totals"]
    assert Decimal(t["instructed"]) + Decimal(t["held"]) == Decimal(t["distributed"])
    assert sum(Decimal(x["amount"]) for x in c["lines"]) == Decimal(t["distributed"])
    return t


def _states(c):
    return {x["key"]: x["state"] for x in c["lines"]}


async def _served(env, manual_clock, sms_file):
    d = await distributing(env, manual_clock, sms_file)
    c = await _get(env, f"/api/v1/sales/{d.sale_id}/distribution")
    return d, c


async def test_paid_against_a_letter_then_final_on_rejection(env, manual_clock, runtime, sms_file, no_pdf):
    d, c = await _served(env, manual_clock, sms_file)
    did = c["distribution_id"]
    cr1 = f"cr{d.creditors[0]}"
    share = next(x["amount"] for x in c["lines"] if x["key"] == f"creditor:{cr1}")
    url = f"/api/v1/distributions/{did}/guarantees"
    # A draft is not yet "the served cetvel" (D-43).
    r = await env.client.post(url, headers=env.staff.headers, json=_letter(cr1, share))
    assert (r.status_code, r.json()["error"]["code"]) == (409, "guarantee_not_allowed")
    until = at((await _post(env, f"/api/v1/distributions/{did}/serve")).json()["objection_until"])

    # Bad letters are refused whole (nothing written).
    for bad, code in ((_letter(cr1, share, amount=str(Decimal(share) - Decimal("0.01"))), "guarantee_invalid"),
                      (_letter(cr1, share, letter_date="2099-01-01"), "guarantee_invalid"),
                      (_letter("cr999999", share), "guarantee_invalid")):
        r = await env.client.post(url, headers=env.staff.headers, json=bad)
        assert (r.status_code, r.json()["error"]["code"]) == (422, code), r.text
    r = await env.client.post(url, headers=env.staff.headers, json=_letter(cr1, share, kesin_ve_suresiz=False))
    assert r.status_code == 422
    r = await env.client.post(url, headers=d.parties[0].headers, json=_letter(cr1, share))
    assert r.status_code == 403
    assert (await _get(env, f"/api/v1/distributions/{did}"))["guarantees"] == []

    # Recorded with its instruction: the money counts as instructed at once.
    r = await _post(env, url, json=_letter(cr1, share), status=201)
    g, p = r.json()["guarantee"], r.json()["payout"]
    assert (g["status"], g["share"], g["amount"]) == ("held", share, str(Decimal(share) + Decimal("12500.00")))
    assert (p["key"], p["status"], p["amount"], p["iban"]) == (f"creditor:{cr1}", "prepared", share,
                                                               "TR330006100519786457841326")
    c = await _get(env, f"/api/v1/distributions/{did}")
    assert Decimal(_balanced(c)["instructed"]) == Decimal(share)
    r = await env.client.post(url, headers=env.staff.headers, json=_letter(cr1, share, letter_no="TM-2"))
    assert (r.status_code, r.json()["error"]["code"]) == (409, "guarantee_not_allowed")
    # Approved by a müdür (four eyes as any payout), sent with the bank file: paid against the letter.
    await _post(env, f"/api/v1/payouts/{p['id']}/approve", actor=env.manager)
    rows, _ = _parse_file((await _post(env, f"/api/v1/distributions/{did}/payout-files", status=201)).text)
    assert [(row[2], row[4]) for row in rows] == [("TR330006100519786457841326", share)]
    c = await _get(env, f"/api/v1/distributions/{did}")
    assert _states(c)[f"creditor:{cr1}"] == "paid_against_guarantee" and c["status"] == "served"
    assert Decimal(_balanced(c)["state_paid_against_guarantee"]) == Decimal(share)

    # The other creditor attacks the paid line within the window; after it the line stays paid against
    # the letter while the suit runs (partly final), its harç held.
    r = await _post(env, f"/api/v1/distributions/{did}/objections", actor=d.parties[1], status=201, json={
        "kind": "itiraz", "lines": [cr1], "reason": "Birinci derece alacağın bir kısmı ödenmiştir"})
    objection_id = r.json()["id"]
    manual_clock.set(until + timedelta(seconds=1))
    assert (await _post(env, f"/api/v1/distributions/{did}/finalise", actor=env.manager)).json()["status"] == \
        "partly_final"
    c = await _get(env, f"/api/v1/distributions/{did}")
    assert (_states(c)[f"creditor:{cr1}"], _states(c)[f"harc:{cr1}"]) == ("paid_against_guarantee", "disputed")
    assert c["guarantees"][0]["status"] == "held"
    _balanced(c)

    # OP-50: an upheld decision over the line is refused until the letter is called.
    r = await env.client.post(f"/api/v1/objections/{objection_id}/decision", headers=env.manager.headers,
                              json={"outcome": "upheld", "note": "İtiraz kabul edildi, karar kesinleşti"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "guarantee_to_be_called")
    assert "paraya çevirip" in r.json()["error"]["message"]
    assert r.json()["error"]["details"]["guarantee_ids"] == [g["id"]]
    c = await _get(env, f"/api/v1/distributions/{did}")
    assert c["objections"][0]["status"] == "pending"

    # Rejected: the line is final, so paid for good, and the letter goes back.
    await _post(env, f"/api/v1/objections/{objection_id}/decision", actor=env.manager,
                json={"outcome": "rejected", "note": "İtiraz davası reddedildi, karar kesinleşti"})
    c = await _get(env, f"/api/v1/distributions/{did}")
    assert c["status"] == "final" and _states(c)[f"creditor:{cr1}"] == "paid"
    assert (c["guarantees"][0]["status"], c["guarantees"][0]["release_reason"]) == ("released", "final")
    _balanced(c)
    rest = (await _post(env, f"/api/v1/distributions/{did}/payouts", status=201)).json()
    assert f"creditor:{cr1}" not in {x["key"] for x in rest} and f"harc:{cr1}" in {x["key"] for x in rest}
    other = await _second_manager(env)
    for x in rest:
        await _post(env, f"/api/v1/payouts/{x['id']}/approve", actor=other)
    await _post(env, f"/api/v1/distributions/{did}/payout-files", status=201)
    c = await _get(env, f"/api/v1/distributions/{did}")
    assert c["status"] == "paid" and Decimal(_balanced(c)["sent"]) == Decimal(d.price)
    assert (await _get(env, f"/api/v1/sales/{d.sale_id}"))["status"] == "closed"
    async with runtime.db.session() as s:
        actions = list((await s.scalars(select(AuditEntry.action).where(
            AuditEntry.action.like("payout.guarantee%")).order_by(AuditEntry.id))).all())
    assert actions == ["payout.guarantee_recorded", "payout.guarantee_released"]
    page = (await env.client.get(f"/staff/sales/{d.sale_id}/cetvel", headers=env.staff.headers)).text
    assert 'data-testid="guarantees"' in page and "TM-2026/0042" in page and "İade edildi" in page


async def test_no_objection_releases_the_letter_at_finality(env, manual_clock, runtime, sms_file, no_pdf):
    d, c = await _served(env, manual_clock, sms_file)
    did = c["distribution_id"]
    cr2 = f"cr{d.creditors[1]}"
    share = next(x["amount"] for x in c["lines"] if x["key"] == f"creditor:{cr2}")
    until = at((await _post(env, f"/api/v1/distributions/{did}/serve")).json()["objection_until"])
    p = (await _post(env, f"/api/v1/distributions/{did}/guarantees", actor=env.manager, status=201,
                     json=_letter(cr2, share))).json()["payout"]
    # The müdür who recorded it cannot approve it.
    r = await env.client.post(f"/api/v1/payouts/{p['id']}/approve", headers=env.manager.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "four_eyes")
    await _post(env, f"/api/v1/payouts/{p['id']}/approve", actor=await _second_manager(env))
    await _post(env, f"/api/v1/distributions/{did}/payout-files", status=201)
    manual_clock.set(until + timedelta(seconds=1))
    assert (await _post(env, f"/api/v1/distributions/{did}/finalise", actor=env.manager)).json()["status"] == "final"
    c = await _get(env, f"/api/v1/distributions/{did}")
    assert _states(c)[f"creditor:{cr2}"] == "paid" and c["guarantees"][0]["status"] == "released"
    assert _states(c)["surplus"] == "final"
    _balanced(c)


async def test_cancelled_instruction_returns_the_letter(env, manual_clock, runtime, sms_file, no_pdf):
    d, c = await _served(env, manual_clock, sms_file)
    did = c["distribution_id"]
    cr1 = f"cr{d.creditors[0]}"
    share = next(x["amount"] for x in c["lines"] if x["key"] == f"creditor:{cr1}")
    until = at((await _post(env, f"/api/v1/distributions/{did}/serve")).json()["objection_until"])
    p = (await _post(env, f"/api/v1/distributions/{did}/guarantees", status=201,
                     json=_letter(cr1, share))).json()["payout"]
    r = await _post(env, f"/api/v1/distributions/{did}/objections", actor=d.parties[1], status=201, json={
        "kind": "itiraz", "lines": [cr1], "reason": "Birinci derece alacağın bir kısmı ödenmiştir"})
    objection_id = r.json()["id"]
    manual_clock.set(until + timedelta(seconds=1))
    await _post(env, f"/api/v1/distributions/{did}/finalise", actor=env.manager)
    c = await _get(env, f"/api/v1/distributions/{did}")
    assert _states(c)[f"creditor:{cr1}"] == "disputed"  # instructed, not sent: nothing paid yet
    # Upheld while an instruction against the letter waits: cancel it first (the letter goes back).
    r = await env.client.post(f"/api/v1/objections/{objection_id}/decision", headers=env.manager.headers,
                              json={"outcome": "upheld", "note": "İtiraz kabul edildi"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "guarantee_to_be_called")
    assert r.json()["error"]["details"]["payout_ids"] == [p["id"]]
    await _post(env, f"/api/v1/payouts/{p['id']}/cancel", json={"reason": "Alacağa itiraz kabul edilecek, mektup iade"})
    c = await _get(env, f"/api/v1/distributions/{did}")
    assert (c["guarantees"][0]["status"], c["guarantees"][0]["release_reason"]) == ("released", "cancelled")
    assert Decimal(_balanced(c)["instructed"]) == 0
    # While the objection is pending the disputed share may take a new letter: the same instruction re-issued.
    again = (await _post(env, f"/api/v1/distributions/{did}/guarantees", status=201,
                         json=_letter(cr1, share, letter_no="TM-2026/0043"))).json()
    assert (again["payout"]["id"], again["payout"]["status"], again["guarantee"]["status"]) == (
        p["id"], "prepared", "held")
    await _post(env, f"/api/v1/payouts/{p['id']}/cancel", json={"reason": "Mahkeme kararı bekleniyor, iade"})
    await _post(env, f"/api/v1/objections/{objection_id}/decision", actor=env.manager,
                json={"outcome": "upheld", "note": "İtiraz kabul edildi"})
    c = await _get(env, f"/api/v1/distributions/{did}")
    assert c["status"] == "partly_final" and _states(c)[f"creditor:{cr1}"] == "disputed"
    assert [g["status"] for g in c["guarantees"]] == ["released", "released"]
    # Upheld: the share is no longer "entitled under the cetvel" until the corrected version.
    r = await env.client.post(f"/api/v1/distributions/{did}/guarantees", headers=env.staff.headers,
                              json=_letter(cr1, share, letter_no="TM-2026/0044"))
    assert (r.status_code, r.json()["error"]["code"]) == (409, "guarantee_not_allowed")


async def test_upheld_after_the_letter_is_called(env, manual_clock, runtime, sms_file, no_pdf):
    """OP-50: the court upholds the objection against a line paid against a letter; the müdür calls the
    letter (the bank pays the share back with interest), the decision is recorded, the corrected version
    shares the price as decided and the interest as nema; the creditor's corrected share is instructed
    anew; the sale closes with every kuruş accounted for."""
    d, c = await _served(env, manual_clock, sms_file)
    did = c["distribution_id"]
    cr1 = f"cr{d.creditors[0]}"
    share = next(x["amount"] for x in c["lines"] if x["key"] == f"creditor:{cr1}")
    until = at((await _post(env, f"/api/v1/distributions/{did}/serve")).json()["objection_until"])
    r = (await _post(env, f"/api/v1/distributions/{did}/guarantees", status=201, json=_letter(cr1, share))).json()
    g, p = r["guarantee"], r["payout"]
    call = {"called_amount": str(Decimal(share) + Decimal("7250.00")), "called_on": "2026-01-20",
            "reason": "İtiraz davası kabul edildi; mektup 20.01.2026'da paraya çevrildi"}
    # Nothing paid yet: there is nothing to call (an unsent instruction is cancelled instead).
    r = await env.client.post(f"/api/v1/guarantees/{g['id']}/call", headers=env.manager.headers, json=call)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "guarantee_state")
    await _post(env, f"/api/v1/payouts/{p['id']}/approve", actor=env.manager)
    await _post(env, f"/api/v1/distributions/{did}/payout-files", status=201)
    r = await _post(env, f"/api/v1/distributions/{did}/objections", actor=d.parties[1], status=201, json={
        "kind": "itiraz", "lines": [cr1], "reason": "Birinci derece alacağın 100.000 TL'si ödenmiştir"})
    objection_id = r.json()["id"]
    manual_clock.set(until + timedelta(seconds=1))
    await _post(env, f"/api/v1/distributions/{did}/finalise", actor=env.manager)
    upheld = {"outcome": "upheld", "note": "Mahkeme: 100.000 TL ödenmiş, cetvel düzeltilecek"}
    r = await env.client.post(f"/api/v1/objections/{objection_id}/decision", headers=env.manager.headers, json=upheld)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "guarantee_to_be_called")

    # The call: a müdür only, what the bank paid between the share and the letter's amount.
    url = f"/api/v1/guarantees/{g['id']}/call"
    r = await env.client.post(url, headers=env.staff.headers, json=call)
    assert r.status_code == 403
    for bad in ({**call, "called_amount": str(Decimal(share) - Decimal("0.01"))},
                {**call, "called_amount": str(Decimal(g["amount"]) + Decimal("0.01"))},
                {**call, "called_on": "2099-01-01"}):
        r = await env.client.post(url, headers=env.manager.headers, json=bad)
        assert (r.status_code, r.json()["error"]["code"]) == (422, "guarantee_invalid"), r.text
    r = await env.client.post("/api/v1/guarantees/999999/call", headers=env.manager.headers, json=call)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "guarantee_not_found")
    r = await _post(env, url, actor=env.manager, json=call)
    assert (r.json()["status"], r.json()["called_amount"]) == ("called", call["called_amount"])
    c = await _get(env, f"/api/v1/distributions/{did}")
    assert _states(c)[f"creditor:{cr1}"] == "disputed"
    t = _balanced(c)
    assert Decimal(t["sent"]) == 0 and Decimal(t["instructed"]) == 0  # the money is back
    assert [x["status"] for x in await _get(env, f"/api/v1/distributions/{did}/payouts")] == ["recalled"]
    r = await env.client.post(url, headers=env.manager.headers, json=call)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "guarantee_state")

    # The decision, then the corrected version: cr1's claim less 100.000 TL; the interest shared as nema.
    await _post(env, f"/api/v1/objections/{objection_id}/decision", actor=env.manager, json=upheld)
    case = (await _get(env, f"/api/v1/distributions/{did}"))["case"]
    case["creditors"][0]["claim"]["principal"] = "300000.00"
    await _post(env, f"/api/v1/distributions/{did}/versions", status=201,
                json={"reason": "Mahkeme kararı uyarınca düzeltildi (D-48)", "case": case})
    c = await _get(env, f"/api/v1/distributions/{did}")
    assert c["status"] == "final" and all(x["state"] == "final" for x in c["lines"])
    t = _balanced(c)
    assert Decimal(t["nema"]) == Decimal("7250.00")
    assert Decimal(t["distributed"]) == Decimal(d.price) + Decimal("7250.00")
    assert _sum_key(c, f"creditor:{cr1}") < Decimal(share)
    assert c["result"]["nema"]["guarantee_interest"] == "7250.00"
    # Every line instructed anew, cr1's corrected share on a new instruction (the recalled one stays).
    again = (await _post(env, f"/api/v1/distributions/{did}/payouts", status=201)).json()
    redo = next(x for x in again if x["key"] == f"creditor:{cr1}")
    assert redo["id"] != p["id"] and Decimal(redo["amount"]) == _sum_key(c, f"creditor:{cr1}")
    other = await _second_manager(env)
    for x in again:
        await _post(env, f"/api/v1/payouts/{x['id']}/approve", actor=other)
    await _post(env, f"/api/v1/distributions/{did}/payout-files", status=201)
    c = await _get(env, f"/api/v1/distributions/{did}")
    assert c["status"] == "paid" and Decimal(_balanced(c)["sent"]) == Decimal(d.price) + Decimal("7250.00")
    assert (await _get(env, f"/api/v1/sales/{d.sale_id}"))["status"] == "closed"
    async with runtime.db.session() as s:
        entry = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "payout.guarantee_called"))).one()
    assert (entry.data["principal"], entry.data["interest"]) == (share, "7250.00")


def _sum_key(c, key):
    return sum((Decimal(x["amount"]) for x in c["lines"] if x["key"] == key), Decimal(0))
