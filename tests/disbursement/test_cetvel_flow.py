"""The cetvel of a real sale, through the API: built at handover (S-21), corrected into a new version
(D-48), served (D-40), objected to within the window (D-41), finalised (D-52), paid out with four eyes
(D-44) and the bank file, and the sale closed when everything is paid (S-24)."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from auction.audit.models import AuditEntry
from auction.events.models import OutboxEvent
from tests.disbursement.conftest import at, distributing


async def _get(env, path, actor=None):
    r = await env.client.get(path, headers=(actor or env.staff).headers)
    assert r.status_code == 200, r.text
    return r.json()


async def _post(env, path, actor=None, json=None, status=200):
    r = await env.client.post(path, headers=(actor or env.staff).headers, json=json)
    assert r.status_code == status, r.text
    return r


def _sum(lines, **where):
    return sum((Decimal(x["amount"]) for x in lines if all(x[k] == v for k, v in where.items())), Decimal(0))


async def _events(runtime, type_):
    async with runtime.db.session() as s:
        return list((await s.scalars(select(OutboxEvent).where(OutboxEvent.type == type_)
                                     .order_by(OutboxEvent.id))).all())


def _parse_file(text):
    """The bank file: rows, the TOPLAM row, and the SHA-256 over every byte before its line."""
    body, _, last = text.rstrip("\r\n").rpartition("\r\n")
    assert last.startswith("SHA256;")
    assert last.split(";")[1] == hashlib.sha256((body + "\r\n").encode("utf-8")).hexdigest()
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[0] == ["odeme_no", "alici", "iban", "kanal", "tutar", "aciklama"]
    assert rows[-1][0] == "TOPLAM"
    data = rows[1:-1]
    assert int(rows[-1][1]) == len(data)
    assert Decimal(rows[-1][4]) == sum((Decimal(r[4]) for r in data), Decimal(0))
    return data, rows[-1]


async def test_served_objected_partly_final_paid_and_closed(env, manual_clock, runtime, sms_file, no_pdf):
    d = await distributing(env, manual_clock, sms_file)
    sid = d.sale_id
    # S-21 → D-50: the system built the draft at handover, and told the outside world (D-55).
    c = await _get(env, f"/api/v1/sales/{sid}/distribution")
    assert (c["status"], c["version"]) == ("draft", 1)
    assert [e.data["sale_id"] for e in await _events(runtime, "distribution.ready")] == [sid]
    lines = c["lines"]
    # The invariant: every kuruş of the price is on exactly one line.
    assert _sum(lines) == Decimal(d.price) == Decimal(c["totals"]["distributed"])
    cr1, cr2 = (f"cr{i}" for i in d.creditors)
    keys = [x["key"] for x in lines]
    assert keys == ["deduction:tapu_harci_satici", f"creditor:{cr1}", f"harc:{cr1}", f"creditor:{cr2}",
                    f"harc:{cr2}", "surplus"]
    # Pledges take their claims (D-20), the tahsil and cezaevi harcı are withheld from each (T-25, T-26).
    share1 = _sum(lines, ref=cr1)
    assert share1 == Decimal("400000.00")
    assert _sum(lines, key=f"harc:{cr1}") == Decimal("45520.00") + Decimal("8000.00")
    # D-50: the stored version as the cetvel document, a draft until served.
    doc = await env.client.get(f"/api/v1/distributions/{c['distribution_id']}/document", headers=env.staff.headers)
    assert doc.status_code == 200 and "CETVELİ" in doc.text and "TASLAK" in doc.text.upper()
    # A second build is refused; an on-demand build only when there is none.
    r = await env.client.post(f"/api/v1/sales/{sid}/distribution", headers=env.staff.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "distribution_exists")

    # D-48 / D-51: a staff correction is a new version; the first is kept.
    did = c["distribution_id"]
    assert c["certificates"] == []  # nobody is short
    case = c["case"]
    case["creditors"][1]["claim"]["principal"] = "250000.00"
    r = await env.client.post(f"/api/v1/distributions/{did}/versions", headers=env.staff.headers,
                              json={"reason": "", "case": case})
    assert r.status_code == 422
    r = await _post(env, f"/api/v1/distributions/{did}/versions", json={
        "reason": "İkinci derece alacaklının alacağı ödeme belgesine göre düzeltildi", "case": case}, status=201)
    assert r.json()["version"] == 2
    c = await _get(env, f"/api/v1/distributions/{did}")
    assert [v["version"] for v in c["versions"]] == [1, 2]
    assert _sum(c["lines"], ref=cr2) == Decimal("250000.00")
    assert _sum(c["lines"]) == Decimal(d.price)

    # D-40: served on every party, the window from the dated rule table (7 days, TM-23).
    r = await _post(env, f"/api/v1/distributions/{did}/serve")
    until = at(r.json()["objection_until"])
    served = await _events(runtime, "distribution.served")
    assert sorted(served[-1].data["party_user_ids"]) == sorted(
        [p.user.id for p in d.parties] + [d.debtor.user.id])
    # The borçlu cannot object (D-41); a creditor objects to the other's line within the window.
    r = await env.client.post(f"/api/v1/distributions/{did}/objections", headers=d.debtor.headers,
                              json={"kind": "itiraz", "lines": [cr1], "reason": "Alacak yoktur"})
    assert (r.status_code, r.json()["error"]["code"]) == (403, "objection_not_allowed")
    r = await env.client.post(f"/api/v1/distributions/{did}/objections", headers=d.parties[1].headers,
                              json={"kind": "itiraz", "lines": [cr2], "reason": "Kendi alacağım"})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "objection_invalid")
    r = await _post(env, f"/api/v1/distributions/{did}/objections", actor=d.parties[1], status=201, json={
        "kind": "itiraz", "lines": [cr1], "reason": "Birinci derece ipotek alacağının bir kısmı ödenmiştir"})
    objection_id = r.json()["id"]
    # A party sees its own lines only.
    mine = await _get(env, f"/api/v1/distributions/{did}", actor=d.parties[0])
    assert {x["ref"] for x in mine["lines"]} == {cr1} and "case" not in mine
    r = await env.client.get(f"/api/v1/distributions/{did}", headers=(await env.make_actor("party")).headers)
    assert r.status_code == 404

    # Finality: not before the window ends; then everything not held is final (partly_final).
    r = await env.client.post(f"/api/v1/distributions/{did}/finalise", headers=env.manager.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "objection_window_open")
    manual_clock.set(until + timedelta(seconds=1))
    r = await env.client.post(f"/api/v1/distributions/{did}/objections", headers=d.parties[0].headers,
                              json={"kind": "sikayet", "lines": [cr2], "reason": "Sıra hatalı"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "objection_window_closed")
    r = await env.client.post(f"/api/v1/distributions/{did}/finalise", headers=env.staff.headers)
    assert r.status_code == 403
    r = await _post(env, f"/api/v1/distributions/{did}/finalise", actor=env.manager)
    assert r.json()["status"] == "partly_final"
    c = await _get(env, f"/api/v1/distributions/{did}")
    states = {x["key"]: x["state"] for x in c["lines"]}
    assert states == {"deduction:tapu_harci_satici": "final", f"creditor:{cr1}": "disputed",
                      f"harc:{cr1}": "disputed", f"creditor:{cr2}": "final", f"harc:{cr2}": "final",
                      "surplus": "held"}  # the surplus only when wholly final (D-49, D-54)

    # Payouts of the final lines; the contract's sum holds.
    r = await _post(env, f"/api/v1/distributions/{did}/payouts", status=201)
    prepared = r.json()
    assert {p["key"] for p in prepared} == {"deduction:tapu_harci_satici", f"creditor:{cr2}", f"harc:{cr2}"}
    c = await _get(env, f"/api/v1/distributions/{did}")
    assert sum(Decimal(p["amount"]) for p in prepared) + Decimal(c["totals"]["held"]) == Decimal(
        c["totals"]["distributed"])
    eft = next(p for p in prepared if p["key"] == f"creditor:{cr2}")
    assert (eft["iban"], eft["channel"]) == ("TR320010009999901234567890", "eft")
    # Four eyes: staff may not approve; the müdür who did not prepare does.
    r = await env.client.post(f"/api/v1/payouts/{eft['id']}/approve", headers=env.staff.headers)
    assert r.status_code == 403
    for p in prepared:
        await _post(env, f"/api/v1/payouts/{p['id']}/approve", actor=env.manager)
    r = await env.client.post(f"/api/v1/payouts/{eft['id']}/approve", headers=env.manager.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "payout_state")
    r = await _post(env, f"/api/v1/distributions/{did}/payout-files", status=201)
    rows, total = _parse_file(r.text)
    assert len(rows) == 3 and Decimal(total[4]) == sum(Decimal(p["amount"]) for p in prepared)
    again = await env.client.get(f"/api/v1/payout-files/{r.headers['X-Payout-File-Id']}", headers=env.staff.headers)
    assert again.text == r.text
    r = await env.client.post(f"/api/v1/distributions/{did}/payout-files", headers=env.staff.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "nothing_to_pay")
    assert len(await _events(runtime, "payout.sent")) == 3
    assert (await _get(env, f"/api/v1/sales/{sid}"))["status"] == "distributing"

    # The court rejects the objection: the held lines and the surplus become final; a müdür prepares,
    # cannot approve his own, another müdür does; the last file closes the sale (S-24).
    await _post(env, f"/api/v1/objections/{objection_id}/decision", actor=env.manager,
                json={"outcome": "rejected", "note": "İtiraz davası reddedildi, karar kesinleşti"})
    c = await _get(env, f"/api/v1/distributions/{did}")
    assert c["status"] == "final"
    r = await _post(env, f"/api/v1/distributions/{did}/payouts", actor=env.manager, status=201)
    rest = r.json()
    assert {p["key"] for p in rest} == {f"creditor:{cr1}", f"harc:{cr1}", "surplus"}
    r = await env.client.post(f"/api/v1/payouts/{rest[0]['id']}/approve", headers=env.manager.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "four_eyes")
    other = await _second_manager(env)
    for p in rest:
        await _post(env, f"/api/v1/payouts/{p['id']}/approve", actor=other)
    r = await _post(env, f"/api/v1/distributions/{did}/payout-files", status=201)
    _parse_file(r.text)
    c = await _get(env, f"/api/v1/distributions/{did}")
    assert c["status"] == "paid" and Decimal(c["totals"]["held"]) == 0
    assert Decimal(c["totals"]["sent"]) == Decimal(d.price)
    assert (await _get(env, f"/api/v1/sales/{sid}"))["status"] == "closed"
    async with runtime.db.session() as s:
        actions = set((await s.scalars(select(AuditEntry.action).where(
            AuditEntry.action.like("distribution.%") | AuditEntry.action.like("payout.%")
            | (AuditEntry.action == "sale.closed")))).all())
    assert actions >= {"distribution.built", "distribution.corrected", "distribution.served",
                       "distribution.objection", "distribution.finalised", "distribution.objection_decided",
                       "payout.prepared", "payout.approved", "payout.sent", "payout.file", "distribution.paid",
                       "sale.closed"}


async def _second_manager(env):
    from auction.users.models import Office

    async with env.runtime.db.session() as s:
        office = (await s.scalars(select(Office).order_by(Office.id))).first()
    return await env.make_actor("manager", office.code)


async def test_upheld_objection_holds_until_a_corrected_version(env, manual_clock, runtime, sms_file, no_pdf):
    d = await distributing(env, manual_clock, sms_file)
    c = await _get(env, f"/api/v1/sales/{d.sale_id}/distribution")
    did = c["distribution_id"]
    cr1, cr2 = (f"cr{i}" for i in d.creditors)
    r = await _post(env, f"/api/v1/distributions/{did}/serve")
    await _post(env, f"/api/v1/distributions/{did}/objections", actor=d.parties[1], status=201,
                json={"kind": "itiraz", "lines": [cr1], "reason": "Alacağın 100.000 TL'si ödenmiştir"})
    # A correction while the parties' window runs is refused.
    r = await env.client.post(f"/api/v1/distributions/{did}/versions", headers=env.staff.headers,
                              json={"reason": "erken düzeltme"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "invalid_state")
    manual_clock.set(at((await _get(env, f"/api/v1/distributions/{did}"))["objection_until"]) + timedelta(seconds=1))
    await _post(env, f"/api/v1/distributions/{did}/finalise", actor=env.manager)
    payouts = (await _post(env, f"/api/v1/distributions/{did}/payouts", status=201)).json()
    objection = (await _get(env, f"/api/v1/distributions/{did}"))["objections"][0]
    await _post(env, f"/api/v1/objections/{objection['id']}/decision", actor=env.manager,
                json={"outcome": "upheld", "note": "Mahkeme: 100.000 TL ödenmiş, cetvel düzeltilecek"})
    c = await _get(env, f"/api/v1/distributions/{did}")
    assert c["status"] == "partly_final"
    assert {x["key"]: x["state"] for x in c["lines"]}[f"creditor:{cr1}"] == "disputed"
    # A correction may not change a line already instructed.
    bad = c["case"]
    bad["creditors"][1]["claim"]["principal"] = "1.00"
    r = await env.client.post(f"/api/v1/distributions/{did}/versions", headers=env.staff.headers,
                              json={"reason": "yanlış düzeltme", "case": bad})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "paid_line_changed")
    case = (await _get(env, f"/api/v1/distributions/{did}"))["case"]
    case["creditors"][0]["claim"]["principal"] = "300000.00"
    r = await _post(env, f"/api/v1/distributions/{did}/versions", status=201,
                    json={"reason": "Mahkeme kararı uyarınca (D-48)", "case": case})
    c = await _get(env, f"/api/v1/distributions/{did}")
    assert (c["status"], c["version"]) == ("final", 2)
    assert c["objections"][0]["applied_in_version"] == 2
    states = {x["key"]: x["state"] for x in c["lines"]}
    assert states[f"creditor:{cr1}"] == "final" and states["surplus"] == "final"
    assert _sum(c["lines"], ref=cr1) == Decimal("300000.00")
    assert _sum(c["lines"]) == Decimal(d.price)
    assert {p["key"] for p in payouts} == {"deduction:tapu_harci_satici", f"creditor:{cr2}", f"harc:{cr2}"}
    r = await _post(env, f"/api/v1/distributions/{did}/payouts", status=201)
    assert {p["key"] for p in r.json()} == {f"creditor:{cr1}", f"harc:{cr1}", "surplus"}
