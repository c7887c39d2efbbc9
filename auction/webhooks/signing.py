"""Endpoint secrets: made, kept encrypted, and used to sign (Standard Webhooks).

The platform must sign with the secret on every attempt, so it cannot keep only a hash of it (as it does
with passwords). It keeps it encrypted at rest instead: AES-256-GCM with a key derived (HKDF-SHA256, its
own purpose label) from `ESATIS_SECRET_KEY`. A copy of the database alone (a backup, a replica, a leaked
dump) therefore yields no signing secret. The stored form is `v1:` + base64(nonce ‖ ciphertext ‖ tag),
so a later key scheme can sit next to this one. Changing `ESATIS_SECRET_KEY` makes stored secrets
unreadable: rotate every endpoint's secret afterwards (docs/webhooks.md, "Operations").
"""

from __future__ import annotations

import base64
import os
import secrets
from datetime import datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from standardwebhooks.webhooks import Webhook

from auction.webhooks.errors import SecretUnreadable

PREFIX = "whsec_"
_VERSION = "v1:"
_AAD = b"esatis webhook endpoint secret"


def new_secret() -> str:
    """A fresh `whsec_…` secret: 32 random bytes, base64 (what Standard Webhooks libraries expect)."""
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def hint(secret: str) -> str:
    """What the pages show of a secret after creation: enough to tell two apart, useless to sign."""
    return secret[: len(PREFIX) + 4] + "…"


class SecretBox:
    def __init__(self, master_key: str) -> None:
        self._aead = AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=b"esatis",
                                 info=b"webhook-endpoint-secrets/v1").derive(master_key.encode()))

    def seal(self, secret: str) -> str:
        nonce = os.urandom(12)
        return _VERSION + base64.b64encode(nonce + self._aead.encrypt(nonce, secret.encode(), _AAD)).decode()

    def open(self, stored: str) -> str:
        if not stored.startswith(_VERSION):
            raise SecretUnreadable("unknown secret format")
        raw = base64.b64decode(stored[len(_VERSION):])
        try:
            return self._aead.decrypt(raw[:12], raw[12:], _AAD).decode()
        except InvalidTag:
            raise SecretUnreadable("the secret does not decrypt with this ESATIS_SECRET_KEY") from None


def signature_header(keys: list[str], msg_id: str, timestamp: datetime, body: bytes) -> str:
    """`webhook-signature`: one `v1,…` per secret, space separated (during a rotation's overlap both the
    new and the old secret sign, so a receiver holding either verifies)."""
    return " ".join(Webhook(secret).sign(msg_id, timestamp, body) for secret in keys)
