"""The machine's ceiling for WebSocket deliveries: a bare `websockets` broadcast server, nothing else.

    .venv/bin/python bench/ws_bench.py ceiling --watchers 1000 --rate 50     (runs this file as the server)

No database, no ASGI, no framework: one pre-encoded message per tick handed to `websockets.broadcast`
(which writes the frame to every connection without awaiting anything) - as fast as Python can push
WebSocket frames. The message has the shape and size of a live `bid` event, with `at` = the moment it
was broadcast, so the clients of `ws_bench.py` measure latency the same way for both servers. Reads one
line from stdin to start broadcasting (`go RATE DURATION`), prints its CPU time as JSON when done.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
from datetime import UTC, datetime

import websockets
from websockets.asyncio.server import ServerConnection, serve


def iso_ms(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


async def main(port: int) -> None:
    clients: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        clients.add(ws)
        try:
            now = iso_ms(datetime.now(UTC))
            snapshot = {"type": "snapshot", "seq": 0, "lot": {}, "server_time": now}
            await ws.send(json.dumps(snapshot, separators=(",", ":")))
            await ws.wait_closed()
        finally:
            clients.discard(ws)

    async with serve(handler, "127.0.0.1", port, compression=None, ping_interval=20, max_queue=16):
        print(json.dumps({"ready": port}), flush=True)
        loop = asyncio.get_running_loop()
        line = await loop.run_in_executor(None, sys.stdin.readline)
        _, rate_s, duration_s = line.split()
        rate, duration = float(rate_s), float(duration_s)
        before = resource.getrusage(resource.RUSAGE_SELF)
        start = loop.time()
        seq = 0
        while loop.time() - start < duration:
            seq += 1
            now = datetime.now(UTC)
            message = json.dumps({
                "type": "bid", "seq": seq, "amount": f"{1175000 + seq * 11750}.00", "at": iso_ms(now),
                "bidder": f"Teklif {seq % 7 + 1}", "ends_at": "2026-11-23T16:12:00.000Z",
                "min_next_bid": f"{1186750 + seq * 11750}.00", "round": 1}, separators=(",", ":"))
            websockets.broadcast(clients, message)
            await asyncio.sleep(max(0.0, start + seq / rate - loop.time()))
        after = resource.getrusage(resource.RUSAGE_SELF)
        print(json.dumps({"sent": seq, "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
                          "elapsed_s": loop.time() - start}), flush=True)
        await loop.run_in_executor(None, sys.stdin.readline)  # until told to stop


if __name__ == "__main__":
    try:
        import uvloop  # the event loop uvicorn uses for esatis

        uvloop.run(main(int(sys.argv[1])))
    except ImportError:
        asyncio.run(main(int(sys.argv[1])))
