"""How e-mails leave the platform: `ESATIS_SMTP_URL`.

| `ESATIS_SMTP_URL` | how |
| --- | --- |
| unset | every e-mail is a log line (development) |
| `smtp://host:port` (`smtp://user:pass@host:port`) | plain SMTP, upgraded with STARTTLS when the server offers it |
| `smtps://user:pass@host:port` | SMTP over TLS from the first byte |

The shared kernel's transport, beside `auction.sms`: it knows SMTP, not what a message says (the
notifications compose the messages, auction/notifications/email.py). The client is aiosmtplib
(maintained, asyncio). One connection carries a whole batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import getaddresses
from urllib.parse import unquote, urlsplit

import aiosmtplib
import structlog

log = structlog.get_logger(__name__)

# CRLF and no folding below RFC 5322's 998 characters: header values (the unsubscribe URL) stay verbatim.
WIRE = SMTP_POLICY.clone(max_line_length=998)


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    use_tls: bool
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpTarget:
    """`smtp://[user:pass@]host[:port]` or `smtps://user:pass@host[:port]`; ValueError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("ESATIS_SMTP_URL must look like smtp://host:port or smtps://user:pass@host:port")
    use_tls = parts.scheme == "smtps"
    return SmtpTarget(host=parts.hostname, port=parts.port or (465 if use_tls else 25), use_tls=use_tls,
                      username=unquote(parts.username) if parts.username else None,
                      password=unquote(parts.password) if parts.password else None)


class MailError(RuntimeError):
    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class Mailer:
    """Sends a batch over one connection; `send` returns per message None (taken) or a MailError."""

    def __init__(self, smtp_url: str | None, *, timeout: float) -> None:
        self.target = parse_smtp_url(smtp_url) if smtp_url else None
        self.timeout = timeout

    async def send(self, messages: list[EmailMessage]) -> list[MailError | None]:
        if self.target is None:
            # No SMTP server configured: the message is logged, one short line a message (a demo's start-up
            # replays dozens); the body at debug level (ESATIS_LOG_LEVEL=DEBUG) for whoever wants to read it.
            for m in messages:
                plain = m.get_body(("plain",))
                log.info("email", to=m["To"], subject=m["Subject"])
                log.debug("email_body", to=m["To"], text=plain.get_content() if plain else "")
            return [None] * len(messages)
        t = self.target
        client = aiosmtplib.SMTP(hostname=t.host, port=t.port, use_tls=t.use_tls, username=t.username,
                                 password=t.password, timeout=self.timeout)
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as exc:
            error = MailError(f"SMTP connection failed: {type(exc).__name__}: {exc}"[:300], permanent=False)
            return [error] * len(messages)
        results: list[MailError | None] = []
        try:
            for m in messages:
                results.append(await self._one(client, m))
        finally:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()
        return results

    @staticmethod
    async def _one(client: aiosmtplib.SMTP, message: EmailMessage) -> MailError | None:
        # Flattened here, not by send_message(): its 78-column policy folds the long List-Unsubscribe URL
        # into RFC 2047 encoded words, which mail clients do not decode in that header.
        raw = message.as_bytes(policy=WIRE)
        sender = getaddresses([str(message["From"])])[0][1]
        try:
            await client.sendmail(sender, [str(message["To"])], raw)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            return MailError(f"recipient refused: {exc}"[:300], permanent=True)
        except aiosmtplib.SMTPResponseException as exc:
            # 5xx: the server will never take it; 4xx: try again later.
            return MailError(f"SMTP {exc.code}: {exc.message}"[:300], permanent=500 <= exc.code < 600)
        except (aiosmtplib.SMTPException, OSError) as exc:
            return MailError(f"{type(exc).__name__}: {exc}"[:300], permanent=False)
        return None
