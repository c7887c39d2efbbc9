"""Runs workers side by side: in the web process (`esatis serve`) or alone (`esatis worker`)."""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal

import structlog

from auction import context
from auction.runtime import Runtime
from workers.base import Worker
from workers.registry import default_workers

log = structlog.get_logger(__name__)


class Supervisor:
    def __init__(self, runtime: Runtime, workers: list[Worker] | None = None) -> None:
        self.runtime = runtime
        self.workers = workers if workers is not None else default_workers(runtime)
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        self._stopping.clear()
        for worker in self.workers:
            self._tasks.append(asyncio.create_task(self._loop(worker), name=f"worker:{worker.name}"))

    async def stop(self) -> None:
        self._stopping.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        for worker in self.workers:
            await worker.close()

    async def wait(self) -> None:
        await self._stopping.wait()

    async def _loop(self, worker: Worker) -> None:
        context.set_context(context.RequestContext(source="worker"))
        structlog.contextvars.bind_contextvars(worker=worker.name)
        wake = asyncio.Event()
        sub = None
        if worker.wake_channel:
            sub = await self.runtime.broker.subscribe(worker.wake_channel, maxsize=16)

            async def forward() -> None:
                assert sub is not None
                async for _ in sub:
                    wake.set()

            forwarder = asyncio.create_task(forward())
        failures = 0
        try:
            while not self._stopping.is_set():
                try:
                    done = await worker.run_once()
                    failures = 0
                except asyncio.CancelledError:
                    raise
                except Exception:
                    failures += 1
                    backoff = min(30.0, 0.5 * 2 ** min(failures, 6)) * random.uniform(0.8, 1.2)
                    log.exception("worker_failed", failures=failures, retry_in=round(backoff, 2))
                    await asyncio.sleep(backoff)
                    continue
                if done > 0:
                    await asyncio.sleep(0)
                    continue
                wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), timeout=worker.interval)
        finally:
            if sub is not None:
                forwarder.cancel()
                await sub.close()


async def run_forever(runtime: Runtime, workers: list[Worker] | None = None) -> None:
    """`esatis worker`: run `workers` (default: all of them) until SIGINT/SIGTERM."""
    await runtime.start()
    supervisor = Supervisor(runtime, workers)
    await supervisor.start()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    log.info("workers_started", workers=[w.name for w in supervisor.workers])
    try:
        await stop.wait()
    finally:
        await supervisor.stop()
        await runtime.stop()
