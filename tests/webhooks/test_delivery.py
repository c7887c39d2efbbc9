"""Delivery end to end: a real HTTP receiver verifies every request with the Standard Webhooks library;
retries keep the webhook-id and body; a rolled-back change sends nothing; 410 disables; the circuit opens
and tells the admins; redelivery; rotation overlap; one slow endpoint never holds back another."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from auction.events import service as events
from auction.notifications.models import Notification, OutboundMessage
from auction.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from auction.webhooks.signing import SecretBox
from tests.webhooks.receiver import Answer, Received

WON = {"sale_id": 7, "lot_id": None, "round": 1, "price": "1500000.00", "buyer_user_id": None, "bid_id": 3}


def verify(secret: str, r: Received) -> dict:
    """What a receiver does: the library's verifier on the raw body and the headers."""
    return Webhook(secret).verify(r.body, r.headers)


async def test_signed_delivery_retries_with_the_same_id_until_a_2xx(hooks, receiver, manual_clock):
    ep = await hooks.endpoint(receiver.url("/hook"))
    assert ep["secret"].startswith("whsec_")
    receiver.answer("/hook", Answer(500, b"database down"), Answer(200, b"thanks"))
    event_id = await hooks.emit("sale.won", WON)
    await hooks.deliver()
    first, = await receiver.wait_for(1)
    body = verify(ep["secret"], first)
    assert body["type"] == "sale.won" and body["data"]["sale_id"] == 7
    assert first.headers["webhook-id"] == event_id

    log = await hooks.log(ep["id"])
    failed, = log["attempts"]
    assert (failed["status_code"], failed["outcome"], failed["attempt"]) == (500, "http_error", 1)
    assert failed["response_excerpt"] == "database down" and failed["duration_ms"] >= 0
    assert failed["next_retry_at"] is not None and failed["delivery_status"] == "pending"
    assert await hooks.dispatch() == 0  # not due yet: the backoff holds it

    manual_clock.advance(seconds=hooks.policy.delays[0] * (1 + hooks.policy.jitter) + 1)
    assert await hooks.dispatch() == 1
    first, second = await receiver.wait_for(2)
    assert second.headers["webhook-id"] == first.headers["webhook-id"] == event_id
    assert second.body == first.body  # the same bytes on every retry
    assert verify(ep["secret"], second) == body
    log = await hooks.log(ep["id"])
    assert [(a["attempt"], a["status_code"], a["delivery_status"]) for a in log["attempts"]] == [
        (2, 200, "succeeded"), (1, 500, "succeeded")]
    assert log["waiting"] == []


async def test_a_rolled_back_change_sends_nothing(hooks, receiver):
    await hooks.endpoint(receiver.url("/hook"))

    class Boom(Exception):
        pass

    async def change_that_fails() -> None:
        async with hooks.runtime.db.session() as s:
            events.emit(s, "sale.won", WON, subject_type="sale", subject_id=7, office_id=None)
            raise Boom

    with pytest.raises(Boom):
        await change_that_fails()
    await hooks.deliver()
    async with hooks.runtime.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
    # The same change committed is delivered: the pipeline was working all along.
    await hooks.emit("sale.won", WON)
    await hooks.deliver()
    assert len(await receiver.wait_for(1)) == 1
    assert len(receiver.requests) == 1


async def test_relaying_an_event_twice_still_delivers_it_once(hooks, receiver):
    from auction.events.models import OutboxEvent
    from auction.webhooks.consumer import WebhooksConsumer

    await hooks.endpoint(receiver.url("/hook"))
    await hooks.emit("sale.won", WON)
    consumer = WebhooksConsumer(None, None)
    for _ in range(2):
        async with hooks.runtime.db.session() as s:
            await consumer.consume(s, list((await s.scalars(select(OutboxEvent))).all()))
    await hooks.dispatch()
    await receiver.wait_for(1)
    async with hooks.runtime.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(WebhookDelivery)) == 1
    assert len(receiver.requests) == 1


async def test_an_unsubscribed_event_type_and_internal_events_never_leave(hooks, receiver):
    await hooks.endpoint(receiver.url("/hook"), events=("sale.failed",))
    await hooks.emit("sale.won", WON)
    await hooks.emit("bid.outbid", {"lot_id": None, "user_id": 1, "amount": "10.00"})
    await hooks.emit("sale.failed", {"sale_id": 7, "lot_id": None, "reason": "round2_failed"})
    await hooks.deliver()
    got, = await receiver.wait_for(1)
    assert json.loads(got.body)["type"] == "sale.failed"
    assert len(receiver.requests) == 1


