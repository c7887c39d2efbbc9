"""Offices and people on the desk: an admin creates an office and invites its staff; a müdür administers
his own office only; one-time links set a password once, before their TTL; resets and deactivation end
every session; all of it audited."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from auction import clock
from auction.audit.models import AuditEntry
from tests.web.conftest import csrf_of

HTML = {"Accept": "text/html"}
NEW_PASSWORD = "yeni-parola-2026"


def _link(html: str) -> str:
    m = re.search(r'data-testid="one-time-link-path">([^<]+)<', html)
    assert m, "no one-time link on the page"
    return m.group(1)


async def _redeem(client, path: str, password: str = NEW_PASSWORD):
    form = await client.get(path)
    assert form.status_code == 200, form.text
    return await client.post(path, data={"password": password, "password2": password,
                                         "csrf_token": csrf_of(form.text)})


async def _token(client, email: str, password: str = NEW_PASSWORD):
    return await client.post("/api/v1/auth/token", json={"email": email, "password": password})


async def test_an_admin_creates_an_office_and_invites_its_staff(client, runtime, make_actor):
    admin = await make_actor("admin")
    r = await client.post("/staff/offices", headers={**HTML, **admin.headers},
                          data={"code": "izm-03", "name": "İzmir 3. İcra Dairesi", "city": "İzmir"})
    assert (r.status_code, r.headers["location"]) == (303, "/staff/offices?kaydedildi=IZM-03")
    page = await client.get("/staff/offices", headers={**HTML, **admin.headers})
    assert "İzmir 3. İcra Dairesi Satış İşlemleri Bürosu" in page.text
    r = await client.post("/staff/offices", headers={**HTML, **admin.headers},
                          data={"code": "IZM-03", "name": "İzmir 3. İcra Dairesi", "city": "İzmir"})
    assert r.status_code == 409 and "zaten var" in r.text
    r = await client.post("/staff/people", headers={**HTML, **admin.headers},
                          data={"email": "Ayse@Example.test", "full_name": "Ayşe Kaya", "role": "staff",
                                "office": "IZM-03"})
    assert r.status_code == 200
    path = _link(r.text)
    assert path.startswith("/invite/")
    assert (await _token(client, "ayse@example.test", "anything-1234")).status_code == 401  # inactive
    # An invitation withdrawn (the account closed) before it was accepted: the link dies with it.
    r = await client.post("/staff/people", headers={**HTML, **admin.headers},
                          data={"email": "vazgecildi@example.test", "full_name": "Vaz Geçildi", "role": "staff",
                                "office": "IZM-03"})
    withdrawn = _link(r.text)
    async with runtime.db.session() as s:
        from auction.users.models import User

        gone = await s.scalar(select(User.id).where(User.email == "vazgecildi@example.test"))
    r = await client.post(f"/staff/people/{gone}/active", headers={**HTML, **admin.headers}, data={"active": "0"})
    assert r.headers["location"] == "/staff/people?kaydedildi=deactivated"
    assert (await client.get(withdrawn)).status_code == 404
    # The link: a weak password is refused and the link stays usable; then it works once.
    weak = await _redeem(client, path, "kisa")
    assert weak.status_code == 422
    done = await _redeem(client, path)
    assert done.status_code == 200 and "Hesabınız açıldı" in done.text
    assert (await _token(client, "ayse@example.test")).status_code == 200
    again = await client.get(path)
    assert again.status_code == 404 and 'data-testid="link-invalid"' in again.text
    async with runtime.db.session() as s:
        actions = set((await s.scalars(select(AuditEntry.action))).all())
    assert {"office.created", "user.invited", "user.invite_accepted"} <= actions


async def test_an_invitation_dies_at_its_ttl(client, runtime, make_actor):
    admin = await make_actor("admin")
    r = await client.post("/staff/people", headers={**HTML, **admin.headers},
                          data={"email": "late@example.test", "full_name": "Geç Kalan", "role": "admin"})
    path = _link(r.text)
    mc = clock.ManualClock(clock.now() + timedelta(hours=runtime.settings.invite_ttl_hours, seconds=1))
    previous = clock.set_clock(mc)
    try:
        assert (await client.get(path)).status_code == 404
    finally:
        clock.set_clock(previous)


async def test_a_mudur_administers_his_own_office_only(client, runtime, office, make_actor):
    from auction.users import service as users

    async with runtime.db.session() as s:
        await users.create_office(s, code="ANK-02", name="Ankara 2. İcra Dairesi", city="Ankara")
    mudur = await make_actor("manager", office.code)
    clerk = await make_actor("staff", office.code)
    stranger = await make_actor("staff", "ANK-02")
    bidder = await make_actor("bidder")
    page = await client.get("/staff/people", headers={**HTML, **mudur.headers})
    assert clerk.email in page.text and stranger.email not in page.text and bidder.email not in page.text
    assert 'value="admin"' not in page.text  # a müdür invites no admins
    r = await client.post("/staff/people", headers={**HTML, **mudur.headers},
                          data={"email": "x@example.test", "full_name": "X Y", "role": "admin"})
    assert r.status_code == 403
    r = await client.post("/staff/people", headers={**HTML, **mudur.headers},
                          data={"email": "x@example.test", "full_name": "X Y", "role": "staff", "office": "ANK-02"})
    assert r.status_code == 403
    r = await client.post(f"/staff/people/{stranger.user.id}/reset", headers={**HTML, **mudur.headers})
    assert r.headers["location"] == "/staff/people?hata=office_scope"
    for path in ("/staff/people", "/staff/offices"):
        assert (await client.get(path, headers={**HTML, **clerk.headers})).status_code == 403
    assert (await client.get("/staff/offices", headers={**HTML, **mudur.headers})).status_code == 403
    # A reset ends the clerk's token at once; the link sets a new password, once.
    r = await client.post(f"/staff/people/{clerk.user.id}/reset", headers={**HTML, **mudur.headers})
    path = _link(r.text)
    assert path.startswith("/reset/")
    assert (await client.get("/api/v1/staff/queue", headers=clerk.headers)).status_code == 401
    assert (await _redeem(client, path)).status_code == 200
    assert (await _token(client, clerk.email)).status_code == 200
    assert (await client.get(path)).status_code == 404
    # Deactivation: the account's tokens stop working; the müdür cannot close his own.
    token = (await _token(client, clerk.email)).json()["access_token"]
    r = await client.post(f"/staff/people/{clerk.user.id}/active", headers={**HTML, **mudur.headers},
                          data={"active": "0"})
    assert r.headers["location"] == "/staff/people?kaydedildi=deactivated"
    r = await client.get("/api/v1/staff/queue", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    r = await client.post(f"/staff/people/{mudur.user.id}/active", headers={**HTML, **mudur.headers},
                          data={"active": "0"})
    assert r.headers["location"] == "/staff/people?hata=cannot_deactivate_self"
    async with runtime.db.session() as s:
        actions = set((await s.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == str(clerk.user.id))))
                      .all())
    assert {"user.reset_ordered", "user.password_reset", "user.deactivated"} <= actions
