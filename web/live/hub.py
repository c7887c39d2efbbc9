"""The per-process live hub: one broker subscription per channel, local fan-out, bounded send queues.

How a channel's events reach a connection exactly once, in order, without gaps (docs/live.md):

1. The connection is registered with the channel's `Feed` BEFORE anything is read from the database.
   The feed already holds the broker subscription (created before it read its starting `seq`), so from
   this moment every later event lands in the connection's queue.
2. The connection reads the snapshot (a consistent read: REPEATABLE READ on PostgreSQL) and sends it,
   then replays from the database every event with `seq > after_seq`, then sends from its queue,
   dropping what it already sent (`seq <= last_sent`) and filling any hole from the database.
3. The feed itself only ever forwards a gap-free sequence: a broker message whose `seq` is not the next
   one, a `_resync` from the broker (Redis reconnected, or the feed's own queue overflowed) or a poll
   that finds the database ahead of it, make it read the missing events back from the database. The
   poll runs every 2 s (0.5 s while the broker is unhealthy) for all channels of the process in one
   query per kind, so Redis being down delays other processes' events by at most half a second and
   loses none; a process's own events are delivered locally at once.

A connection whose queue fills (a client that does not read) is closed with 4000 `too_slow`; nothing
ever waits for it: the feed only appends to queues. Each event is JSON-encoded and framed once per
process; in the steady state the frame's bytes are written straight to each connection's transport
(`DirectWriter`), and through the connection's own sender task (ASGI) whenever that is not safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import struct
import time
from collections import Counter, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.websockets import WebSocket, WebSocketDisconnect
from websockets.protocol import State

from auction import clock
from auction.broker import RESYNC, Subscription
from auction.clock import iso_ms
from auction.errors import NotFound, RateLimited
from auction.runtime import Runtime
from auction.users.principal import Principal
from web.live.streams import LotStream, Message, Stream, UserStream

log = structlog.get_logger(__name__)


class Close:
    """WebSocket close codes of the live channels (docs/live.md)."""

    NORMAL = 1000
    GOING_AWAY = 1001  # server shutting down: reconnect (to another process)
    POLICY = 1008  # the client sent more than a watcher ever needs to
    INTERNAL = 1011  # unexpected server error: reconnect with backoff
    TOO_SLOW = 4000  # the send queue filled: reconnect with after_seq at once
    BAD_REQUEST = 4400  # e.g. after_seq is not a non-negative integer
    UNAUTHORIZED = 4401  # /ws/me without a valid session or token
    FORBIDDEN_ORIGIN = 4403  # a session cookie presented by a page of another site
    NOT_FOUND = 4404  # no such lot
    TOO_MANY = 4429  # too many connections from this IP / user, or too many attempts: retry later


POLL_HEALTHY = 2.0  # seconds between safety polls of the database while the broker is healthy
POLL_UNHEALTHY = 0.5  # … and while it is not (Redis down or reconnecting)
HEARTBEAT = 25.0  # app-level ping with the server time (below common 30-60 s proxy idle timeouts)
LINGER = 30.0  # keep an idle channel's subscription this long (reconnect storms re-use it)
PAGE = 500  # events per database read
CLOSE_TIMEOUT = 5.0  # how long a close frame may wait behind a full socket buffer before we abort
FEED_QUEUE = 4096  # broker messages waiting for one feed's pump (overflow = resync, not loss)
CLIENT_MESSAGES = 30  # messages a client may send per CLIENT_WINDOW seconds (it needs none)
CLIENT_WINDOW = 10.0
CONNECT_RATE = "300/minute"  # new connections per client IP (a reconnect loop gone wrong)
# Write frames straight to the connection's transport when the server allows it (see `DirectWriter`).
DIRECT_WRITES = True


def encode(message: Message) -> str:
    # ASCII-only JSON: turning the frame into bytes for each connection is then a plain copy.
    return json.dumps(message, ensure_ascii=True, separators=(",", ":"))


def text_frame(payload: bytes) -> bytes:
    """The wire bytes of one unfragmented, unmasked text frame (RFC 6455 §5.2). A server's frames are
    not masked and we use no extension, so these bytes are the same for every connection: built once
    per event, written as they are to each socket."""
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x81, n)
    elif n < 65536:
        header = struct.pack("!BBH", 0x81, 126, n)
    else:
        header = struct.pack("!BBQ", 0x81, 127, n)
    return header + payload


class DirectWriter:
    """Writes pre-built frames to a connection of uvicorn's `websockets-sansio` protocol without going
    through ASGI: no per-connection framing, no task switch per message. Used only while the protocol
    would have sent the frame at once anyway: handshake done, no close sent or received, transport
    writable (not paused by backpressure), no extension negotiated; otherwise the message takes the
    ASGI path (the connection's sender task), which is also the only path on any other server."""

    def __init__(self, protocol: Any) -> None:
        self.protocol = protocol
        self.transport: Any = protocol.transport
        self.writable: asyncio.Event = protocol.writable
        self.conn = protocol.conn

    @classmethod
    def of(cls, ws: WebSocket) -> DirectWriter | None:
        if not DIRECT_WRITES:
            return None
        protocol = getattr(getattr(ws, "_receive", None), "__self__", None)
        conn = getattr(protocol, "conn", None)
        if (_transport(ws) is None
                or not isinstance(getattr(protocol, "writable", None), asyncio.Event)
                or not isinstance(getattr(protocol, "close_sent", None), bool)
                or getattr(conn, "extensions", None) != [] or getattr(conn, "state", None) is not State.OPEN):
            return None
        return cls(protocol)

    def ready(self) -> bool:
        return (self.writable.is_set() and not self.protocol.close_sent and self.conn.state is State.OPEN
                and not self.transport.is_closing())

    def write(self, data: bytes) -> None:
        self.transport.write(data)


def _transport(ws: WebSocket) -> Any:
    """The server's asyncio transport of this connection, reached through the ASGI receive callable
    (a bound method of uvicorn's protocol), or None when the server does not expose it. Used only for
    the two things ASGI has no word for: bounding the socket's buffers and aborting a stuck socket."""
    protocol = getattr(getattr(ws, "_receive", None), "__self__", None)
    transport = getattr(protocol, "transport", None)
    # Duck-typed: uvloop's transports (what uvicorn runs on in production) are not asyncio.Transport.
    needed = ("write", "is_closing", "abort", "get_extra_info", "set_write_buffer_limits")
    return transport if all(callable(getattr(transport, name, None)) for name in needed) else None


def _bound_buffers(ws: WebSocket, size: int) -> None:
    """Cap the kernel send buffer (Linux would grow it to 4 MB for a peer that does not read: memory
    pinned per stuck client, and megabytes of events before we notice) and the transport's write
    buffer, so a client that stops reading fills our bounded queue soon and is dropped."""
    transport = _transport(ws)
    if transport is None:
        return
    with contextlib.suppress(OSError, AttributeError):
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)
    transport.set_write_buffer_limits(high=size)


