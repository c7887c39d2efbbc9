"""Who may reach a sale's cetvel: staff of its office (another office: 403 `office_scope`); a party only
once served and only its file (404 otherwise), its own lines; the build only at `distributing` (D-01)."""

from __future__ import annotations

from auction.users import service as users
from tests.aftersale.conftest import win
from tests.disbursement.conftest import distributing


async def test_access(env, manual_clock, runtime, sms_file, no_pdf):
    d = await distributing(env, manual_clock, sms_file)
    c = (await env.client.get(f"/api/v1/sales/{d.sale_id}/distribution", headers=env.staff.headers)).json()
    did = c["distribution_id"]
    # A draft is the office's own work: parties see nothing yet, and list nothing.
    r = await env.client.get(f"/api/v1/distributions/{did}", headers=d.parties[0].headers)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "distribution_not_found")
    assert (await env.client.get("/api/v1/me/distributions", headers=d.parties[0].headers)).json() == []
    async with runtime.db.session() as s:
        await users.create_office(s, code="ANK-09", name="Ankara 9. İcra Dairesi", city="Ankara",
                                  sales_bureau_name="Ankara Satış Bürosu")
    other = await env.make_actor("staff", "ANK-09")
    r = await env.client.get(f"/api/v1/distributions/{did}", headers=other.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "office_scope")
    r = await env.client.post(f"/api/v1/distributions/{did}/serve", headers=other.headers)
    assert r.status_code == 403
    bidder = await env.make_actor("bidder")
    assert (await env.client.get(f"/api/v1/distributions/{did}", headers=bidder.headers)).status_code == 403
    r = await env.client.post(f"/api/v1/distributions/{did}/serve", headers=env.staff.headers)
    assert r.status_code == 200
    # The served version as a PDF (D-50); a party cannot fetch the office's document.
    pdf = await env.client.get(f"/api/v1/distributions/{did}/document.pdf?version=1", headers=env.staff.headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    r = await env.client.get(f"/api/v1/distributions/{did}/document", headers=d.parties[0].headers)
    assert r.status_code == 403
    # Served: each creditor's party sees its own lines; the borçlu's side every line (OP-48); no input.
    listed = (await env.client.get("/api/v1/me/distributions", headers=d.parties[1].headers)).json()
    assert [x["distribution_id"] for x in listed] == [did]
    assert {x["ref"] for x in listed[0]["lines"]} == {f"cr{d.creditors[1]}"}
    assert "case" not in listed[0] and "result" not in listed[0]
    debtor = (await env.client.get(f"/api/v1/distributions/{did}", headers=d.debtor.headers)).json()
    assert {x["ref"] for x in debtor["lines"] if x["ref"]} >= {f"cr{i}" for i in d.creditors}
    assert "surplus" in {x["key"] for x in debtor["lines"]}
    # Staff only: a party cannot serve, finalise or prepare.
    for path in ("finalise", "payouts"):
        r = await env.client.post(f"/api/v1/distributions/{did}/{path}", headers=d.parties[0].headers)
        assert r.status_code == 403, path


async def test_build_waits_for_distributing(env, manual_clock, runtime, sms_file, no_pdf):
    won = await win(env, manual_clock)
    r = await env.client.post(f"/api/v1/sales/{won.sale_id}/distribution", headers=env.staff.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "not_distributable")
    r = await env.client.get(f"/api/v1/sales/{won.sale_id}/distribution", headers=env.staff.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "distribution_not_found")
    # The staff page says there is none yet and offers no build before the handover.
    r = await env.client.get(f"/staff/sales/{won.sale_id}/cetvel", headers=env.staff.headers)
    assert r.status_code == 200 and 'data-testid="sale-status" data-status="awarded">' in r.text
    assert "cetvel-build" not in r.text
    r = await env.client.post(f"/staff/sales/{won.sale_id}/cetvel/build", headers=env.staff.headers)
    assert r.status_code == 303 and r.headers["location"].endswith("?hata=not_distributable")
