"""Serving stored uploads (lot photos and documents, teminat mektubu scans) so that none can ever act as
active content on our origin (issue 16, docs/security.md).

The upload side already admits only JPEG/PNG/WebP (re-encoded) and PDF, by content. This is the second
line: whatever a row's `content_type` says, only those four types are served as themselves (inline, with a
filename); anything else — a row written before the checks, a storage mix-up — goes out as an
`application/octet-stream` attachment the browser will not render. Every answer carries `nosniff` and a
policy that runs nothing: images are also `sandbox`ed; PDFs are not, because Chromium refuses to show a
PDF in a sandboxed document (its viewer runs no page script of ours either way)."""

from __future__ import annotations

from starlette.responses import Response

SAFE_INLINE = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "application/pdf": "pdf"}
UPLOAD_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'"
IMAGE_CSP = UPLOAD_CSP + "; sandbox"


def upload_response(data: bytes, content_type: str, *, name: str, cache_control: str) -> Response:
    """`name` is our own ascii stem (e.g. `dosya-12`), never the uploader's file name."""
    ctype = content_type.split(";")[0].strip().lower()
    headers = {"Cache-Control": cache_control, "X-Content-Type-Options": "nosniff"}
    if ctype in SAFE_INLINE:
        headers["Content-Disposition"] = f'inline; filename="{name}.{SAFE_INLINE[ctype]}"'
        headers["Content-Security-Policy"] = IMAGE_CSP if ctype.startswith("image/") else UPLOAD_CSP
        return Response(data, media_type=ctype, headers=headers)
    headers["Content-Disposition"] = f'attachment; filename="{name}.bin"'
    headers["Content-Security-Policy"] = IMAGE_CSP
    return Response(data, media_type="application/octet-stream", headers=headers)
