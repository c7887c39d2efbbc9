"""Fixtures for the live-update tests: the real app served by a real uvicorn on a free port (in this
process, sharing the test's event loop, database and broker), real WebSocket clients, and the auction
engine's own fixtures for lots with an open round."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
import websockets
from websockets.asyncio.client import ClientConnection

from tests.engine import env, make_actor, manager, manual_clock  # noqa: F401 - reused fixtures
from tests.livesupport import free_port, settings  # noqa: F401 - `settings`: rate limits off


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "settings(**values): settings overrides for the live tests' app")


@pytest.fixture(params=["direct", "asgi"])
def delivery(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways a frame can leave: written straight to uvicorn's transport, or through ASGI send."""
    import web.live.hub

    monkeypatch.setattr(web.live.hub, "DIRECT_WRITES", request.param == "direct")
    return str(request.param)


class Served:
    def __init__(self, app: Any, port: int) -> None:
        self.app = app
        self.port = port
        self.ws_base = f"ws://127.0.0.1:{port}"

    @property
    def hub(self) -> Any:
        return self.app.state.live

    async def connect(self, path: str, **kwargs: Any) -> ClientConnection:
        return await websockets.connect(self.ws_base + path, open_timeout=10, **kwargs)


@pytest.fixture
async def served(app: Any) -> AsyncIterator[Served]:
    """The test's app (its lifespan already entered by the `app` fixture) behind a real uvicorn."""
    from web.app import UVICORN_WS_OPTIONS

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_config=None,
                            **UVICORN_WS_OPTIONS)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.02)
    assert server.started, "uvicorn did not start"
    try:
        yield Served(app, port)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)


async def recv_json(ws: ClientConnection, within: float = 10.0) -> dict[str, Any]:
    """The next message that is not an app-level ping."""
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), within))
        if message.get("type") != "ping":
            return message


async def recv_until_seq(ws: ClientConnection, seq: int, within: float = 15.0) -> list[dict[str, Any]]:
    """Every message up to (and including) the one with `seq`."""
    out: list[dict[str, Any]] = []
    async with asyncio.timeout(within):
        while True:
            message = await recv_json(ws, within)
            out.append(message)
            if message.get("seq") == seq and message.get("type") != "snapshot":
                return out


def seqs(messages: list[dict[str, Any]]) -> list[int]:
    return [int(m["seq"]) for m in messages if m.get("type") != "snapshot"]
