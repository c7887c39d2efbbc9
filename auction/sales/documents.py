"""The sale's documents: the şartname (A-20, A-23) and the artırma sonuç tutanağı (A-60), rendered from
Jinja2 templates; the tutanak's PDF with WeasyPrint (imported lazily: it is heavy and only the documents
worker and the PDF endpoint need it)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from auction.calendar import format_local, to_local
from auction.money import fmt_tr

# WeasyPrint logs every layout step at INFO; only its warnings belong in our logs.
for _name in ("weasyprint", "weasyprint.progress", "fontTools"):
    logging.getLogger(_name).setLevel(logging.WARNING)


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(loader=PackageLoader("auction.sales", "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    env.globals["money"] = fmt_tr
    env.globals["local"] = format_local
    env.filters["local_iso"] = lambda iso: local_or_dash(datetime.fromisoformat(iso.replace("Z", "+00:00")),
                                                         seconds=True) if iso else "—"
    return env


def render(template: str, **context: Any) -> str:
    return _env().get_template(template).render(**context)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def extension_text(window_s: int, step_s: int, cap_s: int | None, mode: str, first_base: str) -> str:
    """A-41 in words, from the round's snapshot parameters."""
    w, x = _dur(window_s), _dur(step_s)
    if mode == "once":
        return f"son {w} içinde teklif gelirse artırma bir kez {x} uzar"
    first = (f"pencere içindeki ilk teklif bitişi ilan edilen bitişten {x} sonraya taşır"
             if first_base == "scheduled_end" else f"her teklif bitişi teklif anından {x} sonraya taşır")
    cap = f"; uzamaların toplamı {_dur(cap_s)} geçemez" if cap_s is not None else ""
    return f"{first}; sonraki her teklif bitişi teklif anından {x} sonraya taşır{cap}"


def window_text(window_s: int) -> str:
    return _dur(window_s)


def _dur(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} saat"
    if seconds % 60 == 0:
        return f"{seconds // 60} dakika"
    return f"{seconds} saniye"


def number_tr(value: Decimal) -> str:
    """A rate or count without trailing zeros, Turkish decimal comma: 20 → "20", 5.69 → "5,69"."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def percent_tr(rate: Decimal) -> str:
    """0.20 → "%20", 0.01 → "%1" (the Turkish way of writing a percentage)."""
    return "%" + number_tr(rate * 100)


def mask_name(full_name: str) -> str:
    """OP-10: the public tutanak shows the buyer's initials only ("Elif Kaya" → "E. K.")."""
    parts = [p for p in full_name.split() if p]
    return " ".join(f"{p[0].upper()}." for p in parts) or "—"


def local_or_dash(dt: datetime | None, *, seconds: bool = False) -> str:
    if dt is None:
        return "—"
    if seconds:
        return to_local(dt).strftime("%d.%m.%Y %H:%M:%S") + " (TSİ)"
    return format_local(dt) + " (TSİ)"


def money_or_dash(value: Decimal | None) -> str:
    return fmt_tr(value) if value is not None else "—"


def render_pdf(html: str) -> bytes:
    """HTML → PDF (A4). Blocking and CPU-bound: from async code call `render_pdf_apart`."""
    from weasyprint import HTML  # lazy: WeasyPrint is heavy and only needed when rendering a PDF

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


_renderer: ProcessPoolExecutor | None = None


def _exit_with_parent(parent: int) -> None:
    """In the renderer: leave when the process that started it is gone (killed, not shut down: a
    shutdown stops the renderer itself), instead of lingering as an orphan."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


async def render_pdf_apart(html: str) -> bytes:
    """`render_pdf` in a process of its own (one per process, started on first use, spawned so it inherits
    no threads or connections). WeasyPrint takes tens to hundreds of milliseconds of CPU per document and,
    in a thread, holds the GIL the event loop needs: the round clock's closer in a worker, the bids in a web
    process (docs/performance.md, round clock). A renderer that died is replaced once."""
    global _renderer
    for attempt in (1, 2):
        if _renderer is None:
            _renderer = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_exit_with_parent, initargs=(os.getpid(),))
        try:
            return await asyncio.get_running_loop().run_in_executor(_renderer, render_pdf, html)
        except BrokenProcessPool:
            _renderer = None
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
