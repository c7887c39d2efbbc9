"""Teminat (A-50 … A-57): providers, the signed bank callback, A-52 deadlines, exemptions, mektup,
withdrawal (OP-16, A-35) and refunds (OP-17)."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from auction.events.models import OutboxEvent
from tests.engine import local, open_lot, z

SECRET = "whsec_" + "c2VjcmV0LWZvci10aGUtYmFuay1jYWxsYmFjay0xMjM0"


def signed(body: dict, secret: str = SECRET, *, ts: datetime | None = None, msg_id: str = "msg_1") -> tuple[
        bytes, dict[str, str]]:
    raw = json.dumps(body)
    ts = ts or datetime.now(UTC)
    sig = Webhook(secret).sign(msg_id, ts, raw)
    return raw.encode(), {"webhook-id": msg_id, "webhook-timestamp": str(int(ts.timestamp())),
                          "webhook-signature": sig, "content-type": "application/json"}


async def test_simulated_deposit_is_confirmed_at_once(env, manual_clock, runtime):
    lot, _sale = await open_lot(env, manual_clock)
    a = await env.make_actor("bidder")
    r = await env.client.post(f"/api/v1/lots/{lot['id']}/deposits", headers=a.headers, json={})
    assert r.status_code == 201
    body = r.json()
    assert body["status"] == "confirmed"
    assert body["amount"] == "235000.00"
    assert body["payment"]["provider"] == "simulated"
    again = await env.client.post(f"/api/v1/lots/{lot['id']}/deposits", headers=a.headers)
    assert again.status_code == 200  # the same deposit, not a second one
    assert again.json()["id"] == body["id"]
    async with runtime.db.session() as s:
        ev = (await s.scalars(select(OutboxEvent).where(OutboxEvent.type == "deposit.confirmed"))).one()
    assert ev.data["amount"] == "235000.00"
    assert ev.data["deposit_id"] == body["id"]
    assert (await env.bid(a, lot["id"], "1175000.00")).status_code == 201


async def test_bank_callback_confirms_a_pending_deposit(env, manual_clock, runtime):
    lot, _sale = await open_lot(env, manual_clock)
    runtime.settings = runtime.settings.model_copy(update={"payments": "bank_callback",
                                                           "payment_callback_secret": SecretStr(SECRET)})
    a = await env.make_actor("bidder")
    r = await env.client.post(f"/api/v1/lots/{lot['id']}/deposits", headers=a.headers, json={})
    assert r.status_code == 201
    dep = r.json()
    assert dep["status"] == "pending"
    assert dep["payment"]["provider"] == "bank_callback"
    assert (await env.bid(a, lot["id"], "1175000.00")).json()["error"]["code"] == "teminat_required"
    payload = {"type": "payment.succeeded", "data": {"reference": dep["reference"], "amount": "235000.00",
                                                     "paid_at": z(manual_clock.now())}}
    raw, headers = signed(payload)
    bad = dict(headers, **{"webhook-signature": "v1,AAAA"})
    r = await env.client.post("/api/v1/payments/callback", content=raw, headers=bad)
    assert (r.status_code, r.json()["error"]["code"]) == (401, "callback_signature_invalid")
    raw_old, old = signed(payload, ts=datetime.now(UTC) - timedelta(minutes=10))
    assert (await env.client.post("/api/v1/payments/callback", content=raw_old, headers=old)).status_code == 401
    r = await env.client.post("/api/v1/payments/callback", content=raw, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "confirmed"}
    r = await env.client.post("/api/v1/payments/callback", content=raw, headers=headers)
    assert r.json() == {"status": "confirmed", "duplicate": True}  # idempotent
    async with runtime.db.session() as s:
        confirmed = (await s.scalars(select(OutboxEvent).where(OutboxEvent.type == "deposit.confirmed"))).all()
    assert len(confirmed) == 1
    assert (await env.bid(a, lot["id"], "1175000.00")).status_code == 201
    wrong = {"type": "payment.succeeded", "data": {"reference": dep["reference"], "amount": "1.00"}}
    raw2, h2 = signed(wrong, msg_id="msg_2")
    assert (await env.client.post("/api/v1/payments/callback", content=raw2, headers=h2)).status_code in (200, 422)


async def test_callback_without_secret_or_garbage(env, manual_clock, runtime):
    r = await env.client.post("/api/v1/payments/callback", content=b"{}")
    assert r.json()["error"]["code"] == "payments_not_configured"
    runtime.settings = runtime.settings.model_copy(update={"payment_callback_secret": SecretStr(SECRET)})
    raw, headers = signed({"type": "payment.succeeded"})
    r = await env.client.post("/api/v1/payments/callback", content=raw, headers=headers)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "callback_invalid")


async def test_a52_cash_and_mektup_deadlines(env, manual_clock):
    manual_clock.set(local(2026, 2, 13, 10))
    lot = await env.lot()
    sale = await env.sale(lot["id"], first_round_start=z(local(2026, 3, 2, 14)),
                          second_round_start=z(local(2026, 3, 30, 14)))
    late = await env.make_actor("bidder")
    manual_clock.set(local(2026, 3, 8, 23, 30))  # TM-11: 23:30 on the day before E (09.03 14:00) - still in time
    assert (await env.client.post(f"/api/v1/lots/{lot['id']}/deposits", headers=late.headers)).status_code == 201
    later = await env.make_actor("bidder")
    manual_clock.set(local(2026, 3, 8, 23, 30, 0, 1))
    r = await env.client.post(f"/api/v1/lots/{lot['id']}/deposits", headers=later.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "teminat_deadline_passed")
    # TM-12: a teminat mektubu until 17:00 on the last working day before E (Fri 06.03).
    m = await env.make_actor("bidder")
    manual_clock.set(local(2026, 3, 6, 17, 0, 0, 1))
    r = await env.client.post(f"/api/v1/sales/{sale['id']}/mektup", headers=env.staff.headers,
                              json={"user_id": m.user.id, "bank": "Ziraat", "mektup_no": "TM-1"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "teminat_deadline_passed")
    manual_clock.set(local(2026, 3, 6, 16, 59))
    r = await env.client.post(f"/api/v1/sales/{sale['id']}/mektup", headers=env.staff.headers,
                              json={"user_id": m.user.id, "bank": "Ziraat", "mektup_no": "TM-1"})
    assert r.status_code == 201, r.text
    assert (r.json()["kind"], r.json()["status"]) == ("mektup", "confirmed")


async def test_exemptions_a53(env, manual_clock, runtime):
    manual_clock.set(local(2026, 2, 13, 10))
    lot = await env.lot()
    case_id = lot["case_id"]
    creditor_user = await env.make_actor("bidder")
    co_owner = await env.make_actor("bidder")
    requester = (await env.client.post(f"/api/v1/cases/{case_id}/creditors", headers=env.staff.headers, json={
        "name": "Alacaklı Ltd.", "kind": "haciz", "claim_total": "150000.00", "sale_requester": True,
        "user_id": creditor_user.user.id})).json()
    other = (await env.client.post(f"/api/v1/cases/{case_id}/creditors", headers=env.staff.headers, json={
        "name": "Başka Alacaklı", "kind": "haciz", "claim_total": "900000.00"})).json()
    sale = await env.sale(lot["id"], first_round_start=z(local(2026, 3, 2, 14)))
    # Ex 1: the sale-requesting creditor with a claim of 150,000.00 owes 85,000.00 (A-53, OP-15).
    r = await env.client.post(f"/api/v1/sales/{sale['id']}/exemptions", headers=env.staff.headers, json={
        "user_id": creditor_user.user.id, "basis": "creditor", "creditor_id": requester["id"], "mahsuben": True})
    assert r.status_code == 201, r.text
    assert (r.json()["covered"], r.json()["teminat_due"], r.json()["mahsuben"]) == ("150000.00", "85000.00", True)
    d = await env.client.post(f"/api/v1/lots/{lot['id']}/deposits", headers=creditor_user.headers)
    assert d.json()["amount"] == "85000.00"
    # Only the requester (OP-15 default): another creditor is refused.
    r = await env.client.post(f"/api/v1/sales/{sale['id']}/exemptions", headers=env.staff.headers, json={
        "user_id": co_owner.user.id, "basis": "creditor", "creditor_id": other["id"]})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "not_sale_requester")
    # A co-owner of half: share × M = 1,175,000.00 covers the whole teminat; no deposit, but the
    # şartname must still be accepted before bidding.
    r = await env.client.post(f"/api/v1/sales/{sale['id']}/exemptions", headers=env.staff.headers, json={
        "user_id": co_owner.user.id, "basis": "co_owner", "share": "0.5"})
    assert r.json()["teminat_due"] == "0.00"
    d = await env.client.post(f"/api/v1/lots/{lot['id']}/deposits", headers=co_owner.headers)
    assert (d.status_code, d.json()["error"]["code"]) == (409, "teminat_exempt")
    manual_clock.set(local(2026, 3, 2, 14))
    await env.tick()
    r = await env.bid(co_owner, lot["id"], "1175000.00")
    assert (r.status_code, r.json()["error"]["code"]) == (403, "sartname_not_accepted")
    acc = await env.client.post(f"/api/v1/lots/{lot['id']}/sartname/accept", headers=co_owner.headers)
    assert acc.status_code == 200
    assert acc.json()["sartname_hash"] == sale["sartname_hash"]
    assert (await env.bid(co_owner, lot["id"], "1175000.00")).status_code == 201
    assert (await env.bid(creditor_user, lot["id"], "1186750.00")).status_code == 201


async def test_withdrawal_op16_and_the_highest_bidder_a35(env, manual_clock, runtime):
    lot, _sale = await open_lot(env, manual_clock)
    a = await env.bidder(lot["id"])
    b = await env.bidder(lot["id"])
    await env.bid(a, lot["id"], "1175000.00")
    r = await env.client.post(f"/api/v1/lots/{lot['id']}/deposits/withdraw", headers=a.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "highest_bidder_cannot_withdraw")
    await env.bid(b, lot["id"], "1186750.00")
    r = await env.client.post(f"/api/v1/lots/{lot['id']}/deposits/withdraw", headers=a.headers)
    assert r.status_code == 200, r.text
    assert r.json()["refund_id"]
    r = await env.bid(a, lot["id"], "1300000.00")
    assert (r.status_code, r.json()["error"]["code"]) == (403, "teminat_required")
    r = await env.client.post(f"/api/v1/lots/{lot['id']}/deposits", headers=a.headers)
    assert r.json()["error"]["code"] == "teminat_withdrawn"
    assert await env.refunds() == 1  # released at once, not at the tutanak
    async with runtime.db.session() as s:
        refunded = (await s.scalars(select(OutboxEvent).where(OutboxEvent.type == "deposit.refunded"))).one()
    assert refunded.data["reason"] == "withdrawn"
    assert refunded.data["user_id"] == a.user.id


async def test_refunds_wait_for_the_tutanak_op17(env, manual_clock, runtime):
    lot, sale = await open_lot(env, manual_clock)
    a = await env.bidder(lot["id"])
    b = await env.bidder(lot["id"])
    await env.bid(a, lot["id"], "1175000.00")
    await env.bid(b, lot["id"], "1186750.00")
    manual_clock.advance(days=7, seconds=1)
    await env.tick()
    refunds = (await env.client.get(f"/api/v1/sales/{sale['id']}/refunds", headers=env.staff.headers)).json()
    assert [(x["status"], x["amount"]) for x in refunds] == [("held", "235000.00")]  # a's; b won
    assert await env.refunds() == 0
    manual_clock.advance(hours=20)
    r = await env.client.post(f"/api/v1/sales/{sale['id']}/tutanak/post", headers=env.staff.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "role_required")  # the müdür posts
    # the müdür reviews the outage report before posting the tutanak.
    await env.client.post(f"/api/v1/sales/{sale['id']}/outage-report/review", headers=env.manager.headers)
    r = await env.client.post(f"/api/v1/sales/{sale['id']}/tutanak/post", headers=env.manager.headers)
    assert r.status_code == 200
    refunds = (await env.client.get(f"/api/v1/sales/{sale['id']}/refunds", headers=env.staff.headers)).json()
    assert refunds[0]["status"] == "due"
    assert refunds[0]["due_by"]  # TM-22: within 3 working days
    assert await env.refunds() == 1
    r = await env.client.post(f"/api/v1/sales/{sale['id']}/tutanak/post", headers=env.manager.headers)
    assert r.status_code == 409


@pytest.mark.parametrize("status", ["round_closed"])
async def test_no_deposits_between_close_and_tutanak(env, manual_clock, status):
    lot, _sale = await open_lot(env, manual_clock)
    manual_clock.advance(days=7, seconds=1)
    await env.tick()
    x = await env.make_actor("bidder")
    r = await env.client.post(f"/api/v1/lots/{lot['id']}/deposits", headers=x.headers)
    assert (r.status_code, r.json()["error"]["code"], r.json()["error"]["details"]["status"]) == (
        409, "deposits_closed", status)
