"""Changing the refund IBAN only with a one-time SMS code (issue 17, A-55): checksum, the code, its tries,
the audit trail, the page under the bidder's account."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from auction.audit.models import AuditEntry
from auction.users.models import RefundIbanChange, User
from tests.conftest import PASSWORD

VALID = "TR330006100519786457841326"
OTHER = "TR320010009999901234567890"  # another valid Turkish IBAN (mod 97 = 1)


@pytest.fixture
def sms_file(runtime: Any, tmp_path: Path) -> Path:
    path = tmp_path / "sms.jsonl"
    runtime.settings = runtime.settings.model_copy(update={"sms": f"file:{path}"})
    return path


def sms(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()] if path.exists() else []


async def _with_phone(runtime: Any, user_id: int, phone: str = "+905320000009") -> None:
    async with runtime.db.session() as s:
        await s.execute(update(User).where(User.id == user_id).values(phone=phone))


async def _audit(runtime: Any, prefix: str) -> list[AuditEntry]:
    async with runtime.db.session() as s:
        return list((await s.scalars(select(AuditEntry).where(AuditEntry.action.startswith(prefix))
                                     .order_by(AuditEntry.id))).all())


def test_other_is_a_valid_iban():
    from auction.users.service import normalise_iban

    assert normalise_iban(OTHER) == OTHER


async def test_change_with_the_code(client, bidder, runtime, sms_file):
    await _with_phone(runtime, bidder.user.id)
    h = bidder.headers
    bad = await client.put("/api/v1/me/refund-iban", headers=h, json={"iban": "TR340006100519786457841326"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "iban_invalid"
    assert sms(sms_file) == []
    r = await client.put("/api/v1/me/refund-iban", headers=h, json={"iban": "TR33 0006 1005 1978 6457 8413 26"})
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["status"] == "awaiting_code" and body["iban"] == "…1326" and body["code_sent_to"].endswith("09")
    [message] = sms(sms_file)
    assert message["to"] == "+905320000009" and "…1326" in message["text"] and message["code"] in message["text"]
    # Not changed before the code.
    assert (await client.get("/api/v1/me", headers=h)).json()["iban"] is None
    wrong = "000000" if message["code"] != "000000" else "111111"
    w = await client.post(f"/api/v1/me/refund-iban/{body['change_id']}/confirm", headers=h, json={"code": wrong})
    assert w.status_code == 422 and w.json()["error"]["code"] == "code_invalid"
    assert w.json()["error"]["details"]["remaining_attempts"] == 4  # the try was committed
    ok = await client.post(f"/api/v1/me/refund-iban/{body['change_id']}/confirm", headers=h,
                           json={"code": message["code"]})
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"status": "confirmed", "change_id": body["change_id"], "iban": VALID}
    assert (await client.get("/api/v1/me", headers=h)).json()["iban"] == VALID
    again = await client.post(f"/api/v1/me/refund-iban/{body['change_id']}/confirm", headers=h,
                              json={"code": message["code"]})
    assert again.status_code == 409 and again.json()["error"]["code"] == "iban_change_closed"
    same = await client.put("/api/v1/me/refund-iban", headers=h, json={"iban": VALID})
    assert same.status_code == 409 and same.json()["error"]["code"] == "iban_unchanged"
    # Every step audited, with the last four digits only.
    entries = await _audit(runtime, "user.refund_iban")
    assert [e.action for e in entries] == ["user.refund_iban_requested", "user.refund_iban_code_checked",
                                           "user.refund_iban_code_checked", "user.refund_iban_changed"]
    assert [e.data["outcome"] for e in entries[1:3]] == ["invalid", "verified"]
    assert entries[-1].data["iban"] == "…1326" and entries[-1].data["previous"] is None
    assert all(VALID not in json.dumps(e.data) for e in entries)
    # Someone else cannot confirm (or even see) the change.
    stranger_change = await client.post(f"/api/v1/me/refund-iban/{body['change_id']}/confirm",
                                        headers=(await _other(runtime, client)).headers, json={"code": "123456"})
    assert stranger_change.status_code == 404 and stranger_change.json()["error"]["code"] == "iban_change_not_found"


async def _other(runtime: Any, client: Any) -> Any:
    from datetime import timedelta

    from tests.conftest import actor_factory

    return await actor_factory(runtime, timedelta(hours=1))("bidder", email="baska@example.test")


async def test_no_phone_and_exhausted_tries_and_a_newer_request(client, bidder, runtime, sms_file):
    h = bidder.headers
    r = await client.put("/api/v1/me/refund-iban", headers=h, json={"iban": VALID})
    assert r.status_code == 409 and r.json()["error"]["code"] == "phone_required"
    await _with_phone(runtime, bidder.user.id)
    first = (await client.put("/api/v1/me/refund-iban", headers=h, json={"iban": VALID})).json()
    second = (await client.put("/api/v1/me/refund-iban", headers=h, json={"iban": OTHER})).json()
    stale = await client.post(f"/api/v1/me/refund-iban/{first['change_id']}/confirm", headers=h,
                              json={"code": sms(sms_file)[0]["code"]})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "iban_change_closed"  # superseded
    code = sms(sms_file)[-1]["code"]
    wrong = "000000" if code != "000000" else "111111"
    answers = [await client.post(f"/api/v1/me/refund-iban/{second['change_id']}/confirm", headers=h,
                                 json={"code": wrong}) for _ in range(5)]
    assert [a.json()["error"]["code"] for a in answers] == ["code_invalid"] * 4 + ["code_exhausted"]
    late = await client.post(f"/api/v1/me/refund-iban/{second['change_id']}/confirm", headers=h, json={"code": code})
    assert late.status_code == 409 and late.json()["error"]["code"] == "iban_change_closed"
    assert (await client.get("/api/v1/me", headers=h)).json()["iban"] is None
    async with runtime.db.session() as s:
        statuses = (await s.scalars(select(RefundIbanChange.status).order_by(RefundIbanChange.id))).all()
    assert list(statuses) == ["superseded", "cancelled"]


async def test_the_account_page(client, bidder, runtime, sms_file):
    await _with_phone(runtime, bidder.user.id)
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    await client.post("/login", data={"email": bidder.email, "password": PASSWORD, "csrf_token": token})
    form = await client.get("/hesabim/iban")
    assert form.status_code == 200 and 'data-testid="iban-form"' in form.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    bad = await client.post("/hesabim/iban", data={"csrf_token": csrf, "iban": "TR99 0000"})
    assert bad.status_code == 422 and "IBAN geçersiz" in bad.text
    sent = await client.post("/hesabim/iban", data={"csrf_token": csrf, "iban": VALID})
    assert sent.status_code == 200 and 'data-testid="iban-code-form"' in sent.text
    change_id = re.search(r'action="/hesabim/iban/(\d+)/onay"', sent.text).group(1)
    code = sms(sms_file)[-1]["code"]
    wrong = await client.post(f"/hesabim/iban/{change_id}/onay", data={"csrf_token": csrf, "code": "12"})
    assert wrong.status_code == 422 and 'aria-invalid="true"' in wrong.text
    done = await client.post(f"/hesabim/iban/{change_id}/onay", data={"csrf_token": csrf, "code": code})
    assert done.status_code == 303 and done.headers["location"] == "/hesabim/iban?degisti=1"
    shown = await client.get("/hesabim/iban?degisti=1")
    assert "İade IBAN&#39;ınız değiştirildi" in shown.text and "TR33 0006 1005 1978 6457 8413 26" in shown.text


async def test_a_phone_changed_without_a_code_waits_before_an_iban_change(client, runtime, sms_file):
    from datetime import UTC, datetime, timedelta

    from auction import clock
    from tests.conftest import actor_factory

    mc = clock.ManualClock(datetime.now(UTC))
    previous = clock.set_clock(mc)
    try:
        me = await actor_factory(runtime, timedelta(days=30))("bidder", email="telefon@example.test")
        r = await client.patch("/api/v1/me", headers=me.headers, json={"phone": "0532 000 00 77"})
        assert r.status_code == 200, r.text
        refused = await client.put("/api/v1/me/refund-iban", headers=me.headers, json={"iban": VALID})
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "phone_changed_recently"
        assert refused.json()["error"]["details"]["rule"].startswith("A-55 otp.refund_iban.phone_cooldown")
        assert sms(sms_file) == []
        mc.set(mc.now() + timedelta(hours=24, minutes=1))
        ok = await client.put("/api/v1/me/refund-iban", headers=me.headers, json={"iban": VALID})
        assert ok.status_code == 202, ok.text
        assert sms(sms_file)[-1]["to"] == "+905320000077"
    finally:
        clock.set_clock(previous)
