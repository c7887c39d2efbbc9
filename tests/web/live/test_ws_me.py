"""The per-user channel `WS /ws/me` and `GET /api/v1/notifications`: "you were outbid", "your teminat
is confirmed", from the outbox through the relay, replayed by `after_seq`, authenticated."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import websockets

from auction.users import service as user_service
from tests.engine import Env, open_lot
from tests.web.live.conftest import Served, recv_json, recv_until_seq
from workers.outbox_relay import OutboxRelay


def bearer(actor: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {actor.token}"}


async def relay(runtime: Any) -> None:
    """What the relay worker does after each commit's wake-up (the app under test runs no workers)."""
    await OutboxRelay(runtime).run_once()


async def _pay(env: Env, actor: Any, lot_id: int) -> None:
    r = await env.client.post(f"/api/v1/lots/{lot_id}/deposits", headers=actor.headers, json={})
    assert r.status_code == 201 and r.json()["status"] == "confirmed", r.text


async def _bid(env: Env, actor: Any, lot_id: int) -> dict[str, Any]:
    lot = await env.get_lot(lot_id)
    r = await env.bid(actor, lot_id, lot["min_next_bid"])
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_deposit_confirmed_and_outbid_reach_the_user_live(env, manual_clock, served: Served, runtime,
                                                                make_actor):
    lot, _ = await open_lot(env, manual_clock)
    alice, bob = await make_actor("bidder"), await make_actor("bidder")
    ws = await served.connect("/ws/me", additional_headers=bearer(alice))
    snapshot = await recv_json(ws)
    assert (snapshot["type"], snapshot["seq"], snapshot["unread"]) == ("snapshot", 0, 0)
    assert snapshot["server_time"].endswith("Z")
    await _pay(env, alice, lot["id"])
    await relay(runtime)
    confirmed = await recv_json(ws)
    assert (confirmed["type"], confirmed["seq"], confirmed["kind"]) == ("notification", 1, "deposit_confirmed")
    assert confirmed["title"] == "Teminatınız onaylandı"
    assert "Kadıköy'de 3+1 daire" in confirmed["message"] and "TL" in confirmed["message"]
    assert confirmed["lot_id"] == lot["id"] and confirmed["read_at"] is None
    await _pay(env, bob, lot["id"])
    await _bid(env, alice, lot["id"])
    await _bid(env, bob, lot["id"])
    await relay(runtime)
    outbid = await recv_json(ws)
    assert (outbid["seq"], outbid["kind"], outbid["title"]) == (2, "outbid", "Teklifiniz geçildi")
    assert "1.186.750,00 TL" in outbid["message"]
    assert outbid["data"]["amount"] == "1186750.00" and outbid["data"]["lot_id"] == lot["id"]
    await ws.close()


async def test_a_reconnect_with_after_seq_replays_exactly_the_missed_notifications(env, manual_clock, served: Served,
                                                                                   runtime, make_actor):
    lot, _ = await open_lot(env, manual_clock)
    alice, bob = await make_actor("bidder"), await make_actor("bidder")
    for actor in (alice, bob):
        await _pay(env, actor, lot["id"])
    await relay(runtime)
    ws = await served.connect("/ws/me", additional_headers=bearer(alice))
    assert (await recv_json(ws))["seq"] == 1
    await ws.close()
    for _ in range(3):  # alice, bob, alice, bob …: alice is outbid three times
        await _bid(env, alice, lot["id"])
        await _bid(env, bob, lot["id"])
    await relay(runtime)
    ws = await served.connect("/ws/me?after_seq=1", additional_headers=bearer(alice))
    assert (await recv_json(ws))["seq"] == 4
    missed = await recv_until_seq(ws, 4)
    assert [(m["seq"], m["kind"]) for m in missed] == [(2, "outbid"), (3, "outbid"), (4, "outbid")]
    await _bid(env, alice, lot["id"])
    await _bid(env, bob, lot["id"])
    await relay(runtime)
    assert (await recv_json(ws))["seq"] == 5
    await ws.close()


async def test_who_may_listen(served: Served, runtime, make_actor):
    alice = await make_actor("bidder")
    for headers, code, reason in [({}, 4401, "unauthorized"),
                                  ({"Authorization": "Bearer esat_nope"}, 4401, "invalid_token"),
                                  ({"Authorization": "Basic Zm9vOmJhcg=="}, 4401, "invalid_token")]:
        ws = await served.connect("/ws/me", additional_headers=headers)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await recv_json(ws)
        assert closed.value.rcvd is not None and (closed.value.rcvd.code, closed.value.rcvd.reason) == (code, reason)
    async with runtime.db.session() as s:
        user = await user_service.get_user(s, alice.user.id)
        assert user is not None
        cookie, _ = await user_service.start_web_session(s, user, ttl=timedelta(hours=1), ip=None, user_agent=None)
    cookie_header = {"Cookie": f"esatis_session={cookie}"}
    # A page on another site cannot use the user's cookie (cross-site WebSocket hijacking) …
    ws = await served.connect("/ws/me", additional_headers=cookie_header,
                              origin=websockets.Origin("https://evil.example"))
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await recv_json(ws)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    # … our own pages can.
    ws = await served.connect("/ws/me", additional_headers=cookie_header,
                              origin=websockets.Origin(f"http://127.0.0.1:{served.port}"))
    assert (await recv_json(ws))["type"] == "snapshot"
    await ws.close()


async def test_the_notifications_api(env, manual_clock, runtime, make_actor):
    lot, _ = await open_lot(env, manual_clock)
    alice, bob = await make_actor("bidder"), await make_actor("bidder")
    for actor in (alice, bob):
        await _pay(env, actor, lot["id"])
    await _bid(env, alice, lot["id"])
    await _bid(env, bob, lot["id"])
    await relay(runtime)
    client = env.client
    page = (await client.get("/api/v1/notifications", headers=alice.headers)).json()
    assert [(i["seq"], i["kind"]) for i in page["items"]] == [(2, "outbid"), (1, "deposit_confirmed")]
    assert (page["unread"], page["last_seq"]) == (2, 2)
    first = page["items"][1]
    r = await client.post(f"/api/v1/notifications/{first['id']}/read", headers=alice.headers)
    assert r.status_code == 200 and r.json()["read_at"] is not None
    assert (await client.get("/api/v1/notifications?unread=true", headers=alice.headers)).json()["unread"] == 1
    # Someone else's notification does not exist for you.
    assert (await client.post(f"/api/v1/notifications/{first['id']}/read", headers=bob.headers)).status_code == 404
    r = await client.post("/api/v1/notifications/read", headers=alice.headers, json={"up_to_seq": 2})
    assert r.json() == {"marked": 1, "unread": 0}
    older = (await client.get("/api/v1/notifications?before_seq=2", headers=alice.headers)).json()["items"]
    assert [i["seq"] for i in older] == [1]
    assert (await client.get("/api/v1/notifications")).status_code == 401