def _abort(ws: WebSocket) -> None:
    """Drop the TCP connection at once. uvicorn's send() waits for the socket buffer to drain even for
    a close frame, and transport.close() flushes first, so a peer that stopped reading would otherwise
    keep its socket (and our buffers) forever."""
    transport = _transport(ws)
    if transport is not None:
        transport.abort()


async def close_socket(ws: WebSocket, code: int, reason: str) -> None:
    try:
        await asyncio.wait_for(ws.close(code=code, reason=reason), CLOSE_TIMEOUT)
    except TimeoutError:
        _abort(ws)
    except (RuntimeError, OSError, WebSocketDisconnect):
        pass  # already closed or gone


@dataclass
class Stats:
    feeds_opened: int = 0
    frames_encoded: int = 0
    deliveries: int = 0
    direct: int = 0  # … of which written straight to the transport (DirectWriter)
    dropped_slow: int = 0
    catch_ups: int = 0
    caught_up_events: int = 0
    polls: int = 0
    refused: int = 0


class Watcher:
    """One WebSocket connection: a bounded queue of encoded frames and the task that sends them."""

    def __init__(self, hub: LiveHub, ws: WebSocket, stream: Stream, key: int, viewer: Principal | None) -> None:
        self.hub = hub
        self.ws = ws
        self.stream = stream
        self.key = key
        self.viewer = viewer
        self.queue: deque[tuple[int | None, str]] = deque()
        self.maxsize = hub.settings.ws_send_queue
        self.wake = asyncio.Event()
        self.last_sent = 0
        self.sender: asyncio.Task[None] | None = None
        self.closer: asyncio.Task[None] | None = None
        self.closing = False
        self.direct = DirectWriter.of(ws)
        self.live = False  # snapshot and replay sent, queue drained once: the direct path may be used
        self.sending = False  # the sender task has a frame in flight (the direct path must wait its turn)

    def push(self, seq: int | None, frame: str, data: bytes | None = None) -> None:
        """Called by the feed for every event: never blocks, never waits for the client. `data` is the
        frame's wire bytes (`text_frame`), shared by every connection."""
        if self.closing:
            return
        if (data is not None and self.direct is not None and self.live and not self.queue and not self.sending
                and (seq is None or seq == self.last_sent + 1) and self.direct.ready()):
            # In order by construction: nothing queued, nothing in flight, the next seq.
            self.direct.write(data)
            if seq is not None:
                self.last_sent = seq
            self.hub.stats.deliveries += 1
            self.hub.stats.direct += 1
            return
        if len(self.queue) >= self.maxsize:
            self.hub.stats.dropped_slow += 1
            log.info("live_client_too_slow", channel=self.stream.channel(self.key), queued=len(self.queue))
            self.kill(Close.TOO_SLOW, "too_slow")
            return
        self.queue.append((seq, frame))
        self.wake.set()

    def kill(self, code: int, reason: str) -> None:
        """Stop sending and close (in the background: the sender may be stuck behind a full socket)."""
        if self.closing:
            return
        self.closing = True
        self.queue.clear()
        if self.sender is not None and self.sender is not asyncio.current_task():
            self.sender.cancel()
        self.closer = asyncio.create_task(close_socket(self.ws, code, reason))

    async def _send(self, frame: str) -> None:
        self.sending = True
        try:
            await self.ws.send_text(frame)
        finally:
            self.sending = False
        self.hub.stats.deliveries += 1

    async def _replay(self, after_seq: int) -> None:
        """Send every stored event after `after_seq`, in short reads (no database connection is held
        while a slow client is being written to)."""
        cursor = after_seq
        while True:
            async with self.hub.read_session() as session:
                page = await self.stream.after(session, self.key, cursor, PAGE)
            for message in page:
                await self._send(encode(message))
                cursor = self.last_sent = int(message["seq"])
            if len(page) < PAGE:
                return

    async def run(self, after_seq: int | None) -> None:
        try:
            async with self.hub.snapshot_slots, self.hub.read_session(consistent=True) as session:
                snapshot = await self.stream.snapshot(session, self.key, self.viewer)
            await self._send(encode(snapshot))
            head = int(snapshot["seq"])
            self.last_sent = head
            if after_seq is not None and after_seq < head:
                self.last_sent = after_seq
                await self._replay(after_seq)
            while True:
                while self.queue:
                    seq, frame = self.queue.popleft()
                    if seq is not None:
                        if seq <= self.last_sent:
                            continue
                        if seq > self.last_sent + 1:
                            # The feed never skips, so this is defensive: read the hole back.
                            await self._replay(self.last_sent)
                            if seq <= self.last_sent:
                                continue
                    await self._send(frame)
                    if seq is not None:
                        self.last_sent = seq
                self.live = True
                self.wake.clear()
                await self.wake.wait()
        except asyncio.CancelledError:
            raise
        except NotFound:
            self.kill(Close.NOT_FOUND, "not_found")
        except (WebSocketDisconnect, OSError):
            pass  # the client went away; the receive loop sees it too
        except Exception as exc:
            if type(exc).__name__ == "ClientDisconnected":  # uvicorn's, raised by send() after a disconnect
                return
            log.exception("live_sender_failed", channel=self.stream.channel(self.key))
            self.kill(Close.INTERNAL, "internal_error")

    async def receive_until_closed(self) -> None:
        """Read (and ignore) what the client sends, until it disconnects. A client that floods us is
        closed: watchers have nothing to say."""
        window_start = time.monotonic()
        count = 0
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            now = time.monotonic()
            if now - window_start > CLIENT_WINDOW:
                window_start, count = now, 0
            count += 1
            if count > CLIENT_MESSAGES:
                self.kill(Close.POLICY, "too_many_messages")


