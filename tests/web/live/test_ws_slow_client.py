"""A client that stops reading is dropped with a close frame; the others never wait for it."""

from __future__ import annotations

import asyncio
import socket

import pytest
import websockets

from tests.web.live.conftest import Served, recv_json, recv_until_seq, seqs
from tests.web.live.test_ws_lot import _lot_with_bidders


def _small_buffer_socket(port: int) -> socket.socket:
    # A tiny receive buffer, so the server's socket buffers fill after a few hundred events instead of
    # megabytes' worth (loopback buffers are large): the behaviour is the same, the test is faster.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    return sock


@pytest.mark.settings(ws_send_queue=16, ws_socket_buffer=4096)
async def test_a_client_that_stops_reading_is_dropped_and_the_others_keep_up(env, manual_clock, served: Served,
                                                                             delivery):
    lot_id, bids = await _lot_with_bidders(env, manual_clock)
    fast = [await served.connect(f"/ws/lots/{lot_id}") for _ in range(5)]
    for ws in fast:
        await recv_json(ws)
    # The stuck client: reads nothing once connected (its library stops reading the socket after 4
    # queued messages, then the kernel buffers fill, then the server's send queue).
    stuck = await websockets.connect(f"{served.ws_base}/ws/lots/{lot_id}", sock=_small_buffer_socket(served.port),
                                     max_queue=4)
    placed: list[int] = []
    # Bid on, and after EVERY bid wait until all fast clients have it: if the stuck client could hold
    # anyone up, this loop would stall (and time out) instead of finishing.
    for _ in range(2000):
        answer = await bids.one()
        placed.append(answer["seq"])
        for ws in fast:
            assert seqs(await recv_until_seq(ws, answer["seq"], within=10)) == [answer["seq"]]
        if served.hub.stats.dropped_slow >= 1:
            break
    else:
        pytest.fail("the stuck client was never dropped")
    assert len(placed) > 10
    # Now it reads again: what was already in the pipes, then the close frame that tells it to reconnect.
    received: list[int] = []
    snapshot_seq: list[int] = []

    async def read_all() -> None:
        async with asyncio.timeout(20):
            while True:
                message = await recv_json(stuck)
                if message["type"] == "snapshot":
                    snapshot_seq.append(message["seq"])  # taken when its connection was served: maybe after a bid
                else:
                    received.append(message["seq"])

    with pytest.raises(websockets.ConnectionClosed) as closed:
        await read_all()
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4000, "too_slow")
    expected = [seq for seq in placed if seq > snapshot_seq[0]]
    assert received == expected[:len(received)]  # a gap-free prefix: reconnecting with after_seq resumes it
    # It reconnects from where it stopped and gets exactly the rest; the fast ones were never dropped.
    resume_from = received[-1] if received else snapshot_seq[0]
    resumed = await served.connect(f"/ws/lots/{lot_id}?after_seq={resume_from}")
    await recv_json(resumed)
    rest = await recv_until_seq(resumed, placed[-1]) if resume_from < placed[-1] else []
    assert received + seqs(rest) == expected
    assert served.hub.stats.dropped_slow == 1
    for ws in [*fast, resumed]:
        await ws.close()


async def test_the_same_under_the_production_server(tmp_path):
    """`esatis serve` itself (uvicorn on uvloop, in-process workers): frames written straight to uvloop's
    transports, socket buffers bounded, a stuck client closed with 4000 while the others keep up."""
    from decimal import Decimal

    import httpx

    from auction.demo import DEMO_PASSWORD
    from tests.livesupport import start_server

    server = await asyncio.to_thread(start_server, tmp_path, demo=True, extra_env={
        "ESATIS_RATE_LIMITS": "off", "ESATIS_WS_SEND_QUEUE": "16", "ESATIS_WS_SOCKET_BUFFER": "4096",
        "ESATIS_LOG_LEVEL": "INFO"})
    try:
        port = int(server.url.rsplit(":", 1)[1])
        base = server.url.replace("http://", "ws://")
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            lot_id = 0
            for candidate in range(1, 10):  # the demo's live lot
                if (await http.get(f"/api/v1/lots/{candidate}")).json().get("round_status") == "open":
                    lot_id = candidate
                    break
            tokens = [(await http.post("/api/v1/auth/token", json={"email": f"alici{n}@esatis.test",
                                                                   "password": DEMO_PASSWORD})).json()["access_token"]
                      for n in (1, 2)]
            fast = [await websockets.connect(f"{base}/ws/lots/{lot_id}") for _ in range(3)]
            for ws in fast:
                await recv_json(ws)
            stuck = await websockets.connect(f"{base}/ws/lots/{lot_id}", sock=_small_buffer_socket(port), max_queue=4)
            amount = Decimal((await http.get(f"/api/v1/lots/{lot_id}")).json()["min_next_bid"])
            placed: list[int] = []
            for n in range(2000):
                r = await http.post(f"/api/v1/lots/{lot_id}/bids", json={"amount": str(amount)},
                                    headers={"Authorization": f"Bearer {tokens[n % 2]}"})
                assert r.status_code == 201, r.text
                amount = Decimal(r.json()["min_next_bid"])
                placed.append(r.json()["seq"])
                for ws in fast:
                    assert seqs(await recv_until_seq(ws, placed[-1], within=10)) == [placed[-1]]
                if "live_client_too_slow" in server.log_path.read_text(errors="replace"):
                    break
            else:
                pytest.fail("the stuck client was never dropped")

            async def read_all() -> None:
                async with asyncio.timeout(20):
                    while True:
                        await stuck.recv()

            with pytest.raises(websockets.ConnectionClosed) as closed:
                await read_all()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4000
            for ws in fast:
                await ws.close()
    finally:
        server.stop()
