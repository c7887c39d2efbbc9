"""`WS /ws/lots/{id}`: snapshot, replay, live events, each once, in seq order, no gaps (one process,
real uvicorn, real WebSocket clients; SQLite, or PostgreSQL + Redis in CI's second pass)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import websockets

from auction.bidding import service as bidding
from auction.broker import InProcessBroker
from auction.users import service as user_service
from tests.engine import Env, open_lot
from tests.livesupport import eventually
from tests.web.live.conftest import Served, recv_json, recv_until_seq, seqs


class Bidding:
    """Alternating bidders at the minimum next bid, through the HTTP API."""

    def __init__(self, env: Env, lot_id: int, bidders: list[Any]) -> None:
        self.env, self.lot_id, self.bidders, self.n = env, lot_id, bidders, 0

    async def one(self) -> dict[str, Any]:
        lot = await self.env.get_lot(self.lot_id)
        actor = self.bidders[self.n % len(self.bidders)]
        self.n += 1
        r = await self.env.bid(actor, self.lot_id, lot["min_next_bid"])
        assert r.status_code == 201, r.text
        body: dict[str, Any] = r.json()
        return body


async def _lot_with_bidders(env: Env, manual_clock: Any, n: int = 2) -> tuple[int, Bidding]:
    lot, _ = await open_lot(env, manual_clock)
    bidders = [await env.bidder(lot["id"]) for _ in range(n)]
    return lot["id"], Bidding(env, lot["id"], bidders)


async def test_snapshot_replay_then_live_each_once_in_order(env, manual_clock, served: Served, delivery):
    lot_id, bids = await _lot_with_bidders(env, manual_clock)
    for _ in range(3):
        await bids.one()  # seq 2, 3, 4 (round_opened is 1)
    ws = await served.connect(f"/ws/lots/{lot_id}?after_seq=0")
    snapshot = await recv_json(ws)
    assert snapshot["type"] == "snapshot"
    assert snapshot["seq"] == 4
    assert snapshot["lot"]["id"] == lot_id and snapshot["lot"]["round_status"] == "open"
    assert snapshot["lot"]["current_price"] is not None and snapshot["lot"]["ends_at"]
    assert snapshot["server_time"].endswith("Z")
    replay = await recv_until_seq(ws, 4)
    assert [m["type"] for m in replay] == ["round_opened", "bid", "bid", "bid"]
    assert seqs(replay) == [1, 2, 3, 4]
    placed = [await bids.one() for _ in range(5)]
    live = await recv_until_seq(ws, placed[-1]["seq"])
    assert seqs(live) == [5, 6, 7, 8, 9]
    for event, answer in zip(live, placed, strict=True):
        # The contract's shape; every event carries ends_at for the countdown.
        assert event["type"] == "bid"
        assert {"seq", "amount", "at", "bidder", "ends_at", "min_next_bid"} <= set(event)
        assert (event["amount"], event["at"], event["ends_at"]) == (answer["amount"], answer["at"], answer["ends_at"])
    assert (served.hub.stats.direct > 0) == (delivery == "direct")
    await ws.close()


async def test_without_after_seq_only_the_snapshot_and_live_events(env, manual_clock, served: Served):
    lot_id, bids = await _lot_with_bidders(env, manual_clock)
    await bids.one()
    ws = await served.connect(f"/ws/lots/{lot_id}")
    assert (await recv_json(ws))["seq"] == 2
    answer = await bids.one()
    assert seqs(await recv_until_seq(ws, answer["seq"])) == [3]
    await ws.close()


async def test_an_extension_reaches_the_countdown_at_once(env, manual_clock, served: Served):
    lot_id, bids = await _lot_with_bidders(env, manual_clock)
    ws = await served.connect(f"/ws/lots/{lot_id}")
    snapshot = await recv_json(ws)
    ends_at = snapshot["lot"]["ends_at"]
    # Into the anti-sniping window (law ruleset: the last 10 minutes).
    rounds = snapshot["lot"]["sale"]["rounds"]
    from datetime import datetime

    end = datetime.fromisoformat(rounds[0]["ends_at"].replace("Z", "+00:00"))
    manual_clock.set(end - timedelta(minutes=2))
    answer = await bids.one()
    assert answer["extended"] is True
    events = await recv_until_seq(ws, answer["seq"] + 1)
    assert [e["type"] for e in events] == ["bid", "extended"]
    assert events[1]["ends_at"] == answer["ends_at"] != ends_at
    assert events[0]["ends_at"] == answer["ends_at"]
    await ws.close()


async def test_a_reconnect_with_after_seq_gets_exactly_what_it_missed(env, manual_clock, served: Served, delivery):
    lot_id, bids = await _lot_with_bidders(env, manual_clock)
    steady = await served.connect(f"/ws/lots/{lot_id}")
    await recv_json(steady)
    flaky = await served.connect(f"/ws/lots/{lot_id}")
    await recv_json(flaky)
    first = [await bids.one() for _ in range(3)]
    got = await recv_until_seq(flaky, first[-1]["seq"])
    await flaky.close()
    last_seen = got[-1]["seq"]
    missed = [await bids.one() for _ in range(4)]
    flaky = await served.connect(f"/ws/lots/{lot_id}?after_seq={last_seen}")
    snapshot = await recv_json(flaky)
    assert snapshot["seq"] == missed[-1]["seq"]
    replayed = await recv_until_seq(flaky, missed[-1]["seq"])
    more = await bids.one()
    tail = await recv_until_seq(flaky, more["seq"])
    reference = await recv_until_seq(steady, more["seq"])
    assert seqs(replayed) == [m["seq"] for m in missed]
    assert replayed + tail == reference[len(first):]  # the very same messages, once each
    await steady.close()
    await flaky.close()


async def test_many_watchers_share_one_subscription_and_one_encoding(env, manual_clock, served: Served, runtime,
                                                                    delivery):
    lot_id, bids = await _lot_with_bidders(env, manual_clock)
    watchers = [await served.connect(f"/ws/lots/{lot_id}") for _ in range(60)]
    for ws in watchers:
        await recv_json(ws)
    if isinstance(runtime.broker, InProcessBroker):
        assert runtime.broker.subscriber_count(f"lot:{lot_id}") == 1
    else:
        assert f"lot:{lot_id}" in runtime.broker._subs and len(runtime.broker._subs[f"lot:{lot_id}"]) == 1
    encoded_before = served.hub.stats.frames_encoded
    placed = [await bids.one() for _ in range(5)]
    streams = await asyncio.gather(*(recv_until_seq(ws, placed[-1]["seq"]) for ws in watchers))
    assert all(seqs(s) == [p["seq"] for p in placed] for s in streams)
    assert served.hub.stats.frames_encoded - encoded_before == 5  # once per event, not per watcher
    for ws in watchers:
        await ws.close()


async def test_a_lost_broker_message_is_read_back_from_the_database(env, manual_clock, served: Served, runtime):
    """A bid whose fan-out message never arrives (as when Redis drops it): the next event shows the gap
    and the hole is read back; a lost LAST message is found by the safety poll."""
    lot_id, bids = await _lot_with_bidders(env, manual_clock)
    ws = await served.connect(f"/ws/lots/{lot_id}")
    await recv_json(ws)
    deaf = dataclasses.replace(runtime, broker=InProcessBroker())  # publishes to nobody

    async def silent_bid(actor: Any) -> int:
        lot = await env.get_lot(lot_id)
        async with runtime.db.session() as s:
            user = await user_service.get_user(s, actor.user.id)
            assert user is not None
            principal = user_service.principal_for(user, via="token")
            answer = await bidding.place_bid(s, deaf, principal, lot_id, Decimal(lot["min_next_bid"]))
        return int(answer.body["seq"])

    lost = await silent_bid(bids.bidders[0])
    bids.n = 1
    seen = await bids.one()
    assert seqs(await recv_until_seq(ws, seen["seq"])) == [lost, seen["seq"]]
    lost_last = await silent_bid(bids.bidders[0])
    got = await recv_until_seq(ws, lost_last, within=15)  # within a poll interval (2 s), not on a timer here
    assert seqs(got) == [lost_last]
    await ws.close()


async def test_a_lot_that_does_not_exist_and_a_bad_after_seq_are_closed_with_a_code(served: Served):
    ws = await served.connect("/ws/lots/987654")
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await recv_json(ws)
    assert closed.value.rcvd is not None and (closed.value.rcvd.code, closed.value.rcvd.reason) == (4404, "not_found")
    ws = await served.connect("/ws/lots/1?after_seq=-3")
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await recv_json(ws)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400


async def test_no_permessage_deflate_and_the_server_pings(env, manual_clock, served: Served):
    lot_id, _ = await _lot_with_bidders(env, manual_clock)
    ws = await served.connect(f"/ws/lots/{lot_id}", compression="deflate")  # the client offers it …
    assert ws.response is not None
    assert "sec-websocket-extensions" not in ws.response.headers  # … the server declines
    await recv_json(ws)
    served.hub.heartbeat()
    ping = json.loads(await asyncio.wait_for(ws.recv(), 5))
    assert ping["type"] == "ping" and ping["server_time"].endswith("Z")
    await ws.close()


@pytest.mark.settings(ws_max_per_ip=3)
async def test_connections_per_ip_are_bounded(env, manual_clock, served: Served):
    lot_id, _ = await _lot_with_bidders(env, manual_clock)
    allowed = [await served.connect(f"/ws/lots/{lot_id}") for _ in range(3)]
    for ws in allowed:
        await recv_json(ws)
    extra = await served.connect(f"/ws/lots/{lot_id}")
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await recv_json(extra)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4429
    await allowed[0].close()
    await eventually(lambda: served.hub.per_ip["127.0.0.1"] == 2, "the closed connection to be released")
    again = await served.connect(f"/ws/lots/{lot_id}")
    assert (await recv_json(again))["type"] == "snapshot"
    for ws in [*allowed[1:], again]:
        await ws.close()


async def test_a_session_cookie_counts_only_from_our_own_origin(env, manual_clock, served: Served, runtime):
    lot_id, bids = await _lot_with_bidders(env, manual_clock)
    await bids.one()  # bidders[0] is "Teklif 1"
    async with runtime.db.session() as s:
        user = await user_service.get_user(s, bids.bidders[0].user.id)
        assert user is not None
        cookie, _ = await user_service.start_web_session(s, user, ttl=timedelta(hours=1), ip=None, user_agent=None)
    headers = {"Cookie": f"esatis_session={cookie}"}
    ours = await served.connect(f"/ws/lots/{lot_id}", additional_headers=headers,
                                origin=websockets.Origin(f"http://127.0.0.1:{served.port}"))
    assert (await recv_json(ours))["you"] == {"bidder": "Teklif 1"}
    theirs = await served.connect(f"/ws/lots/{lot_id}", additional_headers=headers,
                                  origin=websockets.Origin("https://evil.example"))
    assert "you" not in await recv_json(theirs)  # the public view, as if no cookie had been sent
    for ws in (ours, theirs):
        await ws.close()
