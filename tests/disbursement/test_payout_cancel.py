"""Cancelling a payout instruction before it is sent (issue 12): staff or müdür, with a reason, audited;
the line is payable again and the next prepare re-issues it (the payee's IBAN read again) as a new
instruction that needs a new approval (four eyes); a sent instruction cannot be cancelled (409
`payout_already_sent`); `distributed = instructed + held` holds at every step."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from auction.audit.models import AuditEntry
from auction.users import service as users
from tests.disbursement.conftest import at, distributing, set_iban
from tests.disbursement.test_cetvel_flow import _get, _parse_file, _post, _second_manager

REASON = "Alacaklının bildirdiği IBAN hatalı, yeni IBAN bekleniyor"
NEW_IBAN = "TR120006400000011112223334"


async def _final(env, manual_clock, sms_file):
    d = await distributing(env, manual_clock, sms_file)
    did = (await _get(env, f"/api/v1/sales/{d.sale_id}/distribution"))["distribution_id"]
    r = await _post(env, f"/api/v1/distributions/{did}/serve")
    manual_clock.set(at(r.json()["objection_until"]) + timedelta(seconds=1))
    await _post(env, f"/api/v1/distributions/{did}/finalise", actor=env.manager)
    return d, did


def _balanced(c):
    t = c["totals"]
    assert Decimal(t["instructed"]) + Decimal(t["held"]) == Decimal(t["distributed"])
    return t


async def test_cancel_then_prepare_again_needs_a_new_approval(env, manual_clock, runtime, sms_file, no_pdf):
    d, did = await _final(env, manual_clock, sms_file)
    cr1 = f"cr{d.creditors[0]}"
    prepared = (await _post(env, f"/api/v1/distributions/{did}/payouts", status=201)).json()
    p = next(x for x in prepared if x["key"] == f"creditor:{cr1}")
    await _post(env, f"/api/v1/payouts/{p['id']}/approve", actor=env.manager)
    before = _balanced(await _get(env, f"/api/v1/distributions/{did}"))
    assert Decimal(before["held"]) == 0

    # Bad input and the wrong people are refused, nothing written.
    r = await env.client.post(f"/api/v1/payouts/{p['id']}/cancel", headers=env.staff.headers,
                              json={"reason": "kısa"})
    assert r.status_code == 422
    for who in (d.parties[0], await env.make_actor("bidder")):
        r = await env.client.post(f"/api/v1/payouts/{p['id']}/cancel", headers=who.headers, json={"reason": REASON})
        assert r.status_code == 403
    async with runtime.db.session() as s:
        await users.create_office(s, code="ANK-09", name="Ankara 9. İcra Dairesi", city="Ankara",
                                  sales_bureau_name="Ankara Satış Bürosu")
    r = await env.client.post(f"/api/v1/payouts/{p['id']}/cancel",
                              headers=(await env.make_actor("staff", "ANK-09")).headers, json={"reason": REASON})
    assert (r.status_code, r.json()["error"]["code"]) == (403, "office_scope")
    r = await env.client.post("/api/v1/payouts/999999/cancel", headers=env.staff.headers, json={"reason": REASON})
    assert (r.status_code, r.json()["error"]["code"]) == (404, "payout_not_found")

    # Staff cancel the approved instruction: its money is held again, the line still payable.
    r = await _post(env, f"/api/v1/payouts/{p['id']}/cancel", json={"reason": REASON})
    assert r.json()["status"] == "cancelled"
    c = await _get(env, f"/api/v1/distributions/{did}")
    t = _balanced(c)
    assert Decimal(t["held"]) == Decimal(p["amount"])
    assert {x["key"]: x["state"] for x in c["lines"]}[f"creditor:{cr1}"] == "final"
    r = await env.client.post(f"/api/v1/payouts/{p['id']}/cancel", headers=env.staff.headers, json={"reason": REASON})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "payout_state")
    r = await env.client.post(f"/api/v1/payouts/{p['id']}/approve", headers=env.manager.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "payout_state")
    async with runtime.db.session() as s:
        entry = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "payout.cancelled"))).one()
    assert (int(entry.entity_id), entry.data["reason"], entry.data["was"]["status"]) == (p["id"], REASON, "approved")

    # The creditor fixes its IBAN; a müdür prepares again: only that line, the new IBAN, no approval left.
    await set_iban(runtime, d.parties[0], NEW_IBAN)
    again = (await _post(env, f"/api/v1/distributions/{did}/payouts", actor=env.manager, status=201)).json()
    assert [(x["key"], x["iban"], x["status"], x["approved_by"]) for x in again] == [
        (f"creditor:{cr1}", NEW_IBAN, "prepared", None)]
    assert Decimal(_balanced(await _get(env, f"/api/v1/distributions/{did}"))["held"]) == 0
    r = await env.client.post(f"/api/v1/distributions/{did}/payouts", headers=env.staff.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "nothing_to_pay")
    # Four eyes again: the müdür who re-prepared it cannot approve it; nothing approved is exported.
    r = await env.client.post(f"/api/v1/payouts/{again[0]['id']}/approve", headers=env.manager.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "four_eyes")
    other = await _second_manager(env)
    for x in prepared:
        if x["id"] != p["id"]:
            await _post(env, f"/api/v1/payouts/{x['id']}/approve", actor=other)
    r = await _post(env, f"/api/v1/distributions/{did}/payout-files", status=201)
    rows, _ = _parse_file(r.text)
    assert f"creditor:{cr1}" not in {row[5].rsplit(" ", 1)[-1] for row in rows}
    await _post(env, f"/api/v1/payouts/{again[0]['id']}/approve", actor=other)
    r = await _post(env, f"/api/v1/distributions/{did}/payout-files", status=201)
    rows, _ = _parse_file(r.text)
    assert [(row[2], row[5].rsplit(" ", 1)[-1]) for row in rows] == [(NEW_IBAN, f"creditor:{cr1}")]
    c = await _get(env, f"/api/v1/distributions/{did}")
    assert c["status"] == "paid" and Decimal(_balanced(c)["sent"]) == Decimal(d.price)

    # Sent: never cancelled.
    r = await env.client.post(f"/api/v1/payouts/{p['id']}/cancel", headers=env.manager.headers,
                              json={"reason": REASON})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "payout_already_sent")


async def test_a_cancelled_line_may_be_corrected(env, manual_clock, runtime, sms_file, no_pdf):
    """A cancelled instruction no longer binds its line's amount (D-48: `paid_line_changed` is for lines
    instructed); the corrected amount is what the re-issued instruction pays."""
    d, did = await _final(env, manual_clock, sms_file)
    cr2 = f"cr{d.creditors[1]}"
    prepared = (await _post(env, f"/api/v1/distributions/{did}/payouts", status=201)).json()
    p = next(x for x in prepared if x["key"] == f"creditor:{cr2}")
    await _post(env, f"/api/v1/payouts/{p['id']}/cancel", actor=env.manager,
                json={"reason": "Geç gelen ödeme belgesi: alacak tutarı düzeltilecek"})
    for key in (f"harc:{cr2}", "surplus"):  # the lines the correction moves with it
        x = next(x for x in prepared if x["key"] == key)
        await _post(env, f"/api/v1/payouts/{x['id']}/cancel", json={"reason": "Düzeltme nedeniyle iptal edildi"})
    case = (await _get(env, f"/api/v1/distributions/{did}"))["case"]
    case["creditors"][1]["claim"]["principal"] = "250000.00"
    await _post(env, f"/api/v1/distributions/{did}/versions", status=201,
                json={"reason": "Ödeme belgesine göre alacak düzeltildi", "case": case})
    again = (await _post(env, f"/api/v1/distributions/{did}/payouts", status=201)).json()
    c = await _get(env, f"/api/v1/distributions/{did}")
    line = next(x for x in c["lines"] if x["key"] == f"creditor:{cr2}")
    redo = next(x for x in again if x["key"] == f"creditor:{cr2}")
    assert (redo["id"], redo["amount"], redo["version"]) == (p["id"], line["amount"], 2)
    assert Decimal(redo["amount"]) < Decimal(p["amount"])
    assert Decimal(_balanced(c)["held"]) == 0


async def test_cancel_from_the_staff_page(env, manual_clock, runtime, sms_file, no_pdf):
    d, did = await _final(env, manual_clock, sms_file)
    prepared = (await _post(env, f"/api/v1/distributions/{did}/payouts", status=201)).json()
    page = (await env.client.get(f"/staff/sales/{d.sale_id}/cetvel", headers=env.staff.headers)).text
    assert page.count('data-testid="payout-cancel"') == len(prepared)
    r = await env.client.post(f"/staff/sales/{d.sale_id}/cetvel/payouts/{prepared[0]['id']}/cancel",
                              headers=env.staff.headers, data={"reason": "kısa"})
    assert r.headers["location"].endswith("?hata=validation_error")
    r = await env.client.post(f"/staff/sales/{d.sale_id}/cetvel/payouts/{prepared[0]['id']}/cancel",
                              headers=env.staff.headers, data={"reason": REASON})
    assert r.status_code == 303 and r.headers["location"].endswith("?kaydedildi=1")
    page = (await env.client.get(f"/staff/sales/{d.sale_id}/cetvel", headers=env.staff.headers)).text
    assert page.count('data-testid="payout-cancel"') == len(prepared) - 1
    assert "İptal edildi" in page
