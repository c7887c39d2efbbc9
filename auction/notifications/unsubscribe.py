"""Unsubscribe links: a signed token naming one person, one kind and one channel, good without signing in
(the e-mail's link and its `List-Unsubscribe` one-click header, RFC 8058). HMAC-SHA256 with a key derived
from `ESATIS_SECRET_KEY` for this purpose only; no expiry (an old e-mail's link must keep working)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass

from auction.notifications.errors import UnsubscribeTokenInvalid


@dataclass(frozen=True)
class Unsubscribe:
    user_id: int
    kind: str
    channel: str


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), b"esatis notification unsubscribe v1", hashlib.sha256).digest()


def make_token(secret_key: str, user_id: int, kind: str, channel: str) -> str:
    payload = _b64(json.dumps([user_id, kind, channel], separators=(",", ":")).encode())
    signature = _b64(hmac.new(_key(secret_key), payload.encode(), hashlib.sha256).digest()[:18])
    return f"{payload}.{signature}"


def read_token(secret_key: str, token: str) -> Unsubscribe:
    payload, _, signature = token.partition(".")
    expected = _b64(hmac.new(_key(secret_key), payload.encode(), hashlib.sha256).digest()[:18])
    if not payload or not hmac.compare_digest(signature, expected):
        raise UnsubscribeTokenInvalid()
    try:
        user_id, kind, channel = json.loads(_unb64(payload))
        return Unsubscribe(int(user_id), str(kind), str(channel))
    except (ValueError, TypeError):
        raise UnsubscribeTokenInvalid() from None
