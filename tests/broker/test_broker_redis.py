"""The Redis broker's hardening, against a private redis-server that these tests kill and restart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from auction.broker import RESYNC, InProcessBroker, RedisBroker, namespace_for
from tests.livesupport import eventually
from tests.redis_server import PrivateRedis


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.kill()


async def _connected(broker: RedisBroker, want: bool = True) -> None:
    await eventually(lambda: broker.connected == want, f"connected={want}", within=15)


@pytest.fixture
async def brokers(private_redis: PrivateRedis) -> AsyncIterator[tuple[RedisBroker, RedisBroker]]:
    a, b = RedisBroker(private_redis.url, namespace="t1"), RedisBroker(private_redis.url, namespace="t1")
    for broker in (a, b):
        await broker.start()
        await _connected(broker)
    try:
        yield a, b
    finally:
        await a.stop()
        await b.stop()


@pytest.mark.redis
async def test_subscribe_returns_only_once_redis_confirmed_it(brokers):
    a, b = brokers
    for i in range(20):
        # Published right after subscribe() returns: must arrive (no sleep in between).
        sub = await b.subscribe(f"lot:{i}")
        await a.publish(f"lot:{i}", {"seq": 1})
        assert await asyncio.wait_for(sub.get(), 5) == {"seq": 1}
        await sub.close()
    assert b.channel_count() == 0


@pytest.mark.redis
async def test_namespaces_keep_deployments_apart(private_redis, brokers):
    a, _ = brokers
    stranger = RedisBroker(private_redis.url, namespace="another-deployment")
    await stranger.start()
    await _connected(stranger)
    try:
        ours = await a.subscribe("lot:1")
        theirs = await stranger.subscribe("lot:1")
        await stranger.publish("lot:1", {"seq": 99})
        # Through Redis: the other deployment's own subscriber has it, so it reached every subscriber it
        # was going to reach before anything published after it.
        assert await asyncio.wait_for(theirs.get(), 5) == {"seq": 99}
        await a.publish("lot:1", {"seq": 1})
        assert await asyncio.wait_for(ours.get(), 5) == {"seq": 1}  # the first we get: 99 never came
    finally:
        await stranger.stop()
    assert namespace_for("postgresql+asyncpg://u:secret@db:5432/esatis") != namespace_for(
        "postgresql+asyncpg://u:secret@db:5432/esatis_staging")
    assert "secret" not in namespace_for("postgresql+asyncpg://u:secret@db:5432/esatis")


@pytest.mark.redis
async def test_a_restart_is_followed_by_a_resync_and_delivery_resumes(private_redis, brokers):
    a, b = brokers
    sub = await b.subscribe("lot:7")
    await a.publish("lot:7", {"seq": 1})
    assert await asyncio.wait_for(sub.get(), 5) == {"seq": 1}
    private_redis.kill()
    await _connected(b, want=False)
    assert not b.healthy
    # Down: publishing neither blocks nor raises …
    # Driven by hand, the publish runs to its end on the first step without suspending once: it cannot
    # have waited on the network (no clock involved).
    step = a.publish("lot:7", {"seq": 2})
    with pytest.raises(StopIteration):
        step.send(None)
    # … and a process still hears what it publishes itself.
    await b.publish("lot:7", {"seq": 3})
    got = [await asyncio.wait_for(sub.get(), 5) for _ in range(2)]
    assert got[0]["type"] == RESYNC and got[1] == {"seq": 3}
    private_redis.start()
    await _connected(b)
    assert (await asyncio.wait_for(sub.get(), 10))["type"] == RESYNC  # now read back what Redis lost
    assert b.reconnects >= 1
    await _connected(a)
    await a.publish("lot:7", {"seq": 4})
    assert await asyncio.wait_for(sub.get(), 10) == {"seq": 4}


async def test_a_resync_subscription_survives_a_burst():
    broker = InProcessBroker()
    sub = await broker.subscribe("lot:1", maxsize=4, on_overflow="resync")
    for i in range(10):
        await broker.publish("lot:1", {"seq": i})
    assert not sub.overflowed and sub.overflows > 0
    first = await sub.get()
    assert first["type"] == RESYNC
    await broker.publish("lot:1", {"seq": 10})
    rest = []
    while not sub.queue.empty():
        rest.append(await sub.get())
    assert rest[-1] == {"seq": 10}
