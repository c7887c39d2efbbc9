"""A real HTTP receiver for webhook tests: an asyncio server on 127.0.0.1 (port 0, or a given one) that
records every request and answers as scripted per path (status, body, or hold until released)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"ok"
    hold: asyncio.Event | None = None  # answer only once this is set (a slow endpoint)


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    host: str = "127.0.0.1"
    port: int = 0
    requests: list[Received] = field(default_factory=list)
    script: dict[str, list[Answer]] = field(default_factory=lambda: defaultdict(list))
    default: dict[str, Answer] = field(default_factory=dict)
    arrived: asyncio.Condition = field(default_factory=asyncio.Condition)
    _server: asyncio.Server | None = None

    async def start(self) -> Receiver:
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5)

    def url(self, path: str = "/hook") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def answer(self, path: str, *answers: Answer) -> None:
        """The next answers for `path`, in order; after them, `default[path]` or 200."""
        self.script[path].extend(answers)

    def on(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    async def wait_for(self, count: int, path: str | None = None, within: float = 30) -> list[Received]:
        """Until `count` requests (to `path`) arrived; generous timeout, never a timing assertion."""
        def ready() -> bool:
            return len(self.on(path) if path else self.requests) >= count

        async with self.arrived:
            await asyncio.wait_for(self.arrived.wait_for(ready), within)
        return self.on(path) if path else list(self.requests)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = (await reader.readline()).decode("latin-1").strip()
            if not line:
                return
            method, target, _ = line.split(" ", 2)
            headers: dict[str, str] = {}
            while (raw := (await reader.readline()).decode("latin-1").strip()):
                name, _, value = raw.partition(":")
                headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.requests.append(Received(method, target, headers, body))
            async with self.arrived:
                self.arrived.notify_all()
            queue = self.script.get(target)
            answer = queue.pop(0) if queue else self.default.get(target, Answer())
            if answer.hold is not None:
                await answer.hold.wait()
            writer.write(f"HTTP/1.1 {answer.status} X\r\nContent-Type: text/plain\r\nContent-Length: "
                         f"{len(answer.body)}\r\nConnection: close\r\n\r\n".encode() + answer.body)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
