"""E-mail: composing a notification's message and handing it to the SMTP server (`ESATIS_SMTP_URL`).

| `ESATIS_SMTP_URL` | how |
| --- | --- |
| unset | every e-mail is a log line (development) |
| `smtp://host:port` (`smtp://user:pass@host:port`) | plain SMTP, upgraded with STARTTLS when the server offers it |
| `smtps://user:pass@host:port` | SMTP over TLS from the first byte |

The client is aiosmtplib (maintained, asyncio). One connection carries a whole batch. A message has a
`Message-ID` derived from its row, so a retry after an unclear failure is recognisable as the same mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, getaddresses
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import aiosmtplib
import structlog
from jinja2 import Environment, FileSystemLoader, select_autoescape

from auction import clock
from auction.notifications.models import OutboundMessage

log = structlog.get_logger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"
# CRLF and no folding below RFC 5322's 998 characters: header values (the unsubscribe URL) stay verbatim.
WIRE = SMTP_POLICY.clone(max_line_length=998)

FOOTER = {
    "tr": {"open": "Ayrıntılar için:", "button": "Ayrıntıları görün",
           "why": "Bu e-postayı e-Satış'taki bildirim tercihleriniz nedeniyle aldınız.",
           "unsubscribe": "Bu tür e-postaları almak istemiyorsanız:", "prefs": "Tüm tercihleriniz:",
           "auto": "Bu ileti otomatik gönderilmiştir; lütfen yanıtlamayın."},
    "en": {"open": "Details:", "button": "See the details",
           "why": "You receive this e-mail because of your notification settings on e-Satış.",
           "unsubscribe": "To stop e-mails of this kind:", "prefs": "All your settings:",
           "auto": "This message was sent automatically; please do not reply."},
}


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


@lru_cache(maxsize=1)
def _html_env() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))


def compose(msg: OutboundMessage, *, sender: str, base_url: str, unsubscribe_url: str, prefs_url: str) -> EmailMessage:
    words = FOOTER.get(msg.lang, FOOTER["tr"])
    link = base_url.rstrip("/") + msg.link if msg.link else None
    text = [msg.body, ""]
    if link:
        text += [f"{words['open']} {link}", ""]
    text += ["--", words["why"], f"{words['unsubscribe']} {unsubscribe_url}", f"{words['prefs']} {prefs_url}",
             words["auto"]]
    email = EmailMessage()
    email["From"] = sender
    email["To"] = msg.to_address
    email["Subject"] = msg.subject
    email["Date"] = format_datetime(clock.now())
    # The same on every retry of this row: a server that did take an earlier attempt can tell.
    email["Message-ID"] = f"<notification.{msg.id}.{msg.channel}@{urlsplit(base_url).hostname or 'esatis'}>"
    email["Auto-Submitted"] = "auto-generated"
    email["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content("\n".join(text))
    html = _html_env().get_template("email.html").render(msg=msg, link=link, words=words,
                                                          unsubscribe_url=unsubscribe_url, prefs_url=prefs_url)
    email.add_alternative(html, subtype="html")
    email["Content-Language"] = msg.lang  # after the body: set_content() drops Content-* headers
    return email


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
            for m in messages:
                plain = m.get_body(("plain",))
                log.info("email", to=m["To"], subject=m["Subject"], text=plain.get_content() if plain else "")
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
