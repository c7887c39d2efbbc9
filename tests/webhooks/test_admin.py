"""The admin API and pages: admins only, clear 4xx for bad input, an audit row for every change, the
secret shown once, the delivery log on the page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from auction.audit.models import AuditEntry
from tests.conftest import PASSWORD

ROUTES = [
    ("POST", "/api/v1/webhooks/endpoints", {"url": "http://127.0.0.1:9/x", "events": ["sale.won"]}),
    ("GET", "/api/v1/webhooks/endpoints", None),
    ("GET", "/api/v1/webhooks/endpoints/1", None),
    ("POST", "/api/v1/webhooks/endpoints/1/disable", None),
    ("POST", "/api/v1/webhooks/endpoints/1/enable", None),
    ("POST", "/api/v1/webhooks/endpoints/1/rotate", None),
    ("POST", "/api/v1/webhooks/endpoints/1/test", None),
    ("POST", "/api/v1/webhooks/endpoints/1/redeliver", {"event_id": "evt_x"}),
    ("GET", "/api/v1/webhooks/endpoints/1/deliveries", None),
]


@pytest.mark.parametrize("role", ["bidder", "staff", "manager", None])
async def test_only_admins_may_touch_webhooks(hooks, make_actor, office, role, receiver):
    ep = await hooks.endpoint(receiver.url("/hook"))
    assert ep["id"] == 1
    headers = (await make_actor(role, office.code if role in ("staff", "manager") else None)).headers if role else {}
    for method, path, body in ROUTES:
        r = await hooks.client.request(method, path, headers=headers, json=body)
        assert r.status_code == (403 if role else 401), (method, path, r.text)
        assert r.json()["error"]["code"] == ("role_required" if role else "unauthorized")
    for path in ("/yonetim/webhooklar", "/yonetim/webhooklar/1", "/yonetim/webhooklar/1/teslimatlar"):
        r = await hooks.client.get(path, headers=headers)
        assert r.status_code == (403 if role else 401), path
    state = await hooks.get(1)
    assert state["status"] == "active" and state["secret_hint"] == ep["secret_hint"]  # nothing changed


async def test_bad_input_gets_a_clear_4xx(hooks, receiver):
    c, h = hooks.client, hooks.admin.headers
    r = await c.post("/api/v1/webhooks/endpoints", headers=h, json={"url": receiver.url(), "events": ["sale.sold"]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "webhook_events_invalid"
    assert r.json()["error"]["details"]["unknown"] == ["sale.sold"]
    r = await c.post("/api/v1/webhooks/endpoints", headers=h, json={"url": receiver.url(), "events": []})
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"
    r = await c.post("/api/v1/webhooks/endpoints", headers=h, json={"url": "gopher://x", "events": ["sale.won"]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "webhook_url_invalid"
    r = await c.post("/api/v1/webhooks/endpoints", headers=h, json={"url": receiver.url(), "events": ["bid.outbid"]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "webhook_events_invalid"  # internal: never leaves
    assert (await c.get("/api/v1/webhooks/endpoints/99", headers=h)).json()["error"]["code"] == \
        "webhook_endpoint_not_found"
    ep = await hooks.endpoint(receiver.url())
    r = await c.post(f"/api/v1/webhooks/endpoints/{ep['id']}/redeliver", headers=h,
                     json={"event_id": "evt_1", "since": "2026-01-01T00:00:00Z"})
    assert r.status_code == 422
    r = await c.post(f"/api/v1/webhooks/endpoints/{ep['id']}/rotate", headers=h, json={"overlap_hours": -1})
    assert r.status_code == 422
    await c.post(f"/api/v1/webhooks/endpoints/{ep['id']}/disable", headers=h)
    r = await c.post(f"/api/v1/webhooks/endpoints/{ep['id']}/test", headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "webhook_endpoint_disabled"


async def test_every_change_is_audited_without_the_secret(hooks, receiver):
    c, h = hooks.client, hooks.admin.headers
    ep = await hooks.endpoint(receiver.url(), description="Banka entegrasyonu")
    rotated = (await c.post(f"/api/v1/webhooks/endpoints/{ep['id']}/rotate", headers=h)).json()["secret"]
    await c.post(f"/api/v1/webhooks/endpoints/{ep['id']}/test", headers=h)
    await c.post(f"/api/v1/webhooks/endpoints/{ep['id']}/disable", headers=h)
    await c.post(f"/api/v1/webhooks/endpoints/{ep['id']}/enable", headers=h)
    await c.post(f"/api/v1/webhooks/endpoints/{ep['id']}/redeliver", headers=h, json={"since": "2026-01-01T00:00:00Z"})
    async with hooks.runtime.db.session() as s:
        rows = (await s.scalars(select(AuditEntry).where(AuditEntry.entity_type == "webhook_endpoint")
                                .order_by(AuditEntry.id))).all()
    assert [r.action for r in rows] == [
        "webhook.endpoint_created", "webhook.secret_rotated", "webhook.test_sent", "webhook.endpoint_disabled",
        "webhook.endpoint_enabled", "webhook.redelivered"]
    assert all(r.actor_user_id == hooks.admin.user.id for r in rows)
    text = repr([r.data for r in rows])
    assert ep["secret"] not in text and rotated not in text


async def _login(client, email: str) -> str:
    page = await client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = await client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf})
    assert r.status_code == 303, r.text
    page = await client.get("/yonetim/webhooklar")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


async def test_the_admin_page_creates_shows_the_secret_once_and_lists_deliveries(hooks, receiver):
    c = hooks.client
    csrf = await _login(c, hooks.admin.email)
    page = await c.get("/yonetim/webhooklar")
    assert page.status_code == 200 and "Webhook uç noktaları" in page.text and 'lang="tr"' in page.text
    r = await c.post("/yonetim/webhooklar", data={"csrf_token": csrf, "url": receiver.url("/page"),
                                                  "description": "Tapu", "events": ["sale.won", "sale.failed"]})
    assert r.status_code == 200 and "yalnızca bir kez gösterilir" in r.text
    secret = re.search(r'value="(whsec_[^"]+)" data-testid="webhook-secret"', r.text).group(1)
    listed = await c.get("/yonetim/webhooklar")
    assert receiver.url("/page") in listed.text and secret not in listed.text  # never shown again
    assert secret not in (await c.get("/yonetim/webhooklar/1")).text

    r = await c.post("/yonetim/webhooklar/1/deneme", data={"csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"] == "/yonetim/webhooklar/1?ok=test"
    await hooks.dispatch()
    await receiver.wait_for(1)
    detail = await c.get("/yonetim/webhooklar/1?ok=test")
    assert "Deneme olayı sıraya alındı" in detail.text and 'data-testid="webhook-attempts"' in detail.text
    fragment = await c.get("/yonetim/webhooklar/1/teslimatlar")
    assert "<html" not in fragment.text and "ping" in fragment.text and "Başarılı" in fragment.text

    bad = await c.post("/yonetim/webhooklar", data={"csrf_token": csrf, "url": "ftp://x", "events": ["sale.won"]})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    none = await c.post("/yonetim/webhooklar", data={"csrf_token": csrf, "url": receiver.url(), "description": ""})
    assert none.status_code == 422 and "Olay türleri geçersiz" in none.text
    r = await c.post("/yonetim/webhooklar/1/anahtar", data={"csrf_token": csrf, "overlap_hours": "2"})
    assert r.status_code == 200 and "yenisiyle birlikte imzalamaya devam eder" in r.text
    r = await c.post("/yonetim/webhooklar/1/yeniden-gonder", data={"csrf_token": csrf, "event_id": "", "since": ""})
    assert r.status_code == 422 and "Bir olay kimliği ya da bir başlangıç zamanı girin" in r.text
    r = await c.post("/yonetim/webhooklar/1/devre-disi", data={"csrf_token": csrf})
    assert r.status_code == 303
    assert "Devre dışı" in (await c.get("/yonetim/webhooklar/1")).text
    r = await c.post("/yonetim/webhooklar/1/devre-disi", data={})
    assert r.status_code == 403  # a form without the CSRF token
    english = await c.get("/lang/en?next=/yonetim/webhooklar")
    assert english.status_code == 303
    assert "Webhook endpoints" in (await c.get("/yonetim/webhooklar")).text
