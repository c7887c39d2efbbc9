"""Uploaded images, made safe before they are stored (docs/security.md, "Uploads").

Every image a user sends (a lot photo, a teminat mektubu scan) is decoded and re-encoded with Pillow:
decoding proves the bytes are an image of the declared type (the magic bytes and the decoder agree, so a
polyglot HTML or script file named `.jpg` is refused); re-encoding keeps only the pixels, so EXIF GPS
positions, camera owners, comments and any trailing payload are gone. A picture larger than
`MAX_PIXELS` is refused before it is decoded (a decompression bomb is a few KB that inflate to GBs).
"""

from __future__ import annotations

import io
from typing import Final

# content type → (Pillow format, file extension, magic bytes)
IMAGE_TYPES: Final = {
    "image/jpeg": ("JPEG", "jpg", (b"\xff\xd8\xff",)),
    "image/png": ("PNG", "png", (b"\x89PNG\r\n\x1a\n",)),
    "image/webp": ("WEBP", "webp", (b"RIFF",)),
}
MAX_PIXELS: Final = 40_000_000  # 40 megapixels: more than any camera photo or A4 scan at 600 dpi


class ImageRejected(ValueError):
    """The bytes are not a safe image of the declared type; `code` says why (for the 4xx answer)."""

    def __init__(self, code: str, message: str, details: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.details = details or {}


def _sniff(data: bytes) -> str | None:
    """The image type the magic bytes announce, or None."""
    for ctype, (_fmt, _ext, magics) in IMAGE_TYPES.items():
        if any(data.startswith(m) for m in magics) and (ctype != "image/webp" or data[8:12] == b"WEBP"):
            return ctype
    return None


def reencode_image(data: bytes, content_type: str) -> bytes:
    """The image re-encoded in its declared format, without metadata; `ImageRejected` otherwise."""
    from PIL import Image, UnidentifiedImageError  # lazy: Pillow is only needed when re-encoding an upload

    spec = IMAGE_TYPES.get(content_type)
    if spec is None:
        raise ImageRejected("unsupported_media_type", "unsupported image type", {"content_type": content_type})
    fmt = spec[0]
    found = _sniff(data)
    if found != content_type:
        # Another image type → a mismatch; no image at all (HTML, a script, an executable) → unreadable.
        if found is not None:
            raise ImageRejected("file_type_mismatch", "the content is not the declared type",
                                {"declared": content_type, "found": found})
        raise ImageRejected("image_unreadable", "the content is not an image", {"declared": content_type})
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format != fmt:
                raise ImageRejected("file_type_mismatch", "the content is not the declared type",
                                    {"declared": content_type, "found": img.format})
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise ImageRejected("image_too_large", "too many pixels",
                                    {"width": width, "height": height, "max_pixels": MAX_PIXELS})
            img.load()
            clean = img.convert("RGB") if fmt == "JPEG" and img.mode not in ("RGB", "L") else img.copy()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ImageRejected):
            raise
        raise ImageRejected("image_unreadable", "the image cannot be read") from exc
    out = io.BytesIO()
    clean.save(out, format=fmt)  # no exif=, no icc/text chunks: only the pixels are written
    return out.getvalue()
