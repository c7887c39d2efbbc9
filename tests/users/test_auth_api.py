from tests.conftest import PASSWORD


async def test_register_then_token_then_me(client):
    r = await client.post("/api/v1/auth/register", json={
        "email": "Ali.Veli@Example.test", "password": "guclu-parola-1", "full_name": "Ali Veli"})
    assert r.status_code == 201, r.text
    assert r.json()["role"] == "bidder"
    assert r.json()["email"] == "ali.veli@example.test"
    r = await client.post("/api/v1/auth/token", json={"email": "ali.veli@example.test", "password": "guclu-parola-1"})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["access_token"].startswith("esat_")
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["full_name"] == "Ali Veli"


async def test_wrong_password_and_unknown_user_look_the_same(client, bidder):
    a = await client.post("/api/v1/auth/token", json={"email": bidder.email, "password": "yanlis-parola-9"})
    b = await client.post("/api/v1/auth/token", json={"email": "nobody@example.test", "password": PASSWORD})
    assert a.status_code == b.status_code == 401
    assert a.json()["error"]["code"] == b.json()["error"]["code"] == "invalid_credentials"


async def test_registration_problems_are_clear_4xx(client, bidder):
    weak = await client.post("/api/v1/auth/register",
                             json={"email": "x@example.test", "password": "short", "full_name": "X Y"})
    assert weak.status_code == 422
    assert weak.json()["error"]["code"] == "weak_password"
    dup = await client.post("/api/v1/auth/register",
                            json={"email": bidder.email.upper(), "password": "guclu-parola-1", "full_name": "X Y"})
    assert dup.status_code == 409
    assert dup.json()["error"]["code"] == "email_taken"
    bad = await client.post("/api/v1/auth/register", json={"email": "not-an-email", "password": "guclu-parola-1",
                                                           "full_name": "X Y"})
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_email"


async def test_bad_and_missing_tokens(client):
    r = await client.get("/api/v1/me")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"
    assert r.headers["www-authenticate"] == "Bearer"
    r = await client.get("/api/v1/me", headers={"Authorization": "Bearer esat_forged"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_token"
    r = await client.get("/api/v1/me", headers={"Authorization": "Basic abc"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_token"


async def test_login_is_rate_limited(client, bidder):
    # An address with no account: on a real one the 10th wrong password locks it first
    # (ESATIS_LOGIN_MAX_FAILURES, tests/users/test_login_hardening.py).
    codes = []
    for _ in range(12):
        r = await client.post("/api/v1/auth/token", json={"email": "yok@esatis.test", "password": "yanlis-parola-9"})
        codes.append(r.status_code)
    assert codes[:10] == [401] * 10
    assert codes[-1] == 429
    r = await client.post("/api/v1/auth/token", json={"email": "yok@esatis.test", "password": "yanlis-parola-9"})
    assert r.json()["error"]["code"] == "rate_limited"
    assert "retry-after" in r.headers


async def test_passwords_are_stored_as_argon2id(runtime, bidder):
    assert bidder.user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in bidder.user.password_hash
