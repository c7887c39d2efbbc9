"""Uploads are never served with an active content type (issue 16, docs/security.md): only the four
admitted types go out as themselves, with nosniff, a filename of ours and a policy that runs nothing;
anything else — even a row whose stored type was tampered with — is an octet-stream attachment."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import update

from auction.lots.models import LotFile
from web.uploads import upload_response


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 10)).save(out, format="PNG")
    return out.getvalue()


def _directives(csp: str) -> dict[str, list[str]]:
    return {p.split()[0]: p.split()[1:] for p in csp.split(";") if p.split()}


@pytest.mark.parametrize("ctype", ["text/html", "image/svg+xml", "application/xhtml+xml", "text/javascript",
                                   "application/octet-stream", "text/plain; charset=utf-8", "TEXT/HTML", ""])
def test_anything_but_the_admitted_types_is_an_inert_attachment(ctype):
    r = upload_response(b"<script>alert(1)</script>", ctype, name="dosya-7", cache_control="private, no-store")
    assert r.media_type == "application/octet-stream"
    assert r.headers["content-disposition"] == 'attachment; filename="dosya-7.bin"'
    assert r.headers["x-content-type-options"] == "nosniff"
    d = _directives(r.headers["content-security-policy"])
    assert d["default-src"] == ["'none'"] and "sandbox" in d and "script-src" not in d


@pytest.mark.parametrize(("ctype", "ext"), [("image/jpeg", "jpg"), ("image/png", "png"), ("image/webp", "webp"),
                                            ("application/pdf", "pdf")])
def test_admitted_types_are_served_inline_and_inert(ctype, ext):
    r = upload_response(b"x", ctype, name="mektup-3", cache_control="private, no-store")
    assert r.media_type == ctype
    assert r.headers["content-disposition"] == f'inline; filename="mektup-3.{ext}"'
    assert r.headers["x-content-type-options"] == "nosniff"
    d = _directives(r.headers["content-security-policy"])
    assert d["default-src"] == ["'none'"] and "script-src" not in d and d["frame-ancestors"] == ["'none'"]
    assert ("sandbox" in d) is ctype.startswith("image/")


async def test_served_lot_files_carry_the_headers_even_if_the_stored_type_is_tampered(env, runtime):
    lot = await env.lot()
    r = await env.client.post(f"/api/v1/lots/{lot['id']}/files", headers=env.staff.headers,
                              data={"kind": "photo", "title": "Salon"}, files={"file": ("a.png", _png(), "image/png")})
    assert r.status_code == 201, r.text
    url = f"/api/v1/lots/{lot['id']}/files/{r.json()['id']}"
    got = await env.client.get(url)
    assert got.status_code == 200 and got.headers["content-type"] == "image/png"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"] == f'inline; filename="dosya-{r.json()["id"]}.png"'
    assert "sandbox" in got.headers["content-security-policy"]
    assert "script-src" not in got.headers["content-security-policy"]
    # A row whose type says HTML (written before the checks, or by someone with database access) is
    # still never rendered by the browser.
    async with runtime.db.session() as s:
        await s.execute(update(LotFile).where(LotFile.id == r.json()["id"]).values(content_type="text/html"))
    got = await env.client.get(url)
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-content-type-options"] == "nosniff"
