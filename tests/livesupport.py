"""Run the real app in a subprocess (uvicorn) for end-to-end and multi-process tests; the settings of the
live tests (rate limits off) and a hang-guarded wait for state other tasks or processes change."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from auction.config import Settings
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""


def start_server(tmp: Path, *, database_url: str | None = None, redis_url: str | None = None,
                 demo: bool = True, extra_env: dict[str, str] | None = None, port: int | None = None) -> LiveServer:
    """Migrate, optionally load the demo data, and serve on a free port; waits until /readyz answers."""
    port = port or free_port()
    tmp.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    env.update({
        "DATABASE_URL": database_url or f"sqlite+aiosqlite:///{tmp / 'live.db'}",
        "ESATIS_VAR_DIR": str(tmp / "var"),
        "ESATIS_ENV": "test",
        "ESATIS_PASSWORD_HASHING": "fast",
        "ESATIS_LOG_FORMAT": "json",
        "PYTHONUNBUFFERED": "1",
    })
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra_env or {})
    log_path = tmp / f"server-{port}.log"
    args = [sys.executable, "-m", "web.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if demo:
        args.append("--demo")
    with log_path.open("wb") as log:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = LiveServer(url=f"http://127.0.0.1:{port}", process=proc, log_path=log_path, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{server.log()}")
        try:
            if httpx.get(f"{server.url}/readyz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"server did not become ready:\n{server.log()}")


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """Rate limits off (tests bid hundreds of times); `@pytest.mark.settings(k=v)` overrides more."""
    overrides: dict[str, Any] = {"rate_limits": "off"}
    marker = request.node.get_closest_marker("settings")
    if marker is not None:
        overrides.update(marker.kwargs)
    return make_settings(migrated_url, tmp_path, **overrides)


async def eventually(predicate: Callable[[], bool], what: str, within: float = 30.0) -> None:
    """Wait until `predicate()` holds (state changed by other tasks or processes); fail after `within`
    seconds - a hang guard, not a timing assertion."""
    try:
        async with asyncio.timeout(within):
            while not predicate():  # noqa: ASYNC110 - polls state owned by other tasks and processes
                await asyncio.sleep(0.02)
    except TimeoutError:
        pytest.fail(f"timed out waiting for {what}")