class Feed:
    """One channel in this process: one broker subscription, the last `seq` forwarded, the watchers."""

    def __init__(self, hub: LiveHub, stream: Stream, key: int) -> None:
        self.hub = hub
        self.stream = stream
        self.key = key
        self.channel = stream.channel(key)
        self.watchers: set[Watcher] = set()
        self.last = 0
        self.sub: Subscription | None = None
        self.pump: asyncio.Task[None] | None = None
        self.started: asyncio.Task[None] | None = None
        self.lock = asyncio.Lock()
        self.linger: asyncio.TimerHandle | None = None

    async def start(self) -> None:
        # Subscribe first, then read where the channel stands: nothing committed after the read can be
        # missed, because its message arrives on the subscription (or a gap/poll reads it back).
        self.sub = await self.hub.runtime.broker.subscribe(self.channel, maxsize=FEED_QUEUE, on_overflow="resync")
        try:
            async with self.hub.read_session() as session:
                self.last = await self.stream.head(session, self.key)
        except BaseException:
            await self.sub.close()
            raise
        self.pump = asyncio.create_task(self._pump(), name=f"live:{self.channel}")
        self.hub.stats.feeds_opened += 1

    async def stop(self) -> None:
        if self.pump is not None:
            self.pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.pump
        if self.sub is not None:
            await self.sub.close()

    def emit(self, message: Message) -> None:
        seq = int(message["seq"])
        if seq <= self.last:
            return
        self.last = seq
        frame = encode(message)
        data = text_frame(frame.encode())
        self.hub.stats.frames_encoded += 1
        for watcher in self.watchers:
            watcher.push(seq, frame, data)

    async def _pump(self) -> None:
        assert self.sub is not None
        while True:
            message = await self.sub.get()
            try:
                if message.get("type") == RESYNC:
                    await self.catch_up()
                    continue
                seq = message.get("seq")
                if not isinstance(seq, int) or seq <= self.last:
                    continue  # a duplicate (local delivery + Redis, a poll got it first …)
                if seq == self.last + 1:
                    self.emit(message)
                else:
                    await self.catch_up()  # a message was lost before this one: read the hole back
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("live_feed_pump_failed", channel=self.channel)

    async def catch_up(self) -> None:
        """Forward whatever the database has beyond `last`, in order."""
        async with self.lock:
            self.hub.stats.catch_ups += 1
            try:
                while True:
                    async with self.hub.read_session() as session:
                        messages = await self.stream.after(session, self.key, self.last, PAGE)
                    for message in messages:
                        if int(message["seq"]) > self.last:
                            self.hub.stats.caught_up_events += 1
                            self.emit(message)
                    if len(messages) < PAGE:
                        return
            except Exception as exc:  # the database is unreachable: the next poll tries again
                log.warning("live_catch_up_failed", channel=self.channel, error=str(exc))


