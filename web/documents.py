"""Serving standalone official documents (sıra cetveli, tutanak) as HTML or PDF.

These documents carry their own inline stylesheet so that the same HTML prints and converts to PDF
without the site's CSS; they get a policy of their own that allows exactly that and nothing else.
"""

from __future__ import annotations

import asyncio

from starlette.responses import HTMLResponse, Response

from auction.config import Settings
from auction.storage import StorageError, storage_for

DOCUMENT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"  # noqa: E501


def document_html(html: str, *, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(html, status_code=status_code, headers={"Content-Security-Policy": DOCUMENT_CSP})


def document_pdf(pdf: bytes, filename: str, *, inline: bool = True) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'{disposition}; filename="{filename}"'})


async def stored_or_rendered_pdf(settings: Settings, key: str | None, html: str) -> bytes:
    """The PDF the documents worker stored, or - not rendered yet, or lost - the same HTML rendered now."""
    if key is not None:
        try:
            return await storage_for(settings).get(key)
        except StorageError:
            pass
    from auction.sales.documents import render_pdf

    return await asyncio.to_thread(render_pdf, html)
