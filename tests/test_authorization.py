"""Every route declares who may call it, and staff only act on their own office's files."""

from fastapi.routing import APIRoute, APIWebSocketRoute

from web.deps import optional_principal, optional_ws_principal, public

AUTH_MARKERS = {public, optional_principal, optional_ws_principal}


def _calls(dependant):
    for dep in dependant.dependencies:
        yield dep.call
        yield from _calls(dep)


def test_every_route_declares_its_audience(app):
    missing = []
    for route in app.routes:
        if isinstance(route, (APIRoute, APIWebSocketRoute)) and not AUTH_MARKERS & set(_calls(route.dependant)):
            missing.append(route.path)
    assert missing == [], f"routes without an auth dependency (use Public/MaybeUser/…): {missing}"


async def test_bidder_cannot_do_staff_work(client, bidder):
    r = await client.post("/api/v1/cases", headers=bidder.headers, json={"file_no": "2026/5 Esas", "debtor": "X Y"})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "role_required"


async def test_staff_are_scoped_to_their_office(client, runtime, staff, make_actor):
    from auction.users import service as users

    async with runtime.db.session() as s:
        await users.create_office(s, code="ANK-02", name="Ankara 2. İcra Dairesi", city="Ankara",
                                  sales_bureau_name="Ankara Satış Bürosu")
    other = await make_actor("staff", "ANK-02")
    case = (await client.post("/api/v1/cases", headers=staff.headers,
                              json={"file_no": "2026/9 Esas", "debtor": "Borçlu"})).json()
    r = await client.get(f"/api/v1/cases/{case['id']}", headers=other.headers)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "office_scope"
    r = await client.post(f"/api/v1/cases/{case['id']}/lots", headers=other.headers,
                          json={"kind": "tasinir", "title": "Traktör", "appraised_value": "100000.00"})
    assert r.status_code == 403
    assert [c["id"] for c in (await client.get("/api/v1/cases", headers=other.headers)).json()] == []
    admin = await make_actor("admin")
    assert (await client.get(f"/api/v1/cases/{case['id']}", headers=admin.headers)).status_code == 200
