import re

from tests.conftest import PASSWORD


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "form without a CSRF token"
    return m.group(1)


async def test_home_is_turkish_and_accessible_markup(client):
    r = await client.get("/", headers={"Accept": "text/html"})
    assert r.status_code == 200
    html = r.text
    assert '<html lang="tr">' in html
    assert 'href="#main"' in html
    assert 'id="main"' in html
    assert "Satıştaki mallar" in html


async def test_language_switch(client):
    r = await client.get("/lang/en?next=/login")
    assert r.status_code == 303
    assert r.headers["location"] == "/login"
    r = await client.get("/login")
    assert '<html lang="en">' in r.text
    assert "Sign in" in r.text
    # No open redirect through the language switch.
    r = await client.get("/lang/en?next=//evil.example")
    assert r.headers["location"] == "/"


async def test_login_form_flow_with_csrf_and_logout(client, bidder):
    page = await client.get("/login")
    assert 'data-testid="email"' in page.text
    assert 'data-testid="login-submit"' in page.text
    token = _csrf(page.text)
    r = await client.post("/login", data={"email": bidder.email, "password": PASSWORD, "csrf_token": token,
                                          "next": "/"})
    assert r.status_code == 303
    assert "esatis_session" in r.cookies
    home = await client.get("/")
    assert "Çıkış" in home.text
    session_csrf = _csrf(home.text)
    assert session_csrf != token
    # A write with the cookie but without the token is refused (CSRF).
    r = await client.post("/logout")
    assert r.status_code == 403
    r = await client.post("/logout", data={"csrf_token": session_csrf})
    assert r.status_code == 303
    assert "Giriş yap" in (await client.get("/")).text


async def test_session_cookie_writes_need_the_csrf_header(client, staff):
    page = await client.get("/login")
    await client.post("/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": _csrf(page.text)})
    body = {"file_no": "2026/77 Esas", "debtor": "Borçlu Kişi"}
    r = await client.post("/api/v1/cases", json=body)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "csrf_failed"
    csrf = _csrf((await client.get("/")).text)
    r = await client.post("/api/v1/cases", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201


async def test_login_without_the_pre_session_token_is_refused(client, bidder):
    r = await client.post("/login", data={"email": bidder.email, "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 403


async def test_wrong_password_shows_the_form_again(client, bidder):
    page = await client.get("/login")
    r = await client.post("/login", data={"email": bidder.email, "password": "yanlis-parola-1",
                                          "csrf_token": _csrf(page.text)})
    assert r.status_code == 401
    assert 'role="alert"' in r.text
    assert "hatalı" in r.text


async def test_register_form(client):
    page = await client.get("/register")
    r = await client.post("/register", data={"email": "yeni@example.test", "full_name": "Yeni Üye",
                                             "password": "guclu-parola-1", "csrf_token": _csrf(page.text)})
    assert r.status_code == 200
    assert "Üyeliğiniz oluşturuldu" in r.text


async def test_pages_404_are_html(client):
    r = await client.get("/no-such-page", headers={"Accept": "text/html"})
    assert r.status_code == 404
    assert "<html" in r.text
    assert "not_found" in r.text