async def test_410_disables_the_endpoint_and_tells_the_admins(hooks, receiver, admin):
    ep = await hooks.endpoint(receiver.url("/gone"))
    receiver.default["/gone"] = Answer(410, b"no such hook")
    await hooks.emit("sale.won", WON)
    await hooks.emit("sale.won", {**WON, "sale_id": 8})
    hooks.policy = dataclasses.replace(hooks.policy, per_endpoint=1)  # one at a time: the second never goes
    await hooks.deliver()
    await receiver.wait_for(1)
    state = await hooks.get(ep["id"])
    assert (state["status"], state["disabled_reason"]) == ("disabled", "gone")
    log = await hooks.log(ep["id"])
    assert [a["outcome"] for a in log["attempts"]] == ["gone"]
    assert log["waiting"] == []  # the other delivery failed with the endpoint
    await hooks.emit("sale.won", {**WON, "sale_id": 9})
    await hooks.deliver()
    assert len(receiver.requests) == 1  # nothing more is sent to it
    await hooks.relay()  # the admins' notice rides the outbox too
    async with hooks.runtime.db.session() as s:
        kinds = (await s.scalars(select(Notification.kind).where(Notification.user_id == admin.user.id))).all()
        assert list(kinds) == ["webhook_disabled"]
        mail = (await s.scalars(select(OutboundMessage).where(OutboundMessage.user_id == admin.user.id))).one()
        assert mail.channel == "email" and "410" in mail.body


async def test_repeated_failures_open_the_circuit_tell_the_admins_and_a_probe_closes_it(
        hooks, receiver, admin, manual_clock):
    hooks.policy = dataclasses.replace(hooks.policy, failures_to_open=3, per_endpoint=1, cooldowns=(60, 300))
    ep = await hooks.endpoint(receiver.url("/down"))
    receiver.default["/down"] = Answer(503, b"maintenance")
    for n in range(4):
        await hooks.emit("sale.won", {**WON, "sale_id": 100 + n})
    await hooks.relay()
    sent = 0
    while sent < 3:  # the endpoint fails three attempts in a row (moving the clock past each backoff)
        sent += await hooks.dispatch()
        manual_clock.advance(seconds=10)
    state = await hooks.get(ep["id"])
    assert state["circuit"] == "open" and state["failure_streak"] == 3
    manual_clock.advance(seconds=30)  # every delivery is due again, but the circuit is open
    assert await hooks.dispatch() == 0
    assert len(receiver.requests) == 3
    await hooks.relay()
    async with hooks.runtime.db.session() as s:
        note = (await s.scalars(select(Notification).where(Notification.user_id == admin.user.id))).one()
        assert note.kind == "webhook_failing" and receiver.url("/down") in note.message
        assert (await s.scalars(select(OutboundMessage.channel).where(
            OutboundMessage.user_id == admin.user.id))).all() == ["email"]

    manual_clock.advance(seconds=61)  # cooled down: half-open, one probe at a time
    receiver.default["/down"] = Answer(200, b"back")
    assert await hooks.dispatch() == 1
    assert (await hooks.get(ep["id"]))["circuit"] == "closed"
    manual_clock.advance(seconds=400)
    while await hooks.dispatch():
        pass
    log = await hooks.log(ep["id"])
    assert {a["event_id"] for a in log["attempts"] if a["outcome"] == "success"} == {
        d["event_id"] for d in log["attempts"]}  # every event got through in the end
    assert len({a["event_id"] for a in log["attempts"]}) == 4


