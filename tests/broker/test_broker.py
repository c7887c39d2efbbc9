import asyncio

import pytest

from auction.broker import InProcessBroker, RedisBroker
from tests.conftest import ENV_REDIS


async def _roundtrip(broker):
    a = await broker.subscribe("lot:1")
    b = await broker.subscribe("lot:1")
    other = await broker.subscribe("lot:2")
    await asyncio.sleep(0.05)
    for i in range(3):
        await broker.publish("lot:1", {"seq": i})
    got_a = [await asyncio.wait_for(a.get(), 2) for _ in range(3)]
    got_b = [await asyncio.wait_for(b.get(), 2) for _ in range(3)]
    assert got_a == got_b == [{"seq": 0}, {"seq": 1}, {"seq": 2}]
    # Nothing of lot:1 reached lot:2: a marker published after is the first thing it gets (publishing may
    # be asynchronous, so an empty queue right now would prove nothing).
    await broker.publish("lot:2", {"seq": "marker"})
    assert await asyncio.wait_for(other.get(), 2) == {"seq": "marker"}
    for s in (a, b, other):
        await s.close()


async def test_in_process_fan_out():
    await _roundtrip(InProcessBroker())


async def test_a_slow_subscriber_overflows_without_blocking_others():
    broker = InProcessBroker()
    slow = await broker.subscribe("lot:9", maxsize=2)
    fast = await broker.subscribe("lot:9", maxsize=100)
    for i in range(10):
        await broker.publish("lot:9", {"seq": i})
    assert slow.overflowed
    assert slow.queue.qsize() == 2
    assert fast.queue.qsize() == 10
    assert not fast.overflowed
    await slow.close()
    assert broker.subscriber_count("lot:9") == 1


@pytest.mark.redis
async def test_redis_fan_out_between_two_brokers():
    publisher, subscriber = RedisBroker(ENV_REDIS), RedisBroker(ENV_REDIS)
    await publisher.start()
    await subscriber.start()
    try:
        for _ in range(50):
            if subscriber.connected:
                break
            await asyncio.sleep(0.05)
        sub = await subscriber.subscribe("esatis:test:lot:1")
        await asyncio.sleep(0.1)
        await publisher.publish("esatis:test:lot:1", {"seq": 1})
        assert await asyncio.wait_for(sub.get(), 3) == {"seq": 1}
        assert await publisher.ping()
        await sub.close()
    finally:
        await publisher.stop()
        await subscriber.stop()
