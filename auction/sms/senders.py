"""The `ESATIS_SMS` senders (see the package docstring for the table)."""

from __future__ import annotations

import asyncio
import json
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import structlog

log = structlog.get_logger(__name__)

# E.164 as the registered phone is stored: "+90" and 10 digits for Türkiye, any country code otherwise.
_PHONE = re.compile(r"^\+[1-9]\d{7,14}$")


class SmsError(RuntimeError):
    """A message could not be handed to the gateway (the caller decides whether to retry)."""


@dataclass(frozen=True)
class SmsMessage:
    to: str
    text: str
    # The one-time code the text carries, if any: written by the `file:` sender so that tests and demos
    # can read it back without parsing Turkish text. Never sent to a real gateway as a field.
    code: str | None = None

    def __post_init__(self) -> None:
        if not _PHONE.match(self.to):
            raise SmsError(f"not an E.164 phone number: {self.to!r}")
        if not self.text:
            raise SmsError("empty message")


class SmsSender(ABC):
    kind: str

    @abstractmethod
    async def send(self, message: SmsMessage) -> None:
        """Hand the message over; raises SmsError when the gateway refuses it."""


class ConsoleSms(SmsSender):
    kind = "console"

    async def send(self, message: SmsMessage) -> None:
        log.info("sms", to=message.to, text=message.text)


class FileSms(SmsSender):
    kind = "file"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = asyncio.Lock()

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")

    async def send(self, message: SmsMessage) -> None:
        line = json.dumps({"to": message.to, "text": message.text, "code": message.code}, ensure_ascii=False)
        async with self._lock:  # one line per message even when several tasks send at once
            await asyncio.to_thread(self._append, line)


class HttpSms(SmsSender):
    """A generic SMS gateway that takes `{"to", "text"}` as JSON. Short timeouts: a slow gateway must
    not hold the caller's request (codes are sent after commit) longer than a few seconds."""

    kind = "http"

    def __init__(self, url: str, *, timeout: float = 5.0) -> None:
        parts = urlsplit(url)
        self.auth: tuple[str | bytes, str | bytes] | None = (
            (parts.username, parts.password or "") if parts.username else None)
        netloc = parts.hostname or ""
        if parts.port:
            netloc = f"{netloc}:{parts.port}"
        self.url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
        self.timeout = timeout

    async def send(self, message: SmsMessage) -> None:
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                payload = {"to": message.to, "text": message.text}
                if self.auth is not None:
                    response = await client.post(self.url, json=payload, auth=self.auth)
                else:
                    response = await client.post(self.url, json=payload)
        except httpx.HTTPError as exc:
            raise SmsError(f"SMS gateway unreachable: {type(exc).__name__}") from exc
        if response.status_code >= 300:
            raise SmsError(f"SMS gateway answered {response.status_code}")


def parse_setting(value: str) -> tuple[str, str]:
    """`ESATIS_SMS` → (kind, argument). Raises ValueError for anything else."""
    if value == "console":
        return "console", ""
    if value.startswith("file:") and len(value) > len("file:"):
        return "file", value[len("file:"):]
    if value.startswith(("https://", "http://")) and urlsplit(value).hostname:
        return "http", value
    raise ValueError("ESATIS_SMS must be 'console', 'file:PATH' or an http(s):// gateway URL")


def sender_for(setting: str) -> SmsSender:
    kind, arg = parse_setting(setting)
    if kind == "console":
        return ConsoleSms()
    if kind == "file":
        return FileSms(Path(arg))
    return HttpSms(arg)
