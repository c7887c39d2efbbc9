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


def test_the_renderer_leaves_when_its_process_is_killed(tmp_path):
    import subprocess
    import sys
    import time

    script = tmp_path / "parent.py"
    script.write_text(
        "import asyncio, time\n"
        "from auction.sales import documents\n"
        "if __name__ == '__main__':  # the spawned renderer imports this file too\n"
        f"    asyncio.run(documents.render_pdf_apart({HTML!r}))\n"
        "    print(*[p.pid for p in documents._renderer._processes.values()], flush=True)\n"
        "    time.sleep(600)\n")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        renderer = int(parent.stdout.readline().split()[0])  # type: ignore[union-attr]
    finally:
        parent.kill()  # SIGKILL: no shutdown runs in the parent
        parent.wait()
    for _ in range(300):  # it looks every second; wait up to a minute before calling it an orphan
        try:
            os.kill(renderer, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.kill(renderer, signal.SIGKILL)
    raise AssertionError("the renderer outlived its killed parent")
