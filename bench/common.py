"""What the benchmarks share: a fresh PostgreSQL schema, `esatis serve` / `esatis worker` as subprocesses,
a minimal keep-alive HTTP client (cheap on the client side: the load generator shares the machine with
the server), staff and bidder set-up through the API, percentiles and the JSON results."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
DEMO_PASSWORD = "esatis-demo-2026"
STAFF = "personel@esatis.test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],
            "processor": _cpu_model()}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def save(name: str, result: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    result = {"bench": name, "at": stamp, "machine": machine(), **result}
    path = RESULTS / f"{name}-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"[bench] {name}: {path.relative_to(ROOT)}", flush=True)
    return path


def pg_dsn(database_url: str) -> str:
    return database_url.replace("postgresql+asyncpg://", "postgresql://")


async def reset_schema(database_url: str) -> None:
    """Empty the benchmark's database, creating it first on a machine that has never run the bench."""
    import asyncpg

    try:
        conn = await asyncpg.connect(pg_dsn(database_url))
    except asyncpg.InvalidCatalogNameError:
        name = database_url.rsplit("/", 1)[1].split("?", 1)[0]
        admin = await asyncpg.connect(pg_dsn(database_url.rsplit("/", 1)[0] + "/postgres"))
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        conn = await asyncpg.connect(pg_dsn(database_url))
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await conn.close()


@dataclass
class Proc:
    proc: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@dataclass
class Deployment:
    """`esatis serve --demo` (demo data: the staff login) and optional `esatis worker` processes."""

    url: str
    env: dict[str, str]
    procs: list[Proc] = field(default_factory=list)

    def stop(self) -> None:
        for p in reversed(self.procs):
            p.stop()


def start(database_url: str, redis_url: str | None, tmp: Path, *, port: int, workers: int = 0,
          extra_env: dict[str, str] | None = None, worker_args: list[list[str]] | None = None) -> Deployment:
    """One web process on `port`; with `workers` > 0 the background workers run in that many separate
    `esatis worker` processes instead of inside the web process. `worker_args`: one list of `esatis worker`
    options per process (e.g. `["--only", "closer"]`), instead of `workers` processes running every worker."""
    per_process = worker_args if worker_args is not None else [[] for _ in range(workers)]
    workers = len(per_process)
    asyncio.run(reset_schema(database_url))
    env = dict(os.environ, DATABASE_URL=database_url, ESATIS_VAR_DIR=str(tmp / "var"), ESATIS_RATE_LIMITS="off",
               ESATIS_LOG_LEVEL="WARNING", ESATIS_LOG_FORMAT="json", ESATIS_PASSWORD_HASHING="fast",
               ESATIS_ENV="test", ESATIS_RULESET="demo", ESATIS_DB_POOL_SIZE="10", PYTHONUNBUFFERED="1",
               ESATIS_WORKERS="external" if workers else "inprocess", **(extra_env or {}))
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    dep = Deployment(f"http://127.0.0.1:{port}", env)
    log = tmp / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([PYTHON, "-m", "web.cli", "serve", "--port", str(port), "--demo"], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    dep.procs.append(Proc(proc, log))
    wait_ready(dep.url, proc, log)
    for i, args in enumerate(per_process):
        wlog = tmp / f"worker{i}.log"
        with wlog.open("wb") as out:
            wproc = subprocess.Popen([PYTHON, "-m", "web.cli", "worker", *args], cwd=ROOT, env=env, stdout=out,
                                     stderr=subprocess.STDOUT)
        dep.procs.append(Proc(wproc, wlog))
    return dep


def wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    import httpx

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("server not ready")


# --- a minimal HTTP/1.1 keep-alive client -----------------------------------------------------------------


class Http:
    """One keep-alive connection; `request` sends one request and reads the whole answer. Far cheaper in
    client CPU than a general client, which matters when the load generator shares two cores."""

    def __init__(self, host: str, port: int, token: str | None = None) -> None:
        self.host, self.port, self.token = host, port, token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: Any = None,
                      headers: dict[str, str] | None = None) -> tuple[int, Any]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        data = b"" if body is None else json.dumps(body).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(data)}"]
        if body is not None:
            lines.append("Content-Type: application/json")
        if self.token:
            lines.append(f"Authorization: Bearer {self.token}")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + data)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        chunked = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
            elif name.lower() == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if chunked:
            raw = b""
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                raw += chunk[:-2]
        else:
            raw = await self.reader.readexactly(length) if length else b""
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode(errors="replace")

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def split_url(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").split(":")
    return host, int(port)


async def token(url: str, email: str, password: str = DEMO_PASSWORD) -> str:
    http = Http(*split_url(url))
    try:
        status, body = await http.request("POST", "/api/v1/auth/token", {"email": email, "password": password})
        if status != 200:
            raise SystemExit(f"login {email}: {status} {body}")
        return str(body["access_token"])
    finally:
        await http.close()


async def gather_limited(n: int, coros: list[Any]) -> list[Any]:
    sem = asyncio.Semaphore(n)

    async def one(c: Any) -> Any:
        async with sem:
            return await c

    return await asyncio.gather(*(one(c) for c in coros))


async def create_lots(url: str, staff_token: str, n: int, start: datetime, end: datetime,
                      parallel: int = 8) -> list[dict[str, Any]]:
    """`n` lots, each with a sale whose round 1 runs from `start` to `end` (demo ruleset): the sales
    (with their round ids) as the API answers them."""
    host, port = split_url(url)
    pool = [Http(host, port, staff_token) for _ in range(parallel)]
    free: asyncio.Queue[Http] = asyncio.Queue()
    for h in pool:
        free.put_nowait(h)

    async def one(i: int) -> dict[str, Any]:
        h = await free.get()
        try:
            s, case = await h.request("POST", "/api/v1/cases", {"file_no": f"2026/{i + 1} Esas (bench)",
                                                               "debtor": "Mert Yılmaz"})
            assert s == 201, case
            s, lot = await h.request("POST", f"/api/v1/cases/{case['id']}/lots", {
                "kind": "tasinmaz", "title": f"Bench lot {i + 1}", "appraised_value": "2350000.00",
                "appraisal_final": True, "use": "konut"})
            assert s == 201, lot
            s, sale = await h.request("POST", f"/api/v1/lots/{lot['id']}/sale", {
                "first_round_start": iso(start), "first_round_end": iso(end)})
            assert s == 201, sale
            return {"lot_id": lot["id"], "sale_id": sale["id"], "round_id": sale["rounds"][0]["id"]}
        finally:
            free.put_nowait(h)

    try:
        return list(await asyncio.gather(*(one(i) for i in range(n))))
    finally:
        for h in pool:
            await h.close()


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
