"""Serving standalone official documents (sıra cetveli, tutanak) as HTML or PDF.

These documents carry their own inline stylesheet so that the same HTML prints and converts to PDF
without the site's CSS; they get a policy of their own that allows exactly that and nothing else.
"""

from __future__ import annotations

from starlette.responses import HTMLResponse, Response

DOCUMENT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"  # noqa: E501


def document_html(html: str, *, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(html, status_code=status_code, headers={"Content-Security-Policy": DOCUMENT_CSP})


def document_pdf(pdf: bytes, filename: str, *, inline: bool = True) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'{disposition}; filename="{filename}"'})
