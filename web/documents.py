"""Serving standalone official documents (sıra cetveli, tutanak) as HTML or PDF.

These documents carry their own inline stylesheet so that the same HTML prints and converts to PDF
without the site's CSS; they get a policy of their own that allows exactly that (by hash) and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import html as html_lib
import re

from starlette.responses import HTMLResponse, Response

from auction.config import Settings
from auction.sales.documents import render_pdf_apart
from auction.storage import StorageError, storage_for

DOCUMENT_CSP = "default-src 'none'; style-src {styles}; img-src data:; font-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"  # noqa: E501

_STYLE_BLOCK = re.compile(r"<style\b[^>]*>(.*?)</style>", re.S | re.I)
_STYLE_ATTR = re.compile(r"""\sstyle\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def document_csp(html: str) -> str:
    """The document's policy: nothing runs; exactly its own stylesheet(s) and style attributes apply, by
    their hashes (no 'unsafe-inline': an injected <style> or style= would not match)."""
    sources = sorted({_sha256(m.group(1)) for m in _STYLE_BLOCK.finditer(html)})
    attrs = sorted({_sha256(html_lib.unescape(m.group(1) if m.group(1) is not None else m.group(2)))
                    for m in _STYLE_ATTR.finditer(html)})
    if attrs:
        sources = [*sources, "'unsafe-hashes'", *attrs]
    return DOCUMENT_CSP.format(styles=" ".join(sources) or "'none'")


def document_html(html: str, *, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(html, status_code=status_code, headers={"Content-Security-Policy": document_csp(html)})


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
    return await render_pdf_apart(html)
