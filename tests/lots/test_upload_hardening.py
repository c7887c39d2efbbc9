"""Uploads (issue 16 A, docs/security.md): an image is what its magic bytes, its declared type and its
decoder all say, is re-encoded without metadata, and a decompression bomb is refused before decoding."""

from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin

from auction.mektup.errors import ScanInvalid
from auction.mektup.service import _check_scan
from auction.storage.images import MAX_PIXELS, ImageRejected, reencode_image


def _jpeg(exif_artist: str | None = None, size: tuple[int, int] = (32, 24)) -> bytes:
    img = Image.new("RGB", size, (10, 120, 200))
    out = io.BytesIO()
    if exif_artist:
        exif = Image.Exif()
        exif[0x013B] = exif_artist
        exif[0x8825] = {2: (41, 0, 0)}  # GPSInfo: a latitude
        img.save(out, format="JPEG", exif=exif.tobytes())
    else:
        img.save(out, format="JPEG")
    return out.getvalue()


def _png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "TC 12345678901 Mert Yılmaz")
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 0, 0)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def test_metadata_and_trailing_payload_are_gone():
    raw = _jpeg("Sahibi: Mert Yılmaz") + b"<script>alert(1)</script>"
    assert b"Mert" in raw
    clean = reencode_image(raw, "image/jpeg")
    assert b"Mert" not in clean and b"<script>" not in clean
    assert Image.open(io.BytesIO(clean)).getexif() == {}
    png = reencode_image(_png_with_text(), "image/png")
    assert b"12345678901" not in png
    assert Image.open(io.BytesIO(png)).size == (20, 20)


@pytest.mark.parametrize(("data", "ctype", "code"), [
    (b"<html><script>alert(1)</script></html>", "image/jpeg", "image_unreadable"),  # no image magic
    (b"\xff\xd8\xff<html><script>alert(1)</script>", "image/jpeg", "image_unreadable"),  # magic, no image
    (_jpeg(), "image/png", "file_type_mismatch"),
    (b"RIFF\x00\x00\x00\x00WAVEfmt ", "image/webp", "image_unreadable"),
    (_png_with_text(), "image/webp", "file_type_mismatch"),
    (b"GIF89a", "image/gif", "unsupported_media_type"),
])
def test_what_is_not_the_declared_image_is_refused(data, ctype, code):
    with pytest.raises(ImageRejected) as info:
        reencode_image(data, ctype)
    assert info.value.code == code


def test_a_decompression_bomb_is_refused_before_decoding():
    # A 1-bit PNG of 8000 × 8000 pixels is a few KB on disk and 64 MP once decoded.
    out = io.BytesIO()
    Image.new("1", (8000, 8000)).save(out, format="PNG")
    assert len(out.getvalue()) < 100_000 and MAX_PIXELS < 8000 * 8000
    with pytest.raises(ImageRejected) as info:
        reencode_image(out.getvalue(), "image/png")
    assert info.value.code == "image_too_large"


def test_a_mektup_scan_is_reencoded_and_a_fake_one_refused():
    ctype, data = _check_scan(_jpeg("Sahibi: Mert Yılmaz"), "image/jpeg")
    assert ctype == "image/jpeg" and b"Mert" not in data
    ctype, data = _check_scan(b"%PDF-1.7\n...", "application/pdf")
    assert data == b"%PDF-1.7\n..."
    for raw, ctype in ((b"\xff\xd8\xff not really", "image/jpeg"), (b"<html>", "application/pdf"),
                       (b"", "image/png"), (b"MZ", "application/x-msdownload")):
        with pytest.raises(ScanInvalid) as info:
            _check_scan(raw, ctype)
        assert info.value.status == 422 and info.value.code == "mektup_scan_invalid"