async def test_redeliver_one_event_or_every_failed_one_since_a_time(hooks, receiver, manual_clock):
    ep = await hooks.endpoint(receiver.url("/hook"))
    event_id = await hooks.emit("sale.won", WON)
    await hooks.deliver()
    await receiver.wait_for(1)
    r = await hooks.client.post(f"/api/v1/webhooks/endpoints/{ep['id']}/redeliver", headers=hooks.admin.headers,
                                json={"event_id": event_id})
    assert r.status_code == 202 and r.json()["event_ids"] == [event_id]
    await hooks.dispatch()
    first, again = await receiver.wait_for(2)
    assert again.headers["webhook-id"] == event_id and again.body == first.body
    verify(ep["secret"], again)

    # Two more events fail because the endpoint is disabled before they go; enabled again, "since" brings
    # back exactly those.
    since = manual_clock.now()
    manual_clock.advance(seconds=1)
    ids = [await hooks.emit("sale.won", {**WON, "sale_id": n}) for n in (11, 12)]
    await hooks.relay()
    r = await hooks.client.post(f"/api/v1/webhooks/endpoints/{ep['id']}/disable", headers=hooks.admin.headers)
    assert r.json()["status"] == "disabled"
    assert await hooks.dispatch() == 0
    r = await hooks.client.post(f"/api/v1/webhooks/endpoints/{ep['id']}/enable", headers=hooks.admin.headers)
    assert r.json()["status"] == "active"
    r = await hooks.client.post(f"/api/v1/webhooks/endpoints/{ep['id']}/redeliver", headers=hooks.admin.headers,
                                json={"since": since.isoformat()})
    assert r.status_code == 202 and sorted(r.json()["event_ids"]) == sorted(ids)
    await hooks.dispatch()
    got = await receiver.wait_for(4)
    assert sorted(g.headers["webhook-id"] for g in got[2:]) == sorted(ids)

    r = await hooks.client.post(f"/api/v1/webhooks/endpoints/{ep['id']}/redeliver", headers=hooks.admin.headers,
                                json={"event_id": "evt_nope"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "webhook_event_not_found"
    r = await hooks.client.post(f"/api/v1/webhooks/endpoints/{ep['id']}/redeliver", headers=hooks.admin.headers,
                                json={})
    assert r.status_code == 422


async def test_an_event_from_before_the_endpoint_can_be_redelivered_to_it(hooks, receiver):
    event_id = await hooks.emit("sale.won", WON)
    await hooks.deliver()  # no endpoint yet: nothing to deliver
    ep = await hooks.endpoint(receiver.url("/late"))
    r = await hooks.client.post(f"/api/v1/webhooks/endpoints/{ep['id']}/redeliver", headers=hooks.admin.headers,
                                json={"event_id": event_id})
    assert r.status_code == 202
    await hooks.dispatch()
    got, = await receiver.wait_for(1)
    assert verify(ep["secret"], got)["type"] == "sale.won" and got.headers["webhook-id"] == event_id


async def test_rotation_signs_with_both_secrets_during_the_overlap_then_only_the_new(hooks, receiver, manual_clock):
    ep = await hooks.endpoint(receiver.url("/hook"))
    old = ep["secret"]
    r = await hooks.client.post(f"/api/v1/webhooks/endpoints/{ep['id']}/rotate", headers=hooks.admin.headers,
                                json={"overlap_hours": 0.01})  # 36 s: receivers check the time
    assert r.status_code == 200
    new = r.json()["secret"]
    assert new != old and new.startswith("whsec_") and r.json()["previous_secret_until"]
    await hooks.emit("sale.won", WON)
    await hooks.deliver()
    got, = await receiver.wait_for(1)
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    assert verify(old, got) == verify(new, got)  # a receiver holding either secret accepts it

    manual_clock.advance(seconds=37)
    await hooks.emit("sale.won", {**WON, "sale_id": 8})
    await hooks.deliver()
    _, later = await receiver.wait_for(2)
    assert len(later.headers["webhook-signature"].split(" ")) == 1
    verify(new, later)
    with pytest.raises(WebhookVerificationError):
        verify(old, later)


async def test_test_ping_is_one_signed_attempt(hooks, receiver):
    ep = await hooks.endpoint(receiver.url("/ping"))
    receiver.answer("/ping", Answer(500))
    r = await hooks.client.post(f"/api/v1/webhooks/endpoints/{ep['id']}/test", headers=hooks.admin.headers)
    assert r.status_code == 202
    await hooks.dispatch()
    got, = await receiver.wait_for(1)
    body = verify(ep["secret"], got)
    assert body["type"] == "ping" and body["data"]["endpoint_id"] == ep["id"]
    log = await hooks.log(ep["id"])
    assert [(a["event_type"], a["status_code"], a["next_retry_at"], a["delivery_status"])
            for a in log["attempts"]] == [("ping", 500, None, "failed")]  # a test is not retried


async def test_one_slow_endpoint_never_delays_another(hooks, receiver):
    release = asyncio.Event()
    slow = await hooks.endpoint(receiver.url("/slow"))
    fast = await hooks.endpoint(receiver.url("/fast"))
    receiver.default["/slow"] = Answer(200, hold=release)
    for n in range(3):
        await hooks.emit("sale.won", {**WON, "sale_id": n})
    await hooks.relay()
    def tasks_of(endpoint: dict) -> list[asyncio.Task]:
        return [t for t in hooks.dispatcher._tasks if t.get_name().startswith(f"webhook:{endpoint['id']}:")]

    try:
        # Passes of the dispatcher's own loop, without waiting for the attempts in flight: the slow
        # endpoint's slots stay taken while every delivery to the fast one goes through.
        for _ in range(10):
            await hooks.dispatcher.run_once()
            if fast_tasks := tasks_of(fast):
                await asyncio.wait(fast_tasks, timeout=30)
            if len((await hooks.log(fast["id"]))["attempts"]) == 3:
                break
        log = await hooks.log(fast["id"])
        assert [a["status_code"] for a in log["attempts"]] == [200, 200, 200]
        assert len(receiver.on("/slow")) == hooks.policy.per_endpoint  # held, and no more than its share
        assert len(tasks_of(slow)) == hooks.policy.per_endpoint
        assert (await hooks.log(slow["id"]))["attempts"] == []  # still in flight
    finally:
        release.set()
    await hooks.dispatcher.drain()
    while await hooks.dispatch():
        pass
    assert len(receiver.on("/slow")) == 3


async def test_secrets_are_encrypted_at_rest(hooks, receiver):
    ep = await hooks.endpoint(receiver.url("/hook"))
    async with hooks.runtime.db.session() as s:
        row = await s.get(WebhookEndpoint, ep["id"])
        assert row is not None
        assert ep["secret"] not in row.secret_enc and row.secret_enc.startswith("v1:")
        assert ep["secret"][6:20] not in row.secret_enc
        assert ep["secret_hint"] == row.secret_hint == ep["secret"][:10] + "…"
    listed = (await hooks.client.get("/api/v1/webhooks/endpoints", headers=hooks.admin.headers)).json()
    assert "secret" not in listed[0] and ep["secret"] not in json.dumps(listed)


async def test_attempt_rows_record_each_try(hooks, receiver):
    ep = await hooks.endpoint(receiver.url("/hook"))
    await hooks.emit("sale.won", WON)
    await hooks.deliver()
    await receiver.wait_for(1)
    async with hooks.runtime.db.session() as s:
        attempt = (await s.scalars(select(WebhookAttempt))).one()
        assert attempt.endpoint_id == ep["id"] and attempt.dispatcher == hooks.dispatcher.identity
        assert attempt.details == {"address": "127.0.0.1"}


async def test_old_deliveries_expire_instead_of_waiting_for_ever(hooks, receiver, manual_clock):
    ep = await hooks.endpoint(receiver.url("/hook"))
    await hooks.client.post(f"/api/v1/webhooks/endpoints/{ep['id']}/disable", headers=hooks.admin.headers)
    await hooks.client.post(f"/api/v1/webhooks/endpoints/{ep['id']}/enable", headers=hooks.admin.headers)
    hooks.policy = dataclasses.replace(hooks.policy, failures_to_open=1, cooldowns=(10 ** 6,))
    receiver.answer("/hook", Answer(500))
    await hooks.emit("sale.won", WON)
    await hooks.deliver()  # fails once; the circuit opens for far longer than max_age
    manual_clock.advance(hooks.policy.max_age + timedelta(seconds=1))
    hooks.dispatcher._next_expiry = 0
    await hooks.dispatch()
    log = await hooks.log(ep["id"])
    assert log["waiting"] == [] and log["attempts"][0]["delivery_status"] == "failed"


async def test_an_unreadable_secret_holds_only_its_own_endpoint(hooks, receiver):
    """ESATIS_SECRET_KEY changed: the endpoint whose secret no longer decrypts waits (until a rotation);
    every other endpoint is served."""
    broken = await hooks.endpoint(receiver.url("/broken"))
    fine = await hooks.endpoint(receiver.url("/fine"))
    async with hooks.runtime.db.session() as s:
        row = await s.get(WebhookEndpoint, broken["id"])
        row.secret_enc = SecretBox("another key entirely, thirty-two chars+").seal("whsec_QUJD")
    await hooks.emit("sale.won", WON)
    await hooks.deliver()
    await receiver.wait_for(1, "/fine")
    assert receiver.on("/broken") == [] and (await hooks.get(broken["id"]))["pending"] == 1
    r = await hooks.client.post(f"/api/v1/webhooks/endpoints/{broken['id']}/rotate", headers=hooks.admin.headers)
    assert r.json()["previous_secret_until"] is None  # the unreadable secret is not kept for an overlap
    await hooks.dispatch()
    got, = await receiver.wait_for(1, "/broken")
    verify(r.json()["secret"], got)
    assert fine["id"] != broken["id"]
