"""Redis stopped in the middle of the bidding (a private `redis-server`, SIGKILL) under a real
`esatis serve` with Redis fan-out and Redis rate limits on.

While it is gone bids are still accepted and recorded (the rate limiter fails open, the broker delivers
the process's own events locally) and a watcher receives each of them; once it is back the same process
publishes through Redis again (another subscriber of the lot's channel sees the next bid) and the watcher
still has every event once, in order. Multi-process delivery across the outage is proved by
tests/web/live/test_live_multiprocess.py."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from redis.asyncio import Redis

from tests.faults.support import bid_facts, open_round_now, process_env, require_binary
from tests.redis_server import PrivateRedis

pytestmark = pytest.mark.slow


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    require_binary("redis-server")
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.kill()


async def _read(ws: Any, seqs: list[int], snapshot: list[int]) -> None:
    async for raw in ws:
        message = json.loads(raw)
        if message["type"] == "snapshot":
            snapshot.append(int(message["seq"]))
        elif message["type"] not in ("ping", "_resync") and "seq" in message:
            seqs.append(int(message["seq"]))


async def _until(predicate: Any, what: str, within: float = 30.0) -> None:
    async with asyncio.timeout(within):
        while not predicate():  # noqa: ASYNC110 - polls state another task fills
            await asyncio.sleep(0.05)


async def test_bids_go_on_without_redis_and_fan_out_resumes(env, settings, tmp_path: Path,
                                                             private_redis: PrivateRedis):
    from tests.livesupport import start_server

    lot_id, round_id, (a, b) = await open_round_now(env, settings, 2)
    extra = {k: v for k, v in process_env(settings, tmp_path / "var").items() if k.startswith("ESATIS_")}
    extra["ESATIS_RATE_LIMITS"] = "on"  # limits in Redis too: they must fail open, not refuse bids
    server = await asyncio.to_thread(start_server, tmp_path / "app", database_url=settings.database_url,
                                     redis_url=private_redis.url, demo=False, extra_env=extra)
    seqs: list[int] = []
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            ws = await websockets.connect(server.url.replace("http://", "ws://") + f"/ws/lots/{lot_id}",
                                          open_timeout=20)
            snapshot: list[int] = []
            reader = asyncio.create_task(_read(ws, seqs, snapshot))
            # Subscribed and snapshotted before the first bid (else the bid may be in the snapshot itself).
            await _until(lambda: bool(snapshot), "the snapshot")

            async def bid(actor: Any) -> int:
                minimum = (await http.get(f"/api/v1/lots/{lot_id}")).json()["min_next_bid"]
                r = await http.post(f"/api/v1/lots/{lot_id}/bids", headers=actor.headers, json={"amount": minimum})
                assert r.status_code == 201, r.text
                return int(r.json()["seq"])

            first = await bid(a)
            await _until(lambda: first in seqs, "the first bid live")
            private_redis.kill()
            during = [await bid(b), await bid(a), await bid(b)]  # accepted and recorded with Redis gone
            await _until(lambda: during[-1] in seqs, "bids delivered while Redis is down")

            private_redis.start()  # back on the same port
            listener = Redis.from_url(private_redis.url)
            pubsub = listener.pubsub()
            await pubsub.psubscribe(f"*lot:{lot_id}")
            await _until(lambda: "redis_broker_reconnected" in server.log_path.read_text(errors="replace"),
                         "the broker reconnected", 60)
            after = await bid(a)
            through_redis: list[dict[str, Any]] = []
            async with asyncio.timeout(30):
                while not any(m.get("seq") == after for m in through_redis):
                    msg = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if msg is not None:
                        through_redis.append(json.loads(msg["data"]))
            await pubsub.aclose()
            await listener.aclose()
            await _until(lambda: after in seqs, "the bid after the return live")
            await ws.close()
            await asyncio.wait_for(reader, 10)
    finally:
        server.stop()
    assert seqs == sorted(set(seqs)) and seqs[0] == first and seqs[-1] == after  # once each, in order
    facts = await bid_facts(env.runtime, lot_id, round_id)
    assert len(facts["bids"]) == 5 and facts["bid_count"] == 5 and facts["bid_events"] == 5 and facts["chain_ok"]
    assert "redis_broker_disconnected" in server.log_path.read_text(errors="replace")
