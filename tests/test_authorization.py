"""Every route declares who may call it, and staff only act on their own office's files."""

import fastapi.routing
from fastapi.routing import APIRoute, APIWebSocketRoute

from web.deps import optional_principal, optional_ws_principal, public

AUTH_MARKERS = {public, optional_principal, optional_ws_principal}


def _routes(app):
    """(path, route) of every route, with included routers flattened: FastAPI ≥ 0.16x keeps an included
    router as one `_IncludedRouter` entry in `app.routes`, so walking `app.routes` alone would see only
    the app's own routes and check nothing."""
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    if flatten is None:
        return [(r.path, r) for r in app.routes]
    return [(ctx.path, ctx.original_route) for ctx in flatten(app.routes)]


def _calls(dependant):
    for dep in dependant.dependencies:
        yield dep.call
        yield from _calls(dep)


def test_every_route_declares_its_audience(app):
    missing = []
    checked = 0
    for path, route in _routes(app):
        if isinstance(route, (APIRoute, APIWebSocketRoute)):
            checked += 1
            if not AUTH_MARKERS & set(_calls(route.dependant)):
                missing.append(path)
    assert checked > 100, checked  # the walk really reached the routers' routes
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


ADMIN_ONLY_PREFIXES = ("/api/v1/webhooks", "/yonetim")


def test_admin_areas_require_the_admin_role(app):
    """Webhook endpoints carry every event of the platform outside it: their routes (API and pages) are for
    admins alone (tests/webhooks/test_admin.py calls each of them as every other role)."""
    routes = [(p, r) for p, r in _routes(app) if isinstance(r, APIRoute) and p.startswith(ADMIN_ONLY_PREFIXES)]
    assert len(routes) >= 16
    weaker = [p for p, r in routes if "require_admin" not in {getattr(c, "__name__", "") for c in _calls(r.dependant)}]
    assert weaker == []
