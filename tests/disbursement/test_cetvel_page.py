"""The staff page of a sale's cetvel (`/staff/sales/{id}/cetvel`): the contract's test ids, each step's
form (served, finalised by a müdür, payouts prepared, approved by another, exported), refusals shown."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from tests.disbursement.conftest import at, distributing
from tests.disbursement.test_cetvel_flow import _second_manager

CONFIRM = {"confirm": "1"}


async def _page(env, sid, actor=None):
    r = await env.client.get(f"/staff/sales/{sid}/cetvel", headers=(actor or env.staff).headers)
    assert r.status_code == 200, r.text
    return r.text


async def _form(env, sid, path, actor=None, data=None):
    r = await env.client.post(f"/staff/sales/{sid}/cetvel{path}", headers=(actor or env.staff).headers,
                              data=data or {})
    assert r.status_code in (200, 303), r.text
    return r


async def test_staff_page_steps(env, manual_clock, runtime, sms_file, no_pdf):
    d = await distributing(env, manual_clock, sms_file)
    sid = d.sale_id
    html = await _page(env, sid)
    assert 'data-testid="sale-status" data-status="distributing">' in html and 'data-testid="cetvel"' in html
    assert 'data-testid="payouts"' in html and "cetvel-serve" in html
    # Serving, finalising and approving have legal effect: refused without the explicit confirmation.
    r = await _form(env, sid, "/serve")
    assert r.headers["location"].endswith("?hata=confirm_required")
    html = (await env.client.get(f"/staff/sales/{sid}/cetvel?hata=confirm_required",
                                 headers=env.staff.headers)).text
    assert "onay kutusunu işaretleyin" in html
    c = (await env.client.get(f"/api/v1/sales/{sid}/distribution", headers=env.staff.headers)).json()
    assert c["status"] == "draft"
    r = await _form(env, sid, "/serve", data=CONFIRM)
    assert r.headers["location"].endswith("?kaydedildi=1")
    # A müdür cannot finalise inside the window: the page says why.
    r = await _form(env, sid, "/finalise", actor=env.manager, data=CONFIRM)
    assert r.headers["location"].endswith("?hata=objection_window_open")
    html = await _page(env, sid, env.manager)
    c = (await env.client.get(f"/api/v1/sales/{sid}/distribution", headers=env.staff.headers)).json()
    manual_clock.set(at(c["objection_until"]) + timedelta(seconds=1))
    await _form(env, sid, "/finalise", actor=env.manager, data=CONFIRM)
    assert "line-overdue" not in await _page(env, sid)
    # D-44 / TM-22: three working days after the lines became payable, the page flags each one.
    manual_clock.advance(days=8)
    assert (await _page(env, sid)).count('data-testid="line-overdue"') == 6
    await _form(env, sid, "/payouts", actor=env.manager)
    html = await _page(env, sid, env.manager)
    assert "payout-approve" not in html  # the müdür who prepared them sees no approve button (four eyes)
    other = await _second_manager(env)
    html = await _page(env, sid, other)
    assert html.count('data-testid="payout-approve"') == 6
    c = (await env.client.get(f"/api/v1/distributions/{c['distribution_id']}/payouts",
                              headers=env.staff.headers)).json()
    r = await _form(env, sid, f"/payouts/{c[0]['id']}/approve", actor=other)
    assert r.headers["location"].endswith("?hata=confirm_required")
    for p in c:
        await _form(env, sid, f"/payouts/{p['id']}/approve", actor=other, data=CONFIRM)
    r = await _form(env, sid, "/payout-file")
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text), delimiter=";"))
    assert rows[-2][0] == "TOPLAM" and rows[-1][0] == "SHA256" and len(rows) == 6 + 3
    html = await _page(env, sid)
    assert 'data-testid="sale-status" data-status="closed">' in html
