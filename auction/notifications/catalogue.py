"""The notification catalogue (`data/catalogue.toml`): every kind of notification, the events that make
it, whom it goes to, its default channels and its words in Turkish and English."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, Template, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from auction.calendar import format_local
from auction.money import fmt_tr

DATA = Path(__file__).resolve().parent / "data" / "catalogue.toml"
CHANNELS = ("in_app", "email", "sms")
LANGS = ("tr", "en")
DEFAULT_LANG = "tr"
FIELDS = ("label", "title", "text", "sms")


class Blank(Undefined):
    """A field the event does not carry renders as a dash (an event of another branch's making that lacks
    one must still reach the person, never fail the relay). Tests render every template strictly."""

    def __str__(self) -> str:
        return "—"


def _money(lang: str) -> Any:
    def money(value: Any) -> str:
        try:
            amount = Decimal(str(value))
        except (InvalidOperation, ValueError):
            return str(value)
        return fmt_tr(amount) if lang == "tr" else f"{amount:,.2f} TL"

    return money


def when(value: Any) -> str:
    """A time as Türkiye's local time `dd.mm.yyyy HH:MM` (what the documents show, G-04)."""
    if isinstance(value, datetime):
        return format_local(value)
    try:
        return format_local(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
    except ValueError:
        return str(value)


def short(value: Any, length: int = 40) -> str:
    text = str(value)
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _environment(lang: str, *, strict: bool) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(autoescape=False, undefined=StrictUndefined if strict else Blank,
                                        keep_trailing_newline=False)
    env.filters.update(money=_money(lang), when=when, short=short)
    return env


@dataclass(frozen=True)
class Rendered:
    title: str
    text: str
    sms: str


@dataclass(frozen=True)
class Kind:
    name: str
    events: tuple[str, ...]
    recipients: tuple[str, ...]
    link: str | None
    essential: bool
    audience: str
    defaults: dict[str, bool]
    texts: dict[str, dict[str, str]]  # lang → field → template source

    def label(self, lang: str) -> str:
        return self._source(lang, "label")

    def _source(self, lang: str, field: str) -> str:
        return self.texts.get(lang, {}).get(field) or self.texts[DEFAULT_LANG][field]

    def template(self, lang: str, field: str, *, strict: bool = False) -> Template:
        return _compiled(self.name, lang if lang in LANGS else DEFAULT_LANG, field, strict)

    def render(self, lang: str, context: dict[str, Any], *, strict: bool = False) -> Rendered:
        lang = lang if lang in LANGS else DEFAULT_LANG
        out = {f: self.template(lang, f, strict=strict).render(**context).strip() for f in ("title", "text", "sms")}
        return Rendered(**out)

    def link_for(self, data: dict[str, Any]) -> str | None:
        if self.link is None:
            return None
        try:
            return self.link.format(**data)
        except (KeyError, IndexError, ValueError):
            return None


@dataclass(frozen=True)
class DeliveryLimits:
    email_per_hour: int
    sms_per_hour: int
    retry_delays: tuple[int, ...]
    jitter: float
    lease_seconds: float
    batch: int
    smtp_timeout: float

    def per_hour(self, channel: str) -> int:
        return self.email_per_hour if channel == "email" else self.sms_per_hour


@dataclass(frozen=True)
class Catalogue:
    kinds: dict[str, Kind]
    delivery: DeliveryLimits

    def for_event(self, event_type: str) -> list[Kind]:
        return [k for k in self.kinds.values() if event_type in k.events]

    def get(self, kind: str) -> Kind | None:
        return self.kinds.get(kind)

    def for_audience(self, *audiences: str) -> list[Kind]:
        return [k for k in self.kinds.values() if k.audience in audiences]


def _kind(name: str, raw: dict[str, Any]) -> Kind:
    texts = {lang: {f: str(raw[lang][f]) for f in FIELDS if f in raw.get(lang, {})} for lang in LANGS if lang in raw}
    missing = [f for f in FIELDS if f not in texts.get(DEFAULT_LANG, {})]
    if missing:
        raise ValueError(f"catalogue kind {name!r} lacks Turkish {missing}")
    for spec in raw.get("recipients", []):
        if not str(spec).startswith(("data.", "role.")):
            raise ValueError(f"catalogue kind {name!r}: recipient {spec!r} is neither data.FIELD nor role.ROLE")
    channels = raw.get("channels", {})
    return Kind(name=name, events=tuple(raw.get("events", [])), recipients=tuple(raw.get("recipients", [])),
                link=raw.get("link"), essential=bool(raw.get("essential", False)),
                audience=str(raw.get("audience", "bidder")),
                defaults={c: bool(channels.get(c, c == "in_app")) for c in CHANNELS}, texts=texts)


@lru_cache(maxsize=1)
def load() -> Catalogue:
    with DATA.open("rb") as fh:
        raw = tomllib.load(fh)
    d = raw["delivery"]
    limits = DeliveryLimits(email_per_hour=int(d["email_per_hour"]), sms_per_hour=int(d["sms_per_hour"]),
                            retry_delays=tuple(int(x) for x in d["retry_delays"]), jitter=float(d["jitter"]),
                            lease_seconds=float(d["lease_seconds"]), batch=int(d["batch"]),
                            smtp_timeout=float(d["smtp_timeout"]))
    return Catalogue(kinds={name: _kind(name, spec) for name, spec in raw["kinds"].items()}, delivery=limits)


@lru_cache(maxsize=512)
def _compiled(kind: str, lang: str, field: str, strict: bool) -> Template:
    source = load().kinds[kind]._source(lang, field)
    return _environment(lang, strict=strict).from_string(source)
