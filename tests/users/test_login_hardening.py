"""Sign-in hardening (issue 16 A, docs/security.md): lock-out after repeated wrong passwords (429
`account_locked`, audited, lifted by time), session fixation prevented at the login form, one-time codes
sent per client IP limited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from auction.audit.models import AuditEntry
from auction.events.models import OutboxEvent
from auction.users.models import User
from tests.conftest import PASSWORD, make_settings
from tests.engine import manual_clock  # noqa: F401 - fixture
from tests.web.conftest import csrf_of

MAX_FAILURES = 3
OTP_PER_IP = 3


@pytest.fixture
def settings(migrated_url, tmp_path):
    return make_settings(migrated_url, tmp_path, login_max_failures=MAX_FAILURES, login_lockout_minutes=15,
                         otp_send_per_ip_hour=OTP_PER_IP)


async def _token(client, email: str, password: str):
    return await client.post("/api/v1/auth/token", json={"email": email, "password": password})


async def test_repeated_wrong_passwords_lock_the_account(client, bidder, runtime, manual_clock):  # noqa: F811
    for _ in range(MAX_FAILURES - 1):
        r = await _token(client, bidder.email, "yanlis-parola-1")
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "invalid_credentials"
    r = await _token(client, bidder.email, "yanlis-parola-1")
    assert r.status_code == 429
    body = r.json()["error"]
    assert body["code"] == "account_locked"
    assert "kilitlendi" in body["message"]
    assert "locked_until" in body["details"]
    assert r.headers.get("Retry-After")

    # Locked: even the right password is refused, and does not unlock it.
    r = await _token(client, bidder.email, PASSWORD)
    assert r.status_code == 429 and r.json()["error"]["code"] == "account_locked"

    async with runtime.db.session() as s:
        audit = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "user.locked"))).all()
    assert [(a.entity_type, a.entity_id) for a in audit] == [("user", str(bidder.user.id))]
    assert audit[0].data["failures"] == MAX_FAILURES
    async with runtime.db.session() as s:
        notices = (await s.scalars(select(OutboxEvent).where(OutboxEvent.type == "user.locked"))).all()
    assert [n.data["user_id"] for n in notices] == [bidder.user.id]  # the owner is told (account_locked)

    manual_clock.advance(timedelta(minutes=16))
    r = await _token(client, bidder.email, PASSWORD)
    assert r.status_code == 200, r.text
    async with runtime.db.session() as s:
        user = await s.get(User, bidder.user.id)
    assert user.failed_logins == 0 and user.locked_until is None


async def test_a_right_password_resets_the_count(client, bidder):
    for _ in range(MAX_FAILURES - 1):
        assert (await _token(client, bidder.email, "yanlis-parola-1")).status_code == 401
    assert (await _token(client, bidder.email, PASSWORD)).status_code == 200
    for _ in range(MAX_FAILURES - 1):
        assert (await _token(client, bidder.email, "yanlis-parola-1")).status_code == 401
    assert (await _token(client, bidder.email, PASSWORD)).status_code == 200


async def test_the_login_form_shows_the_lock(client, bidder):
    for _ in range(MAX_FAILURES):
        page = await client.get("/login")
        r = await client.post("/login", data={"email": bidder.email, "password": "yanlis-parola-1",
                                              "csrf_token": csrf_of(page.text), "next": "/"},
                              headers={"Accept": "text/html"})
    assert r.status_code == 429
    assert "kilitlendi" in r.text


async def test_login_replaces_the_session_the_browser_carried(client, bidder):
    """Session fixation: a session id the browser held before signing in is revoked, never kept."""
    async def login(carried: str | None = None) -> str:
        page = await client.get("/login")
        if carried:
            client.cookies.set("esatis_session", carried)
        r = await client.post("/login", data={"email": bidder.email, "password": PASSWORD,
                                              "csrf_token": csrf_of(page.text), "next": "/"})
        assert r.status_code == 303, r.text
        return r.cookies["esatis_session"]

    async def me(cookie: str) -> int:
        client.cookies.clear()
        client.cookies.set("esatis_session", cookie)
        return (await client.get("/api/v1/me")).status_code

    first = await login()
    assert await me(first) == 200
    client.cookies.clear()
    second = await login(carried=first)
    assert second != first
    assert await me(second) == 200
    assert await me(first) == 401


async def test_one_time_codes_sent_per_ip_are_limited(client, make_actor):
    """Two accounts from one IP share the IP's budget of code sends (each is an SMS)."""
    a = await make_actor("bidder")
    b = await make_actor("bidder")
    answers = []
    for actor in (a, b, a, b):
        r = await client.post("/api/v1/payments/999/resend", headers=actor.headers)
        answers.append((r.status_code, r.json()["error"]["code"]))
    assert answers[:OTP_PER_IP] == [(404, answers[0][1])] * OTP_PER_IP
    assert answers[OTP_PER_IP] == (429, "rate_limited")
    r = await client.post("/api/v1/sales/999/payments", headers={**a.headers, "Idempotency-Key": "k"},
                          json={"amount": "100.00"})
    assert r.status_code == 429
