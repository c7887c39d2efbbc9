"""The message worker: sends the e-mails (SMTP, `ESATIS_SMTP_URL`) and SMS (`ESATIS_SMS`) that
notifications left in `outbound_messages`, after commit, with retries (auction/notifications/sending.py).

A pass claims a batch, sends the e-mails over one SMTP connection and the SMS a few at a time, and
records every result in one short transaction. Links in e-mails are absolute (`ESATIS_PUBLIC_URL`) and
carry a signed unsubscribe token for the kind.
"""

from __future__ import annotations

import asyncio
import random

import structlog

from auction import clock
from auction.mail import Mailer
from auction.notifications import sending
from auction.notifications.catalogue import load
from auction.notifications.email import compose
from auction.notifications.models import OutboundMessage
from auction.notifications.service import MESSAGES_WAKE_CHANNEL
from auction.notifications.unsubscribe import make_token
from auction.runtime import Runtime
from auction.sms import SmsError, SmsMessage, sender_for
from workers.base import Worker

log = structlog.get_logger(__name__)

SMS_AT_ONCE = 4
DEV_BASE_URL = "http://localhost:8000"


class MessageSender(Worker):
    name = "messages"
    interval = 2.0
    wake_channel = MESSAGES_WAKE_CHANNEL

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime)
        settings = runtime.settings
        self.limits = load().delivery
        self.mailer = Mailer(settings.smtp_url.get_secret_value() if settings.smtp_url else None,
                             timeout=self.limits.smtp_timeout)
        self.sms = sender_for(settings.sms)
        self.secret_key = settings.resolved_secret_key()
        self.base_url = (settings.public_url or DEV_BASE_URL).rstrip("/")
        self.rng = random.Random()

    async def run_once(self) -> int:
        async with self.runtime.db.session() as session:
            batch = await sending.claim(session, now=clock.now(), limits=self.limits)
        if not batch:
            return 0
        emails = [m for m in batch if m.channel == "email"]
        texts = [m for m in batch if m.channel == "sms"]
        results = await self._emails(emails) + await self._texts(texts)
        async with self.runtime.db.session() as session:
            await sending.finish(session, results, now=clock.now(), limits=self.limits, rng=self.rng)
        for r in results:
            if r.error:
                log.warning("message_not_sent", message_id=r.message_id, attempt=r.attempt, error=r.error,
                            permanent=r.permanent)
        return len(batch)

    def unsubscribe_url(self, m: OutboundMessage) -> str:
        return f"{self.base_url}/abonelik/{make_token(self.secret_key, m.user_id, m.kind, m.channel)}"

    async def _emails(self, batch: list[OutboundMessage]) -> list[sending.Result]:
        if not batch:
            return []
        composed = [compose(m, sender=self.runtime.settings.mail_from, base_url=self.base_url,
                            unsubscribe_url=self.unsubscribe_url(m), prefs_url=f"{self.base_url}/hesabim/profil")
                    for m in batch]
        errors = await self.mailer.send(composed)
        return [sending.Result(m.id, m.attempts, str(e) if e else None, bool(e and e.permanent))
                for m, e in zip(batch, errors, strict=True)]

    async def _texts(self, batch: list[OutboundMessage]) -> list[sending.Result]:
        gate = asyncio.Semaphore(SMS_AT_ONCE)

        async def one(m: OutboundMessage) -> sending.Result:
            async with gate:
                try:
                    await self.sms.send(SmsMessage(to=m.to_address, text=m.body))
                except SmsError as exc:
                    # A malformed number never gets better; a gateway refusal may.
                    return sending.Result(m.id, m.attempts, str(exc), permanent="E.164" in str(exc))
                return sending.Result(m.id, m.attempts)

        return list(await asyncio.gather(*(one(m) for m in batch)))
