"""E-mail: composing a notification's message (text and HTML, the unsubscribe headers); the SMTP
transport that hands it over is auction.mail (`ESATIS_SMTP_URL`). A message has a `Message-ID` derived
from its row, so a retry after an unclear failure is recognisable as the same mail.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape

from auction import clock
from auction.notifications.models import OutboundMessage

TEMPLATES = Path(__file__).resolve().parent / "templates"

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
