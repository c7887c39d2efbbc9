"""Live delivery across processes: two real app processes (`esatis serve --demo`, uvicorn) on the same
PostgreSQL database and Redis, many WebSocket clients on both, bids over HTTP against both.

- every client receives every event once, in seq order, without gaps, whichever process it is on and
  whichever process took the bid; a client that reconnects elsewhere with after_seq gets exactly what it
  missed; "you were outbid" reaches the user's channel across processes;
- a private Redis killed in the middle of the bidding and started again on the same port loses no event
  for any client (while it is down each process delivers its own events and polls for the other's).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import select

from auction.db import Database
from auction.demo import DEMO_PASSWORD
from auction.lots.models import Lot
from tests.conftest import ENV_DB, ENV_REDIS, _empty_all_tables
from tests.livesupport import LiveServer, eventually, start_server
from tests.redis_server import PrivateRedis

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

CLIENTS_PER_SERVER = 30


@dataclass
class Client:
    name: str
    ws: Any
    snapshot_seq: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None

    async def read(self) -> None:
        async for raw in self.ws:
            message = json.loads(raw)
            if message["type"] == "snapshot":
                self.snapshot_seq = message["seq"]
            elif message["type"] != "ping":
                self.events.append(message)

    @property
    def seqs(self) -> list[int]:
        return [e["seq"] for e in self.events]


@dataclass
class Cluster:
    servers: list[LiveServer]
    lot_id: int
    tokens: dict[str, str]
    http: httpx.AsyncClient
    min_next: Decimal = Decimal(0)
    bids: int = 0

    def ws_url(self, server: int, path: str) -> str:
        return self.servers[server].url.replace("http://", "ws://") + path

    async def watch(self, server: int, name: str, after_seq: int | None = None) -> Client:
        query = f"?after_seq={after_seq}" if after_seq is not None else ""
        ws = await websockets.connect(self.ws_url(server, f"/ws/lots/{self.lot_id}{query}"), open_timeout=20)
        client = Client(name, ws)
        client.task = asyncio.create_task(client.read())
        return client

    async def bid(self) -> int:
        """The next bid: the demo bidders in turn, against the two processes in turn."""
        who = ("alici1@esatis.test", "alici2@esatis.test")[self.bids % 2]
        server = self.servers[self.bids % 2]
        r = await self.http.post(f"{server.url}/api/v1/lots/{self.lot_id}/bids", json={"amount": str(self.min_next)},
                                 headers={"Authorization": f"Bearer {self.tokens[who]}"})
        assert r.status_code == 201, r.text
        self.bids += 1
        self.min_next = Decimal(r.json()["min_next_bid"])
        return int(r.json()["seq"])


def _assert_complete(clients: list[Client], last: int) -> None:
    for c in clients:
        assert c.seqs == list(range(c.snapshot_seq + 1, last + 1)), f"{c.name}: {c.seqs}"
    # And the same content everywhere (one encoding of one stored event).
    by_seq: dict[int, dict[str, Any]] = {}
    for c in clients:
        for e in c.events:
            assert by_seq.setdefault(e["seq"], e) == e


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.kill()


async def _cluster(tmp_path: Path, redis_url: str) -> AsyncIterator[Cluster]:
    db = Database(ENV_DB)
    await _empty_all_tables(db)
    env = {"ESATIS_RATE_LIMITS": "off"}
    servers: list[LiveServer] = []
    try:
        # One after the other: the first loads the demo data, the second finds it there.
        for name in ("a", "b"):
            servers.append(await asyncio.to_thread(start_server, tmp_path / name, database_url=ENV_DB,
                                                   redis_url=redis_url, demo=True, extra_env=env))
        async with db.sessionmaker() as s:
            lot_id = await s.scalar(select(Lot.id).where(Lot.title.startswith("Kadıköy")))
        assert lot_id is not None
        async with httpx.AsyncClient(timeout=30) as http:
            tokens = {}
            for email in ("alici1@esatis.test", "alici2@esatis.test"):
                r = await http.post(f"{servers[0].url}/api/v1/auth/token",
                                    json={"email": email, "password": DEMO_PASSWORD})
                tokens[email] = r.json()["access_token"]
            lot = (await http.get(f"{servers[0].url}/api/v1/lots/{lot_id}")).json()
            assert lot["round_status"] == "open"
            yield Cluster(servers, lot_id, tokens, http, Decimal(lot["min_next_bid"]))
    finally:
        for server in servers:
            server.stop()
        await _empty_all_tables(db)
        await db.dispose()


@pytest.fixture
async def cluster(tmp_path: Path, migrated_url: str) -> AsyncIterator[Cluster]:
    assert ENV_REDIS is not None
    async for c in _cluster(tmp_path, ENV_REDIS):
        yield c


@pytest.fixture
async def cluster_on_private_redis(tmp_path: Path, migrated_url: str,
                                   private_redis: PrivateRedis) -> AsyncIterator[tuple[Cluster, PrivateRedis]]:
    async for c in _cluster(tmp_path, private_redis.url):
        yield c, private_redis


async def _stop(clients: list[Client]) -> None:
    for c in clients:
        await c.ws.close()
        if c.task is not None:
            await asyncio.wait_for(c.task, 10)


async def test_every_client_on_both_processes_gets_every_bid_in_order(cluster: Cluster):
    clients = [await cluster.watch(i % 2, f"client{i}") for i in range(2 * CLIENTS_PER_SERVER)]
    await eventually(lambda: all(c.snapshot_seq for c in clients), "snapshots")
    # The user's own channel, on process a; alici1 is outbid by every bid of alici2, taken by process b.
    alici1 = {"Authorization": f"Bearer {cluster.tokens['alici1@esatis.test']}"}
    me = await websockets.connect(cluster.ws_url(0, "/ws/me"), additional_headers=alici1)
    me_snapshot = json.loads(await me.recv())
    flaky = await cluster.watch(0, "flaky")
    last = seen = 0
    for i in range(40):
        last = await cluster.bid()
        if i == 9:
            await eventually(lambda last=last: bool(flaky.seqs) and flaky.seqs[-1] == last, "flaky's first events")
            await flaky.ws.close()
            seen = flaky.seqs[-1]
    # Back, on the other process, from where it was.
    again = await cluster.watch(1, "flaky-again", after_seq=seen)
    await eventually(lambda: all(c.seqs and c.seqs[-1] == last for c in [*clients, again]), "every client", within=60)
    _assert_complete(clients, last)
    assert again.seqs == list(range(seen + 1, last + 1))
    outbid: list[dict[str, Any]] = []
    async with asyncio.timeout(30):
        while len(outbid) < 20:
            message = json.loads(await me.recv())
            if message["type"] == "notification" and message["kind"] == "outbid":
                outbid.append(message)
    assert [m["seq"] for m in outbid] == list(range(me_snapshot["seq"] + 1, me_snapshot["seq"] + 21))
    await me.close()
    await _stop([*clients, flaky, again])


async def test_redis_killed_and_restarted_mid_bidding_loses_nothing(cluster_on_private_redis):
    cluster, redis = cluster_on_private_redis
    clients = [await cluster.watch(i % 2, f"client{i}") for i in range(2 * CLIENTS_PER_SERVER)]
    await eventually(lambda: all(c.snapshot_seq for c in clients), "snapshots")
    last = 0
    for _ in range(15):
        last = await cluster.bid()
    redis.kill()
    for _ in range(15):  # both processes keep taking bids; fan-out between them has no Redis
        last = await cluster.bid()
    # Delivered while Redis is still down: each process's own events at once, the other's by polling.
    await eventually(lambda: all(c.seqs and c.seqs[-1] == last for c in clients), "delivery without Redis", within=60)
    redis.start()
    for _ in range(5):
        last = await cluster.bid()
        await asyncio.sleep(0.2)  # spread over the reconnection
    for _ in range(10):
        last = await cluster.bid()
    await eventually(lambda: all(c.seqs and c.seqs[-1] == last for c in clients), "every client", within=60)
    _assert_complete(clients, last)
    # It really was gone, and really came back: each server logs both (the reconnection runs on its own
    # backoff, so the clients may have caught up from the database before it is logged: wait for it).
    def both_logged(server: Any) -> bool:
        log = server.log_path.read_text(errors="replace")
        return "redis_broker_disconnected" in log and "redis_broker_reconnected" in log

    for server in cluster.servers:
        await eventually(lambda s=server: both_logged(s), f"the disconnect and the reconnect in {server.log_path.name}",
                         within=60)
    await _stop(clients)
