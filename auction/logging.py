"""structlog configuration: one JSON object per line, with the request id bound by the web middleware
(`structlog.contextvars`) so every line of one request can be found together.

Secrets and personal data never reach a log line (docs/security.md): `redact` runs last before the
renderer on every line, ours and the libraries', including the text of a logged exception. It blanks the
values of secret-named fields (password, token, secret, cookie, authorization, csrf, code …) and masks,
inside any string, a TC kimlik no (11 digits with a valid checksum), a TR IBAN (all but the last four
digits), bearer and `esat_` tokens, `whsec_` webhook secrets and the password of a URL. The dev-only
`ESATIS_SMS=console` line is the one deliberate exception: its `text` is the SMS (with its code) so a
developer can read it; production refuses that setting.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

REDACTED = "[gizli]"
# Field names whose value is a secret whatever it looks like (compared lower-case, "-" as "_").
_SECRET_KEYS = frozenset({
    "password", "new_password", "passwd", "secret", "token", "access_token", "refresh_token", "authorization",
    "cookie", "set_cookie", "csrf", "csrf_token", "api_key", "session", "otp", "code_hash", "password_hash",
    "secret_key", "smtp_url",
})
_SECRET_SUFFIXES = ("_password", "_secret", "_token")
_TCKN = re.compile(r"(?<![0-9])[1-9][0-9]{10}(?![0-9])")
_IBAN = re.compile(r"\bTR[0-9]{2}(?:[ ]?[0-9A-Z]){22}\b", re.IGNORECASE)
_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+")
_TOKENS = re.compile(r"\b(?:esat_|whsec_)[A-Za-z0-9._~+/=-]+")
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+@")


def _valid_tckn(digits: str) -> bool:
    d = [int(c) for c in digits]
    return (sum(d[0:9:2]) * 7 - sum(d[1:8:2])) % 10 == d[9] and sum(d[:10]) % 10 == d[10]


def _mask_iban(match: re.Match[str]) -> str:
    compact = match.group(0).replace(" ", "")
    return compact[:2] + "*" * (len(compact) - 6) + compact[-4:]


def redact_text(text: str) -> str:
    """`text` with TC kimlik numbers, IBANs, tokens, webhook secrets and URL passwords masked."""
    if len(text) < 8:
        return text
    text = _BEARER.sub(lambda m: m.group(1) + REDACTED, text)
    text = _TOKENS.sub(REDACTED, text)
    text = _URL_PASSWORD.sub(lambda m: m.group(1) + REDACTED + "@", text)
    text = _IBAN.sub(_mask_iban, text)
    return _TCKN.sub(lambda m: "*" * 11 if _valid_tckn(m.group(0)) else m.group(0), text)


def _is_secret_key(key: object) -> bool:
    if not isinstance(key, str):
        return False
    k = key.lower().replace("-", "_")
    return k in _SECRET_KEYS or k.endswith(_SECRET_SUFFIXES)


def _redact_value(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if depth > 5:
        return value
    if isinstance(value, dict):
        return {k: (REDACTED if _is_secret_key(k) and v is not None else _redact_value(v, depth + 1))
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact_value(v, depth + 1) for v in value]
    return value


def redact(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: every field of the line, secrets blanked and personal data masked."""
    for key in list(event_dict):
        value = event_dict[key]
        if _is_secret_key(key) and value is not None:
            event_dict[key] = REDACTED
        elif key != "text" or event_dict.get("event") != "sms":
            event_dict[key] = _redact_value(value)
    return event_dict


class _FontSubsetNotice(logging.Filter):
    """Drops WeasyPrint's per-font 'Using fontTools instead of HarfBuzz-Subset' warning (see configure_logging)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "HarfBuzz-Subset" not in record.getMessage()


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    renderer: Any
    if fmt == "console":
        renderer = structlog.dev.ConsoleRenderer()
    else:
        renderer = structlog.processors.JSONRenderer(ensure_ascii=False)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # alembic announces every plugin it loads at INFO; only its warnings matter when serving.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # uvicorn's access log duplicates our request log line (which carries the request id).
    logging.getLogger("uvicorn.access").disabled = True
    # WeasyPrint warns once per font of every PDF when the machine lacks libharfbuzz-subset (it falls back to
    # fontTools: slower, same PDF). A fresh machine rendering the demo's documents printed ~90 of these after
    # the start-up banner; the fix is a package (deploy/Dockerfile installs it), not a line per document.
    weasy = logging.getLogger("weasyprint")
    if not any(isinstance(f, _FontSubsetNotice) for f in weasy.filters):
        weasy.addFilter(_FontSubsetNotice())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
