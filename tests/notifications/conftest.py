"""Fixtures for the e-mail and SMS tests: a real SMTP server inside the test (aiosmtpd on 127.0.0.1), the
`file:` SMS sender, and helpers that run the outbox relay and the message worker one pass at a time."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.smtp import SMTP as SMTPServerProtocol

from auction.config import Settings
from auction.events import service as events
from auction.users import service as users
from tests.conftest import Actor, MakeActor, make_settings
from tests.engine import make_actor, manual_clock  # noqa: F401 - the engine's clock; tokens for ten years
from workers.messages import MessageSender
from workers.outbox_relay import OutboxRelay


@dataclass
class Mailbox:
    """The SMTP server's handler: keeps every message; `refuse` answers the next DATA commands instead."""

    messages: list[EmailMessage] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    refuse: list[str] = field(default_factory=list)
    port: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return self.refuse.pop(0)
        self.raw.append(envelope.content)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
async def mailbox() -> AsyncIterator[Mailbox]:
    box = Mailbox()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTPServerProtocol(box, hostname="smtp.test", enable_SMTPUTF8=True),
                                      "127.0.0.1", 0)
    box.port = server.sockets[0].getsockname()[1]
    yield box
    server.close()


@pytest.fixture
def sms_file(tmp_path: Path) -> Path:
    return tmp_path / "sms.jsonl"


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path, mailbox: Mailbox, sms_file: Path) -> Settings:
    return make_settings(migrated_url, tmp_path, smtp_url=f"smtp://127.0.0.1:{mailbox.port}", sms=f"file:{sms_file}",
                         public_url="https://esatis.example.test", rate_limits="off")


@dataclass
class People:
    client: httpx.AsyncClient
    runtime: Any
    staff: Actor
    make_actor: MakeActor
    sms_file: Path
    sender: MessageSender | None = None

    async def person(self, role: str = "bidder", *, phone: str | None = "+905551112233", lang: str = "tr") -> Actor:
        actor = await self.make_actor(role)
        async with self.runtime.db.session() as s:
            user = await users.get_user(s, actor.user.id)
            assert user is not None
            user.phone, user.lang = phone, lang
        return actor

    async def lot(self, title: str = "Kadıköy'de 3+1 daire") -> int:
        case = await self.client.post("/api/v1/cases", headers=self.staff.headers,
                                      json={"file_no": f"2026/{id(self)}-{title[:5]} Esas", "debtor": "Borçlu"})
        assert case.status_code == 201, case.text
        r = await self.client.post(f"/api/v1/cases/{case.json()['id']}/lots", headers=self.staff.headers, json={
            "kind": "tasinmaz", "title": title, "appraised_value": "2000000.00", "appraisal_final": True,
            "use": "konut"})
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    async def emit(self, type_: str, data: dict[str, Any]) -> str:
        async with self.runtime.db.session() as s:
            return events.emit(s, type_, data, subject_type="sale", subject_id=data.get("sale_id", 1),
                               office_id=None).event_id

    async def relay(self) -> int:
        return await OutboxRelay(self.runtime).run_once()

    async def send(self) -> int:
        if self.sender is None:
            self.sender = MessageSender(self.runtime)
        total = 0
        while n := await self.sender.run_once():
            total += n
        return total

    async def deliver(self) -> int:
        await self.relay()
        return await self.send()

    def texts(self) -> list[dict[str, Any]]:
        if not self.sms_file.exists():
            return []
        return [json.loads(line) for line in self.sms_file.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
async def people(client: httpx.AsyncClient, runtime: Any, staff: Actor,
                 make_actor: MakeActor, sms_file: Path) -> People:  # noqa: F811 - the engine's, imported above
    return People(client, runtime, staff, make_actor, sms_file)
