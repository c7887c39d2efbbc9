"""Releasing a reserved line (D-14, İİK 268, 138/4; issue 12): staff record that the ihtiyati haciz became
a kesin haciz (its share payable, its harç now withheld) or was lifted (its share goes on by the cetvel's
order), with a reason and the document's date; a new version (D-48), audited; refused while the objection
window runs, for a line not reserved, and for bad input; the invariant holds throughout."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from auction.audit.models import AuditEntry
from tests.disbursement.conftest import at, distributing
from tests.disbursement.test_cetvel_flow import _get, _post, _sum


def _states(c):
    return {x["key"]: x["state"] for x in c["lines"]}


def _balanced(c):
    t = c["totals"]
    assert _sum(c["lines"]) == Decimal(t["distributed"])
    assert Decimal(t["instructed"]) + Decimal(t["held"]) == Decimal(t["distributed"])
    return t


async def _with_ihtiyati(env, manual_clock, sms_file, *, later_haciz: bool = False):
    """The sale's cetvel with an ihtiyati haciz (`ih1`) after the two pledges, and optionally a kesin haciz
    dated after it (`h2`), served and finalised: the ihtiyati share is reserved."""
    d = await distributing(env, manual_clock, sms_file)
    c = await _get(env, f"/api/v1/sales/{d.sale_id}/distribution")
    did = c["distribution_id"]
    case = c["case"]
    sale_day = date.fromisoformat(case["sale_date"])
    case["creditors"].append({"id": "ih1", "name": "C A.Ş.", "kind": "ihtiyati_haciz",
                              "haciz_date": (sale_day - timedelta(days=90)).isoformat(),
                              "takip_date": (sale_day - timedelta(days=100)).isoformat(), "sira": 4,
                              "claim": {"principal": "50000.00"}})
    if later_haciz:
        case["creditors"].append({"id": "h2", "name": "D Ltd.", "kind": "haciz",
                                  "haciz_date": (sale_day - timedelta(days=30)).isoformat(),
                                  "takip_date": (sale_day - timedelta(days=40)).isoformat(), "sira": 4,
                                  "claim": {"principal": "5000000.00"}})
    await _post(env, f"/api/v1/distributions/{did}/versions", status=201,
                json={"reason": "İhtiyati haciz ve haciz kayıtları eklendi", "case": case})
    until = at((await _post(env, f"/api/v1/distributions/{did}/serve")).json()["objection_until"])
    r = await env.client.post(f"/api/v1/distributions/{did}/reserved-releases", headers=env.staff.headers, json={
        "creditor_id": "ih1", "outcome": "made_final", "reason": "İhtiyati haciz kesinleşti (takip kesinleşti)",
        "document_date": sale_day.isoformat()})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "invalid_state")  # the served version stands
    manual_clock.set(until + timedelta(seconds=1))
    await _post(env, f"/api/v1/distributions/{did}/finalise", actor=env.manager)
    c = await _get(env, f"/api/v1/distributions/{did}")
    assert _states(c)["creditor:ih1"] == "reserved" and "harc:ih1" not in _states(c)
    assert c["status"] == "final" and _states(c).get("surplus", "held") == "held"
    return d, did, sale_day


async def test_made_final_becomes_payable(env, manual_clock, runtime, sms_file, no_pdf):
    d, did, sale_day = await _with_ihtiyati(env, manual_clock, sms_file)
    c = await _get(env, f"/api/v1/distributions/{did}")
    share = _sum(c["lines"], key="creditor:ih1")
    assert share > 0
    prepared = (await _post(env, f"/api/v1/distributions/{did}/payouts", status=201)).json()
    assert "creditor:ih1" not in {p["key"] for p in prepared}  # D-54: not while reserved
    url = f"/api/v1/distributions/{did}/reserved-releases"
    ok = {"creditor_id": "ih1", "outcome": "made_final", "reason": "Kesin haciz: takip 10.01.2026'da kesinleşti",
          "document_date": sale_day.isoformat()}
    for body, status, code in (({**ok, "reason": "kısa"}, 422, None),
                               ({**ok, "outcome": "paid"}, 422, None),
                               ({**ok, "document_date": "2099-01-01"}, 422, "release_invalid"),
                               ({**ok, "creditor_id": f"cr{d.creditors[0]}"}, 409, "line_not_reserved"),
                               ({**ok, "creditor_id": "zz9"}, 409, "line_not_reserved")):
        r = await env.client.post(url, headers=env.staff.headers, json=body)
        assert r.status_code == status, r.text
        if code:
            assert r.json()["error"]["code"] == code
    r = await env.client.post(url, headers=d.parties[0].headers, json=ok)
    assert r.status_code == 403
    before = await _get(env, f"/api/v1/distributions/{did}")

    r = await _post(env, url, json=ok, status=201)
    assert (r.json()["version"], r.json()["status"], r.json()["outcome"]) == (before["version"] + 1, "final",
                                                                              "made_final")
    c = await _get(env, f"/api/v1/distributions/{did}")
    states = _states(c)
    assert (states["creditor:ih1"], states["harc:ih1"], states["surplus"]) == ("final", "final", "final")
    # Its share is unchanged; the harç is withheld from it now that it is paid (contract step 8).
    assert _sum(c["lines"], ref="ih1") == share and _sum(c["lines"], key="harc:ih1") > 0
    assert next(x for x in c["case"]["creditors"] if x["id"] == "ih1")["kind"] == "haciz"
    assert c["versions"][-1]["reason"].startswith("İhtiyati haciz kesin hacze dönüştü (ih1, belge tarihi ")
    _balanced(c)
    again = (await _post(env, f"/api/v1/distributions/{did}/payouts", status=201)).json()
    assert {p["key"] for p in again} == {"creditor:ih1", "harc:ih1", "surplus"}
    r = await env.client.post(url, headers=env.staff.headers, json=ok)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "line_not_reserved")
    async with runtime.db.session() as s:
        entry = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "distribution.reserved_released"))).one()
    assert (entry.data["outcome"], entry.data["document_date"], entry.data["rule"]) == (
        "made_final", sale_day.isoformat(), "D-14")


async def test_lifted_goes_on_by_the_cetvels_order(env, manual_clock, runtime, sms_file, no_pdf):
    _, did, sale_day = await _with_ihtiyati(env, manual_clock, sms_file, later_haciz=True)
    before = await _get(env, f"/api/v1/distributions/{did}")
    reserved = _sum(before["lines"], ref="ih1")
    h2_before = _sum(before["lines"], ref="h2")
    assert reserved > 0 and _states(before)["creditor:h2"] == "final"
    await _post(env, f"/api/v1/distributions/{did}/reserved-releases", status=201, json={
        "creditor_id": "ih1", "outcome": "lifted", "reason": "İhtiyati haciz mahkeme kararıyla kaldırıldı",
        "document_date": sale_day.isoformat()})
    c = await _get(env, f"/api/v1/distributions/{did}")
    assert not [x for x in c["lines"] if x["ref"] == "ih1"]
    # The reserved money went on to the next haciz (its share and the harç on it), nothing lost.
    assert _sum(c["lines"], ref="h2") == h2_before + reserved
    assert all(x["state"] == "final" for x in c["lines"])
    assert c["status"] == "final"
    _balanced(c)


async def test_release_from_the_staff_page(env, manual_clock, runtime, sms_file, no_pdf):
    d, did, sale_day = await _with_ihtiyati(env, manual_clock, sms_file)
    page = f"/staff/sales/{d.sale_id}/cetvel"
    html = (await env.client.get(page, headers=env.staff.headers)).text
    assert html.count('data-testid="reserved-release"') == 1 and 'value="ih1"' in html
    form = {"creditor_id": "ih1", "outcome": "made_final", "reason": "Kesin haciz: takip kesinleşti",
            "document_date": "2099-01-01"}
    r = await env.client.post(f"{page}/reserved-releases", headers=env.staff.headers, data=form)
    assert r.status_code == 303 and r.headers["location"].endswith("?hata=release_invalid")
    r = await env.client.post(f"{page}/reserved-releases", headers=env.staff.headers,
                              data={**form, "document_date": "10.01.2026"})
    assert r.headers["location"].endswith("?hata=validation_error")
    r = await env.client.post(f"{page}/reserved-releases", headers=env.staff.headers,
                              data={**form, "document_date": sale_day.isoformat()})
    assert r.status_code == 303 and r.headers["location"].endswith("?kaydedildi=1")
    html = (await env.client.get(page, headers=env.staff.headers)).text
    assert 'data-testid="reserved-release"' not in html
    assert _states(await _get(env, f"/api/v1/distributions/{did}"))["creditor:ih1"] == "final"
