async def test_validation_errors_have_one_shape_with_every_problem(client, staff):
    r = await client.post("/api/v1/cases", headers=staff.headers, json={"file_no": "", "debtr": "x"})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "validation_error"
    assert err["message"]
    paths = {p["path"] for p in err["details"]["problems"]}
    assert {"file_no", "debtor", "debtr"} <= paths


async def test_money_must_be_a_string_not_a_float(client, staff):
    case = (await client.post("/api/v1/cases", headers=staff.headers,
                              json={"file_no": "2026/1 Esas", "debtor": "Borçlu"})).json()
    r = await client.post(f"/api/v1/cases/{case['id']}/lots", headers=staff.headers,
                          json={"kind": "tasinir", "title": "Araç", "appraised_value": 1000.5})
    assert r.status_code == 422
    assert r.json()["error"]["details"]["problems"][0]["path"] == "appraised_value"
    r = await client.post(f"/api/v1/cases/{case['id']}/lots", headers=staff.headers,
                          json={"kind": "tasinir", "title": "Araç", "appraised_value": "1000.001"})
    assert r.status_code == 422


async def test_unknown_route_and_method(client):
    r = await client.get("/api/v1/does-not-exist")
    assert r.status_code == 404
    assert r.json() == {"error": {"code": "not_found", "message": r.json()["error"]["message"],
                                                           "details": {}}}
    r = await client.delete("/api/v1/time")
    assert r.status_code == 405
    assert r.json()["error"]["code"] == "method_not_allowed"


async def test_unexpected_errors_are_500_without_a_trace(app, client, monkeypatch):
    from auction.cases import service

    async def boom(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(service, "list_cases", boom)
    from tests.conftest import Actor  # noqa: F401 - keep import local to the test

    r = await client.get("/api/v1/cases", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401  # auth runs first
    # Reach the failing service with a real staff token.
    from datetime import timedelta

    from auction.users import service as users
    from auction.users.models import Role

    async with app.state.runtime.db.session() as s:
        await users.create_office(s, code="X", name="X İcra Dairesi", city="Xx", sales_bureau_name="X")
        u = await users.create_user(s, email="s@example.test", password="dogru-parola-2026", full_name="S",
                                    role=Role.staff, office_code="X")
        token = await users.issue_token(s, u, ttl=timedelta(hours=1))
    r = await client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 500
    body = r.json()
    assert body["error"]["code"] == "internal_error"
    assert "secret internal detail" not in r.text
    assert "Traceback" not in r.text
    assert body["error"]["details"]["request_id"] == r.headers["x-request-id"]


async def test_request_id_is_echoed_and_security_headers_set(client):
    r = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
