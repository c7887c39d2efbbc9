"""Live delivery benchmark: N watchers on one lot, bids at a given rate, deliveries/s, latency, CPU.

    .venv/bin/python bench/ws_bench.py run --watchers 1000 --rate 10 [--duration 20]
        [--servers 2 --database-url postgresql+asyncpg://root@127.0.0.1/esatis_bench --redis-url redis://…]
    .venv/bin/python bench/ws_bench.py ceiling --watchers 1000 --rate 50 [--duration 20]

`run` starts the real app as subprocesses (`esatis serve --demo`: uvicorn, the in-process workers, one
process; or two on PostgreSQL + Redis, watchers split between them and bids alternating), then client
processes (minimal asyncio WebSocket clients, at most 1,000 connections each) that connect to
`/ws/lots/{id}`, and a bidder process that places bids over HTTP at `--rate` per second for `--duration`
seconds (the demo bidders in turn). `ceiling` does the same against `bench/ws_bare.py`, a bare
`websockets` broadcast server: the most this machine can deliver.

Latency is measured per delivery from the event's `at` (the server time at which the bid was taken,
before its transaction committed) to the moment the client parsed the message: an upper bound of
commit-to-receipt that includes the bid's own transaction. Every client also checks that it received each
event exactly once, in seq order, without gaps. CPU is user+system time of the server process(es)
(`/proc`) and of the client processes (`getrusage`) over the measured window, in % of one core.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PER_PROCESS = 1000
DEMO_PASSWORD = "esatis-demo-2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def parse_ms(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def run_loop(coro: Any) -> Any:
    try:
        import uvloop

        return uvloop.run(coro)
    except ImportError:
        return asyncio.run(coro)


# --- client process ------------------------------------------------------------------------------------


class Tally:
    """What one client process saw: deliveries in the window, latency histogram, order violations."""

    def __init__(self, n: int) -> None:
        self.buckets: dict[int, int] = {}  # latency in 0.1 ms steps → deliveries
        self.deliveries = 0
        self.bad_order = 0
        self.closed = 0
        self.close_codes: dict[str, int] = {}
        self.last_seq = [0] * n
        self.ready: set[int] = set()
        self.measuring = False

    def message(self, i: int, payload: bytes, now: float) -> None:
        # Cheap field extraction (no json.loads per message): the clients must not be the bottleneck.
        if payload.startswith(b'{"type":"snapshot"'):
            self.last_seq[i] = int(payload[payload.index(b'"seq":') + 6:].split(b",", 1)[0].split(b"}", 1)[0])
            self.ready.add(i)
            return
        if payload.startswith(b'{"type":"ping"'):
            return
        seq = int(payload[payload.index(b'"seq":') + 6:].split(b",", 1)[0])
        if seq != self.last_seq[i] + 1:
            self.bad_order += 1
        self.last_seq[i] = seq
        if self.measuring and payload.startswith(b'{"type":"bid"'):
            at = payload.index(b'"at":"') + 6
            sent = datetime.fromisoformat(payload[at:at + 24].decode().replace("Z", "+00:00")).timestamp()
            self.deliveries += 1
            key = int((now - sent) * 10_000)
            self.buckets[key] = self.buckets.get(key, 0) + 1

    def close(self, code: str) -> None:
        self.closed += 1
        self.close_codes[code] = self.close_codes.get(code, 0) + 1


class RawClient(asyncio.Protocol):
    """A minimal WebSocket client (RFC 6455): handshake, unmasked server frames parsed straight from the
    socket buffer, pongs answered. A few µs per message, where a full client library costs tens: on a
    2-core machine the clients would otherwise measure themselves rather than the server."""

    def __init__(self, tally: Tally, i: int, host: str, path: str) -> None:
        self.tally, self.i, self.host, self.path = tally, i, host, path
        self.buf = bytearray()
        self.upgraded = False
        self.transport: Any = None
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: Any) -> None:
        self.transport = transport  # (uvloop's transports are not asyncio.Transport instances)
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write((f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\n"
                         f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
                        .encode())

    def data_received(self, data: bytes) -> None:
        now = time.time()
        self.buf += data
        if not self.upgraded:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not self.buf.startswith(b"HTTP/1.1 101"):
                self.tally.close("handshake")
                assert self.transport is not None
                self.transport.close()
                return
            del self.buf[:end + 4]
            self.upgraded = True
        buf = self.buf
        pos = 0
        while len(buf) - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            n = b1 & 0x7F
            head = 2
            if n == 126:
                if len(buf) - pos < 4:
                    break
                n = int.from_bytes(buf[pos + 2:pos + 4], "big")
                head = 4
            elif n == 127:
                if len(buf) - pos < 10:
                    break
                n = int.from_bytes(buf[pos + 2:pos + 10], "big")
                head = 10
            if len(buf) - pos < head + n:
                break
            payload = bytes(buf[pos + head:pos + head + n])
            pos += head + n
            opcode = b0 & 0x0F
            if opcode == 1:
                self.tally.message(self.i, payload, now)
            elif opcode == 9:  # ping → masked pong with the same payload
                mask = os.urandom(4)
                masked = bytes(b ^ mask[j % 4] for j, b in enumerate(payload))
                assert self.transport is not None
                self.transport.write(bytes((0x8A, 0x80 | len(payload))) + mask + masked)
            elif opcode == 8:
                code = str(int.from_bytes(payload[:2], "big")) if len(payload) >= 2 else "1005"
                self.tally.close(code)
                assert self.transport is not None
                self.transport.close()
        del buf[:pos]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result(None)


async def clients_main(urls: list[str], n: int, stagger: int) -> None:
    """Open `n` watchers (spread over `urls`), report readiness, record deliveries until told to stop."""
    tally = Tally(n)
    loop = asyncio.get_running_loop()
    clients: list[RawClient] = []
    for i in range(n):
        url = urllib.parse.urlsplit(urls[i % len(urls)])
        try:
            _, client = await loop.create_connection(
                lambda i=i, url=url: RawClient(tally, i, url.netloc, url.path + (f"?{url.query}" if url.query else "")),
                url.hostname, url.port)
            clients.append(client)
        except OSError as exc:
            tally.close(type(exc).__name__)
        if i % stagger == stagger - 1:
            await asyncio.sleep(0.02)  # don't SYN-flood our own listen backlog
    deadline = time.monotonic() + 300
    while len(tally.ready) + tally.closed < n and time.monotonic() < deadline:  # noqa: ASYNC110 - many sockets
        await asyncio.sleep(0.1)
    print(json.dumps({"ready": len(tally.ready)}), flush=True)
    await loop.run_in_executor(None, sys.stdin.readline)  # "go"
    before = resource.getrusage(resource.RUSAGE_SELF)
    tally.measuring = True
    await loop.run_in_executor(None, sys.stdin.readline)  # "stop"
    tally.measuring = False
    after = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"deliveries": tally.deliveries, "bad_order": tally.bad_order, "closed": tally.closed,
                      "close_codes": tally.close_codes, "buckets": tally.buckets,
                      "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)}), flush=True)
    for client in clients:
        if client.transport is not None:
            client.transport.close()


# --- bidder process ------------------------------------------------------------------------------------


async def bidder_main(bases: list[str], lot_id: int, rate: float, duration: float) -> None:
    import httpx

    async with httpx.AsyncClient(timeout=30) as http:
        tokens = []
        for email in ("alici1@esatis.test", "alici2@esatis.test"):
            r = await http.post(f"{bases[0]}/api/v1/auth/token", json={"email": email, "password": DEMO_PASSWORD})
            tokens.append(r.json()["access_token"])
        lot = (await http.get(f"{bases[0]}/api/v1/lots/{lot_id}")).json()
        amount = lot["min_next_bid"]
        leader_is_alici2 = True  # the demo's only bid is alici2's
        start = time.monotonic()
        n = errors = 0
        last_seq = 0
        commit_ms: list[float] = []  # the bid's own transaction + HTTP: `at` → response received
        while time.monotonic() - start < duration:
            who = 0 if leader_is_alici2 else 1
            r = await http.post(f"{bases[n % len(bases)]}/api/v1/lots/{lot_id}/bids", json={"amount": amount},
                                headers={"Authorization": f"Bearer {tokens[who]}"})
            n += 1
            if r.status_code == 201:
                commit_ms.append((time.time() - parse_ms(r.json()["at"])) * 1000)
                amount = r.json()["min_next_bid"]
                last_seq = r.json()["seq"]
                leader_is_alici2 = not leader_is_alici2
            else:
                errors += 1
                lot = (await http.get(f"{bases[0]}/api/v1/lots/{lot_id}")).json()
                amount = lot["min_next_bid"]
            await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
        commit_ms.sort()
        print(json.dumps({"bids": n - errors, "errors": errors, "elapsed_s": time.monotonic() - start,
                          "last_seq": last_seq,
                          "bid_response_p50_ms": round(commit_ms[len(commit_ms) // 2], 1) if commit_ms else None}),
              flush=True)


# --- orchestration -------------------------------------------------------------------------------------


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            # SIGINT: uvicorn shuts down gracefully and re-raises it as KeyboardInterrupt, which lets
            # cProfile (--profile) write its file; a re-raised SIGTERM would kill the process first.
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("server not ready")


def start_servers(args: argparse.Namespace, tmp: Path) -> tuple[list[Server], int]:
    database_url = args.database_url or f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    if database_url.startswith("postgresql"):
        import asyncpg

        async def reset() -> None:
            conn = await asyncpg.connect(database_url.replace("+asyncpg", ""))
            await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            await conn.close()

        asyncio.run(reset())
    env = dict(os.environ, DATABASE_URL=database_url, ESATIS_VAR_DIR=str(tmp / "var"), ESATIS_RATE_LIMITS="off",
               ESATIS_WS_MAX_PER_IP="100000", ESATIS_LOG_LEVEL="WARNING", ESATIS_LOG_FORMAT="json",
               ESATIS_PASSWORD_HASHING="fast", ESATIS_ENV="test", PYTHONUNBUFFERED="1")
    env.pop("REDIS_URL", None)
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    servers = []
    for i in range(args.servers):
        port = free_port()
        log = tmp / f"server{i}.log"
        with log.open("wb") as out:
            profile = ["-m", "cProfile", "-o", args.profile] if args.profile and i == 0 else []
            proc = subprocess.Popen([PYTHON, *profile, "-m", "web.cli", "serve", "--port", str(port), "--demo"],
                                    cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        server = Server(proc, f"http://127.0.0.1:{port}", log)
        wait_ready(server.url, proc, log)  # one at a time: the first loads the demo data
        servers.append(server)
    import httpx

    # The live demo lot (the Kadıköy flat) is the one with an open round.
    lot_id = 0
    for candidate in range(1, 10):
        r = httpx.get(f"{servers[0].url}/api/v1/lots/{candidate}", timeout=10)
        if r.status_code == 200 and r.json().get("round_status") == "open":
            lot_id = candidate
            break
    if not lot_id:
        raise SystemExit("no open demo lot")
    return servers, lot_id


def spawn(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen([PYTHON, __file__, *args], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)


def read_json(proc: subprocess.Popen[str]) -> dict[str, Any]:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        raise SystemExit(f"subprocess {proc.args} ended early")
    out: dict[str, Any] = json.loads(line)
    return out


def send(proc: subprocess.Popen[str], line: str) -> None:
    assert proc.stdin is not None
    proc.stdin.write(line + "\n")
    proc.stdin.flush()


def percentile(buckets: dict[int, int], q: float) -> float:
    total = sum(buckets.values())
    if not total:
        return float("nan")
    target = q * total
    seen = 0
    for key in sorted(buckets):
        seen += buckets[key]
        if seen >= target:
            return key / 10  # ms
    return max(buckets) / 10


def measure(args: argparse.Namespace, ws_urls: list[str], server_pids: list[int],
            start_load: Any, stop_load: Any) -> dict[str, Any]:
    procs = []
    remaining = args.watchers
    while remaining > 0:
        n = min(PER_PROCESS, remaining)
        remaining -= n
        procs.append(spawn(["_clients", "--n", str(n), "--stagger", "50", *[f"--url={u}" for u in ws_urls]]))
    ready = sum(read_json(p)["ready"] for p in procs)
    time.sleep(1.0)
    cpu_before = [proc_cpu_s(pid) for pid in server_pids]
    for p in procs:
        send(p, "go")
    started = time.monotonic()
    load = start_load()
    time.sleep(args.duration)
    load_result = stop_load(load)
    time.sleep(2.0)  # in-flight deliveries
    elapsed = time.monotonic() - started
    cpu_after = [proc_cpu_s(pid) for pid in server_pids]
    for p in procs:
        send(p, "stop")
    results = [read_json(p) for p in procs]
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
    buckets: dict[int, int] = {}
    for r in results:
        for k, v in r["buckets"].items():
            buckets[int(k)] = buckets.get(int(k), 0) + v
    deliveries = sum(r["deliveries"] for r in results)
    closes: dict[str, int] = {}
    for r in results:
        for k, v in r["close_codes"].items():
            closes[k] = closes.get(k, 0) + v
    sent = load_result.get("bids") or load_result.get("sent") or 0
    return {
        "watchers": args.watchers, "connected": ready, "rate": args.rate, "events": sent,
        "deliveries": deliveries, "expected": sent * ready,
        "deliveries_per_s": round(deliveries / elapsed), "offered_per_s": round(sent * ready / elapsed),
        "p50_ms": percentile(buckets, 0.50), "p99_ms": percentile(buckets, 0.99), "max_ms": percentile(buckets, 1.0),
        "bad_order": sum(r["bad_order"] for r in results), "closed": closes,
        "server_cpu_pct": [round(100 * (a - b) / elapsed) for a, b in zip(cpu_after, cpu_before, strict=True)],
        "clients_cpu_pct": round(100 * sum(r["cpu_s"] for r in results) / elapsed), "window_s": round(elapsed, 1),
        "load": load_result,
    }


def cmd_run(args: argparse.Namespace) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="ws-bench-"))
    servers, lot_id = start_servers(args, tmp)
    try:
        ws_urls = [s.url.replace("http://", "ws://") + f"/ws/lots/{lot_id}" for s in servers]

        def start_load() -> subprocess.Popen[str]:
            return spawn(["_bidder", "--lot", str(lot_id), "--rate", str(args.rate), "--duration", str(args.duration),
                          *[f"--base={s.url}" for s in servers]])

        def stop_load(p: subprocess.Popen[str]) -> dict[str, Any]:
            out = read_json(p)
            p.wait(timeout=30)
            return out

        result = measure(args, ws_urls, [s.proc.pid for s in servers], start_load, stop_load)
        db = "PostgreSQL" if args.database_url else "SQLite"
        broker = "Redis" if args.redis_url else "in-process broker"
        result["server"] = f"esatis serve × {args.servers} ({db}, {broker})"
        return result
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def cmd_ceiling(args: argparse.Namespace) -> dict[str, Any]:
    port = free_port()
    server = subprocess.Popen([PYTHON, str(ROOT / "bench" / "ws_bare.py"), str(port)], cwd=ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        read_json(server)

        def start_load() -> subprocess.Popen[str]:
            send(server, f"go {args.rate} {args.duration}")
            return server

        def stop_load(p: subprocess.Popen[str]) -> dict[str, Any]:
            return read_json(p)

        result = measure(args, [f"ws://127.0.0.1:{port}/"], [server.pid], start_load, stop_load)
        result["server"] = "bare websockets broadcast (bench/ws_bare.py)"
        return result
    finally:
        send(server, "stop")
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    for name in ("run", "ceiling"):
        p = sub.add_parser(name)
        p.add_argument("--watchers", type=int, default=1000)
        p.add_argument("--rate", type=float, default=10.0, help="bids (events) per second")
        p.add_argument("--duration", type=float, default=20.0)
        if name == "run":
            p.add_argument("--servers", type=int, default=1)
            p.add_argument("--database-url", default=None)
            p.add_argument("--redis-url", default=None)
            p.add_argument("--profile", default=None, help="write a cProfile of the (first) server here")
    c = sub.add_parser("_clients")
    c.add_argument("--url", action="append", required=True)
    c.add_argument("--n", type=int, required=True)
    c.add_argument("--stagger", type=int, default=50)
    b = sub.add_parser("_bidder")
    b.add_argument("--base", action="append", required=True)
    b.add_argument("--lot", type=int, required=True)
    b.add_argument("--rate", type=float, required=True)
    b.add_argument("--duration", type=float, required=True)
    args = parser.parse_args()
    if args.cmd == "_clients":
        run_loop(clients_main(args.url, args.n, args.stagger))
        return
    if args.cmd == "_bidder":
        run_loop(bidder_main(args.base, args.lot, args.rate, args.duration))
        return
    if args.cmd == "run" and args.servers > 1 and not (args.database_url and args.redis_url):
        raise SystemExit("two processes need --database-url (PostgreSQL) and --redis-url")
    result = cmd_run(args) if args.cmd == "run" else cmd_ceiling(args)
    result["machine"] = f"{os.cpu_count()} CPU, {platform.python_implementation()} {platform.python_version()}"
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