class LiveHub:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.lots = LotStream()
        self.users = UserStream()
        self.feeds: dict[tuple[str, int], Feed] = {}
        self.stats = Stats()
        self.per_ip: Counter[str] = Counter()
        self.per_user: Counter[int] = Counter()
        # Snapshots are read by connections arriving in bursts (a restart reconnects everyone): they queue
        # here instead of exhausting the database pool.
        self.snapshot_slots = asyncio.Semaphore(max(2, runtime.settings.db_pool_size // 2))
        self._tasks: list[asyncio.Task[None]] = []
        self._closing: set[asyncio.Task[None]] = set()

    # --- lifecycle -----------------------------------------------------------------------------------

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._poll_loop(), name="live-poll"),
                       asyncio.create_task(self._heartbeat_loop(), name="live-heartbeat")]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        for feed in list(self.feeds.values()):
            if feed.linger is not None:
                feed.linger.cancel()
            for watcher in list(feed.watchers):
                watcher.kill(Close.GOING_AWAY, "server_shutdown")
            await feed.stop()
        self.feeds.clear()
        log.info("live_hub_stopped", **self.stats.__dict__)

    @asynccontextmanager
    async def read_session(self, *, consistent: bool = False) -> AsyncIterator[AsyncSession]:
        """A read-only session. `consistent`: one snapshot for every statement (REPEATABLE READ on
        PostgreSQL; SQLite's transaction already is one), so a lot's state and its `seq` agree."""
        db = self.runtime.db
        if db.is_sqlite or not consistent:
            async with db.sessionmaker() as session:
                yield session
            return
        async with db.engine.connect() as conn:
            await conn.execution_options(isolation_level="REPEATABLE READ")
            async with AsyncSession(bind=conn, expire_on_commit=False, autoflush=False) as session:
                yield session

    # --- admission -----------------------------------------------------------------------------------

    async def admit(self, ip: str, viewer: Principal | None) -> bool:
        if self.per_ip[ip] >= self.settings.ws_max_per_ip:
            return False
        if viewer is not None and self.per_user[viewer.user_id] >= self.settings.ws_max_per_user:
            return False
        try:
            await self.runtime.limiter.hit(CONNECT_RATE, "ws_connect", ip)
        except RateLimited:  # (the limiter itself fails open when its storage is down)
            return False
        self.per_ip[ip] += 1
        if viewer is not None:
            self.per_user[viewer.user_id] += 1
        return True

    def release(self, ip: str, viewer: Principal | None) -> None:
        self.per_ip[ip] -= 1
        if self.per_ip[ip] <= 0:
            del self.per_ip[ip]
        if viewer is not None:
            self.per_user[viewer.user_id] -= 1
            if self.per_user[viewer.user_id] <= 0:
                del self.per_user[viewer.user_id]

    # --- feeds ---------------------------------------------------------------------------------------

    async def attach(self, watcher: Watcher) -> Feed:
        ident = (watcher.stream.kind, watcher.key)
        feed = self.feeds.get(ident)
        if feed is None:
            feed = Feed(self, watcher.stream, watcher.key)
            self.feeds[ident] = feed
            feed.started = asyncio.create_task(feed.start())
        if feed.linger is not None:
            feed.linger.cancel()
            feed.linger = None
        assert feed.started is not None
        try:
            await asyncio.shield(feed.started)
        except BaseException:
            if self.feeds.get(ident) is feed and not feed.watchers:
                del self.feeds[ident]
            raise
        feed.watchers.add(watcher)
        return feed

    def detach(self, feed: Feed, watcher: Watcher) -> None:
        feed.watchers.discard(watcher)
        if not feed.watchers and feed.linger is None:
            feed.linger = asyncio.get_running_loop().call_later(LINGER, self._expire, feed)

    def _expire(self, feed: Feed) -> None:
        feed.linger = None
        ident = (feed.stream.kind, feed.key)
        if feed.watchers or self.feeds.get(ident) is not feed:
            return
        del self.feeds[ident]
        # Closing the subscription is a Redis round trip: in the background, kept referenced until done.
        task = asyncio.create_task(feed.stop())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    # --- serving one connection ----------------------------------------------------------------------

    async def serve(self, ws: WebSocket, stream: Stream, key: int, viewer: Principal | None,
                    after_seq: int | None) -> None:
        ip = ws.client.host if ws.client else "unknown"
        if not await self.admit(ip, viewer):
            self.stats.refused += 1
            await ws.accept()
            await close_socket(ws, Close.TOO_MANY, "too_many_connections")
            return
        try:
            await ws.accept()
            _bound_buffers(ws, self.settings.ws_socket_buffer)
            watcher = Watcher(self, ws, stream, key, viewer)
            try:
                feed = await self.attach(watcher)
            except Exception:
                log.exception("live_attach_failed", channel=stream.channel(key))
                await close_socket(ws, Close.INTERNAL, "internal_error")
                return
            sender = watcher.sender = asyncio.create_task(watcher.run(after_seq))
            try:
                await watcher.receive_until_closed()
            finally:
                self.detach(feed, watcher)
                watcher.closing = True
                sender.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await sender
                if watcher.closer is not None:
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await watcher.closer
        finally:
            self.release(ip, viewer)

    # --- background ----------------------------------------------------------------------------------

    async def poll_once(self) -> None:
        """Compare every watched channel with the database (one query per stream kind) and catch up the
        feeds that are behind: events whose broker message was lost, or published by a process whose
        messages cannot reach us (Redis down, or no Redis and workers in another process)."""
        self.stats.polls += 1
        for stream in (self.lots, self.users):
            feeds = [f for (kind, _), f in list(self.feeds.items())
                     if kind == stream.kind and f.pump is not None]
            if not feeds:
                continue
            async with self.read_session() as session:
                heads = await stream.heads(session, [f.key for f in feeds])
            for feed in feeds:
                if heads.get(feed.key, 0) > feed.last:
                    await feed.catch_up()

    async def _poll_loop(self) -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(POLL_UNHEALTHY)
            interval = POLL_HEALTHY if self.runtime.broker.healthy else POLL_UNHEALTHY
            if time.monotonic() - last < interval:
                continue
            last = time.monotonic()
            try:
                await self.poll_once()
            except Exception as exc:
                log.warning("live_poll_failed", error=str(exc))

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT)
            self.heartbeat()

    def heartbeat(self) -> None:
        """An app-level ping with the server clock to every connection: browsers cannot see protocol
        pings, so this is how a page notices a dead connection (silence) and re-syncs its countdown."""
        frame = encode({"type": "ping", "server_time": iso_ms(clock.now())})
        data = text_frame(frame.encode())
        for feed in list(self.feeds.values()):
            for watcher in feed.watchers:
                watcher.push(None, frame, data)

    def snapshot_stats(self) -> dict[str, Any]:
        return {**self.stats.__dict__, "feeds": len(self.feeds),
                "watchers": sum(len(f.watchers) for f in self.feeds.values())}
