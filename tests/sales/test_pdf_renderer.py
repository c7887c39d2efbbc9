"""PDFs are rendered in a process of their own (`render_pdf_apart`): the caller's event loop keeps running
while WeasyPrint works, and a renderer that died is replaced for the next document."""

from __future__ import annotations

import asyncio
import os
import signal

from auction.sales import documents

HTML = "<!doctype html><html lang='tr'><body><h1>Artırma sonuç tutanağı</h1><p>Çığ öşü</p></body></html>"


async def test_the_pdf_comes_from_another_process_and_the_event_loop_runs_meanwhile():
    ticks = 0
    done = asyncio.Event()

    async def tick() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.001)

    ticker = asyncio.create_task(tick())
    try:
        pdf = await documents.render_pdf_apart(HTML)
    finally:
        done.set()
        await ticker
    assert pdf.startswith(b"%PDF-")
    renderer = documents._renderer
    assert renderer is not None
    pids = [p.pid for p in renderer._processes.values()]  # type: ignore[union-attr]
    assert pids and os.getpid() not in pids
    assert ticks > 1  # the loop was not held while the document was laid out


async def test_a_renderer_that_died_is_replaced():
    await documents.render_pdf_apart(HTML)
    renderer = documents._renderer
    assert renderer is not None
    for process in list(renderer._processes.values()):  # type: ignore[union-attr]
        os.kill(process.pid, signal.SIGKILL)
        process.join(10)
    pdf = await documents.render_pdf_apart(HTML)
    assert pdf.startswith(b"%PDF-")
    assert documents._renderer is not renderer
