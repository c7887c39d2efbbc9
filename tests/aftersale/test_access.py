"""Who may do what after the award: the buyer sees and pays his own sale; another bidder sees nothing;
staff act on their own office's sales; the müdür decides annulments and the court's outcomes."""

from __future__ import annotations

from tests.aftersale.conftest import last_code, win


async def test_routes_after_the_award_are_scoped(env, manual_clock, runtime, sms_file, make_actor):
    won = await win(env, manual_clock)
    sid = won.sale_id
    # The contract's "staff, and the winner" for the sale and its settlement; nobody else.
    for path in (f"/api/v1/sales/{sid}", f"/api/v1/sales/{sid}/settlement", f"/api/v1/sales/{sid}/timeline",
                 f"/api/v1/sales/{sid}/documents", f"/api/v1/sales/{sid}/payments"):
        assert (await env.client.get(path, headers=won.buyer.headers)).status_code == 200, path
        assert (await env.client.get(path, headers=env.staff.headers)).status_code == 200, path
        r = await env.client.get(path, headers=won.other.headers)
        assert (r.status_code, r.json()["error"]["code"]) == (404, "sale_not_found"), path
        assert (await env.client.get(path)).status_code == 401, path
    from auction.users import service as users

    async with runtime.db.session() as s:
        await users.create_office(s, code="ANK-02", name="Ankara 2. İcra Dairesi", city="Ankara",
                                  sales_bureau_name="Ankara Satış Bürosu")
    stranger = await make_actor("staff", "ANK-02")
    r = await env.client.get(f"/api/v1/sales/{sid}/settlement", headers=stranger.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "office_scope")
    # Staff work is refused to bidders (role), other offices (scope), and müdür decisions to staff.
    for path, body in ((f"/api/v1/sales/{sid}/finality", {}), (f"/api/v1/sales/{sid}/handover", {"mode": "ready"}),
                       (f"/api/v1/sales/{sid}/fesih", {"applicant_name": "X Y", "applicant_kind": "borclu",
                                                       "court": "Mahkeme"}),
                       (f"/api/v1/sales/{sid}/tahliye", {"occupied_by": "borclu"}),
                       (f"/api/v1/sales/{sid}/buyer-tax-status", None)):
        method = env.client.put if body is None else env.client.post
        kwargs = {"json": body if body is not None else {"bank_17_4_r": True, "reason": "0123456789 neden"}}
        r = await method(path, headers=won.buyer.headers, **kwargs)
        assert (r.status_code, r.json()["error"]["code"]) == (403, "role_required"), path
        r = await method(path, headers=stranger.headers, **kwargs)
        assert (r.status_code, r.json()["error"]["code"]) == (403, "office_scope"), path
    r = await env.client.post(f"/api/v1/sales/{sid}/annul", headers=env.staff.headers,
                              json={"reason": "handover_impossible", "note": "0123456789 neden"})
    assert r.status_code == 403
    # Payments: only the buyer starts them, and a payment is reachable only by its payer.
    r = await env.client.post(f"/api/v1/sales/{sid}/payments", headers=env.staff.headers, json={"amount": "1.00"})
    assert (r.status_code, r.json()["error"]["code"]) == (403, "not_the_buyer")
    pid = (await env.client.post(f"/api/v1/sales/{sid}/payments", headers=won.buyer.headers,
                                 json={"amount": "1.00"})).json()["payment_id"]
    for actor in (won.other, env.staff):
        r = await env.client.post(f"/api/v1/payments/{pid}/confirm", headers=actor.headers, json={"code": "123456"})
        assert (r.status_code, r.json()["error"]["code"]) == (404, "payment_not_found")
    # Documents: the buyer's own and the office's staff.
    await env.client.post(f"/api/v1/payments/{pid}/confirm", headers=won.buyer.headers,
                          json={"code": last_code(sms_file)})
    docs = (await env.client.get(f"/api/v1/sales/{sid}/documents", headers=won.buyer.headers)).json()
    assert docs
    for actor, status in ((won.buyer, 200), (env.staff, 200), (won.other, 404), (stranger, 403)):
        assert (await env.client.get(docs[0]["html"], headers=actor.headers)).status_code == status
    pdf = await env.client.get(docs[0]["pdf"], headers=won.buyer.headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


async def test_pages_after_the_award(env, manual_clock, runtime, sms_file):
    """The buyer pays through the won-lot page (forms, CSRF via the bearer token in tests), and the staff
    page shows `sale-status`."""
    won = await win(env, manual_clock)
    sid = won.sale_id
    html = {"Accept": "text/html"}
    page = await env.client.get(f"/hesabim/kazandiklarim/{sid}", headers={**html, **won.buyer.headers})
    assert page.status_code == 200
    assert 'data-testid="pay-amount"' in page.text and 'data-testid="sale-timeline"' in page.text
    r = await env.client.post(f"/hesabim/kazandiklarim/{sid}/odeme", headers={**html, **won.buyer.headers},
                              data={"amount": "963.500,00", "key": "k1"})
    assert r.status_code == 303
    page = await env.client.get(f"/hesabim/kazandiklarim/{sid}", headers={**html, **won.buyer.headers})
    assert 'data-testid="pay-code"' in page.text and "+90 5•• ••• •• 67" in page.text
    pid = (await env.client.get(f"/api/v1/sales/{sid}/payments", headers=won.buyer.headers)).json()[0]["payment_id"]
    r = await env.client.post(f"/hesabim/odemeler/{pid}/onay", headers={**html, **won.buyer.headers},
                              data={"code": "000000" if last_code(sms_file) != "000000" else "111111"})
    location = r.headers["location"]
    assert r.status_code == 303 and "hata=code_invalid" in location and "kalan=4" in location
    page = await env.client.get(r.headers["location"], headers={**html, **won.buyer.headers})
    assert "Kalan deneme: 4" in page.text
    r = await env.client.post(f"/hesabim/odemeler/{pid}/onay", headers={**html, **won.buyer.headers},
                              data={"code": last_code(sms_file)})
    assert "odendi=" in r.headers["location"]
    page = await env.client.get(r.headers["location"], headers={**html, **won.buyer.headers})
    assert "Ödemeniz alındı (963.500,00 TL)" in page.text
    staff = await env.client.get(f"/staff/sales/{sid}", headers={**html, **env.staff.headers})
    assert staff.status_code == 200
    assert 'data-testid="sale-status"' in staff.text and 'data-status="awarded"' in staff.text
    listing = await env.client.get("/staff/sales", headers={**html, **env.staff.headers})
    assert f"/staff/sales/{sid}" in listing.text
    old = await env.client.get(f"/buro/satislar/{sid}", headers={**html, **env.staff.headers})
    assert (old.status_code, old.headers["location"]) == (308, f"/staff/sales/{sid}")
    r = await env.client.get(f"/staff/sales/{sid}", headers={**html, **won.buyer.headers})
    assert r.status_code == 403
