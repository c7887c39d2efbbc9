"""A payee with no IBAN (D-44): preparing says which instructions cannot be approved and how that is fixed
(the page and the API's answer); the approval's refusal says it too; the party declares its IBAN in the
browser with the SMS code (`/hesabim/iban`, audited), linked from its file page; the instruction cancelled
and prepared again reads the IBAN and is approved. And the staff page's words: names, not keys; the
version's reason in Turkish; who approves; the window's end to the second."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from auction.audit.models import AuditEntry
from tests.conftest import PASSWORD
from tests.disbursement.conftest import IBANS, at, distributing
from tests.disbursement.test_cetvel_flow import _get, _post
from tests.users.test_refund_iban import sms

CONFIRM = {"confirm": "1"}
CSS = Path(__file__).resolve().parents[2] / "web" / "static" / "css" / "app.css"


async def _served_final(env: Any, manual_clock: Any, sms_file: Any) -> tuple[Any, int]:
    d = await distributing(env, manual_clock, sms_file, ibans=False)
    did = (await _get(env, f"/api/v1/sales/{d.sale_id}/distribution"))["distribution_id"]
    r = await _post(env, f"/api/v1/distributions/{did}/serve")
    manual_clock.set(at(r.json()["objection_until"]) + timedelta(seconds=1))
    await _post(env, f"/api/v1/distributions/{did}/finalise", actor=env.manager)
    return d, did


async def _login(client: Any, email: str) -> str:
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = await client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 303, r.text
    return token


async def test_prepare_lists_the_payees_without_an_iban_and_the_party_declares_one(
        env, manual_clock, runtime, sms_file, no_pdf):
    d, did = await _served_final(env, manual_clock, sms_file)
    prepared = (await _post(env, f"/api/v1/distributions/{did}/payouts", status=201)).json()
    missing = {p["key"] for p in prepared if p["iban_missing"]}
    cr1, cr2 = (f"cr{c}" for c in d.creditors)
    # The creditors' parties and the borçlu declared none; the harç (to the treasury) and the costs (to the
    # office's account) need no payee IBAN.
    assert missing == {f"creditor:{cr1}", f"creditor:{cr2}", "surplus"}, prepared
    html = (await env.client.get(f"/staff/sales/{d.sale_id}/cetvel", headers=env.staff.headers)).text
    box = html.split('data-testid="iban-missing"', 1)[1].split("</div>", 1)[0]
    assert "Banka A.Ş." in box and "Finans Ltd." in box and "/hesabim/iban" in box
    # The approval refuses, and its sentence says what to do.
    p1 = next(p for p in prepared if p["key"] == f"creditor:{cr1}")
    r = await env.client.post(f"/api/v1/payouts/{p1['id']}/approve", headers=env.manager.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "iban_missing"
    assert "/hesabim/iban" in r.json()["error"]["message"] and "yeniden hazırlanır" in r.json()["error"]["message"]
    page = (await env.client.get(f"/staff/sales/{d.sale_id}/cetvel?hata=iban_missing",
                                 headers=env.staff.headers)).text
    assert "SMS koduyla bildirir" in page

    # The first pledgee's party: its file page says it has no IBAN and links the page that takes one.
    party = d.parties[0]
    await _login(env.client, party.email)
    file_page = await env.client.get(f"/files/{d.case_id}")
    assert file_page.status_code == 200 and 'data-testid="party-iban-link"' in file_page.text
    async with runtime.db.session() as s:
        from sqlalchemy import update

        from auction.users.models import User
        await s.execute(update(User).where(User.id == party.user.id).values(phone="+905320000019"))
    form = await env.client.get("/hesabim/iban")
    assert form.status_code == 200 and "Ödeme IBAN" in form.text and 'href="/files"' in form.text
    assert 'href="/hesabim/teklifler"' not in form.text  # none of the bidder's tabs
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    sent = await env.client.post("/hesabim/iban", data={"csrf_token": csrf, "iban": IBANS[0]})
    assert sent.status_code == 200 and 'data-testid="iban-code-form"' in sent.text, sent.text
    change_id = re.search(r'action="/hesabim/iban/(\d+)/onay"', sent.text).group(1)
    done = await env.client.post(f"/hesabim/iban/{change_id}/onay",
                                 data={"csrf_token": csrf, "code": sms(sms_file)[-1]["code"]})
    assert done.status_code == 303
    assert 'data-testid="party-iban-link"' not in (await env.client.get(f"/files/{d.case_id}")).text
    async with runtime.db.session() as s:
        actions = (await s.scalars(select(AuditEntry.action).where(
            AuditEntry.entity_type == "user", AuditEntry.entity_id == str(party.user.id)))).all()
    assert {"user.refund_iban_requested", "user.refund_iban_changed"} <= set(actions)

    # Cancelled and prepared again, the instruction carries the IBAN and the müdür approves it.
    await _post(env, f"/api/v1/payouts/{p1['id']}/cancel", json={"reason": "Alacaklı IBAN'ını bildirdi, yeniden"})
    again = (await _post(env, f"/api/v1/distributions/{did}/payouts", status=201)).json()
    [p1b] = [p for p in again if p["key"] == f"creditor:{cr1}"]
    assert p1b["iban"] == IBANS[0] and not p1b["iban_missing"]
    await _post(env, f"/api/v1/payouts/{p1b['id']}/approve", actor=env.manager)


async def test_the_staff_page_names_parties_and_says_who_approves(env, manual_clock, runtime, sms_file, no_pdf):
    d = await distributing(env, manual_clock, sms_file)
    did = (await _get(env, f"/api/v1/sales/{d.sale_id}/distribution"))["distribution_id"]
    html = (await env.client.get(f"/staff/sales/{d.sale_id}/cetvel", headers=env.staff.headers)).text
    cr1 = f"cr{d.creditors[0]}"
    assert f"<code>{cr1}</code>" not in html and "<code>satis_masraflari</code>" not in html
    assert "handover (S-21)" not in html and "Teslimde dosyadan oluşturuldu (S-21)" in html
    # Amounts stay on one line ("275.908,43 TL", never "275.908,43 / TL"), styled by the stylesheet (CSP).
    css = CSS.read_text(encoding="utf-8")
    assert re.search(r"(^|\n)td\.num \{ white-space: nowrap; \}", css) and ' style="' not in html
    r = await _post(env, f"/api/v1/distributions/{did}/serve")
    until = at(r.json()["objection_until"])
    html = (await env.client.get(f"/staff/sales/{d.sale_id}/cetvel", headers=env.staff.headers)).text
    shown = re.search(r'data-testid="objection-until">([^<]+)<', html).group(1)
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d", shown), shown
    manual_clock.set(until + timedelta(seconds=1))
    await _post(env, f"/api/v1/distributions/{did}/finalise", actor=env.manager)
    await _post(env, f"/api/v1/distributions/{did}/payouts", status=201)
    staff_html = (await env.client.get(f"/staff/sales/{d.sale_id}/cetvel", headers=env.staff.headers)).text
    assert "Müdür onaylar" in staff_html and "Başka bir müdür" not in staff_html
    assert 'data-testid="iban-missing"' not in staff_html  # every payee declared an IBAN
    mudur = (await env.client.get(f"/staff/sales/{d.sale_id}/cetvel", headers=env.manager.headers)).text
    assert "payout-approve" in mudur  # staff prepared them: the müdür approves
    # A müdür who prepared an instruction is told another müdür approves it (four eyes).
    p = (await _get(env, f"/api/v1/distributions/{did}/payouts"))[0]
    await _post(env, f"/api/v1/payouts/{p['id']}/cancel", json={"reason": "Müdür kendisi hazırlayacak, deneme"})
    await _post(env, f"/api/v1/distributions/{did}/payouts", actor=env.manager, status=201)
    mudur = (await env.client.get(f"/staff/sales/{d.sale_id}/cetvel", headers=env.manager.headers)).text
    assert "Başka bir müdür onaylar" in mudur
