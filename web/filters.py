"""Template filters of the bidder pages (`FILTERS`, `GLOBALS`: web/templating.py registers them next to
its own `money`, `local_time`, `words_tr` …)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context

from auction.calendar import ISTANBUL
from auction.errors import explain
from auction.money import fmt_tr
from web.i18n import MESSAGES, translator


def money_input(value: Decimal | None) -> str:
    """An amount as the bid field shows it: Turkish grouping, no currency ("1.186.750,00")."""
    if value is None:
        return ""
    return fmt_tr(value).replace(" TL", "").strip()


def dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _parse_iso(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def iso_local(value: Any, pattern: str = "%d.%m.%Y %H:%M") -> str:
    """An ISO instant (as the engine's JSON gives it) in Türkiye time; `%f` prints milliseconds."""
    dt = _parse_iso(value)
    if dt is None:
        return "—"
    local = dt.astimezone(ISTANBUL)
    if "%f" in pattern:
        pattern = pattern.replace("%f", f"{local.microsecond // 1000:03d}")
    return local.strftime(pattern)


@pass_context
def percent(ctx: Context, rate: Decimal | None) -> str:
    """0.01 → "%1" in Turkish, "1%" in English; 0.129245… → "%12,92"."""
    if rate is None:
        return "—"
    pct = (rate * 100).quantize(Decimal("0.01")).normalize()
    text = f"{pct:f}"
    if ctx.get("lang", "tr") == "tr":
        return "%" + text.replace(".", ",")
    return text + "%"


def area(value: Decimal | None) -> str:
    if value is None:
        return "—"
    q = value.normalize()
    whole, _, frac = f"{q:f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return grouped + ("," + frac if frac else "")


def filesize(size: int | None) -> str:
    if not size:
        return "—"
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


def countdown_text(t: Callable[..., str], seconds: float) -> str:
    """The timer's text, the same shape as live.js writes it ("6 gün 23 sa 59 dk", "12 dk 05 sn")."""
    s = max(0, int(seconds))
    d, rest = divmod(s, 86400)
    h, rest = divmod(rest, 3600)
    m, sec = divmod(rest, 60)
    if d:
        return t("cd.dhm", d=d, h=h, m=m)
    if h:
        return t("cd.hms", h=h, m=f"{m:02d}", s=f"{sec:02d}")
    return t("cd.ms", m=m, s=f"{sec:02d}")


def remaining(state: Any, t: Callable[..., str]) -> str:
    """The countdown as rendered by the server (live.js takes over once loaded)."""
    target = state.countdown_target
    if target is None:
        return t("phase." + state.phase)
    left = (target - state.now).total_seconds()
    if left <= 0:
        return t("cd.ended") if state.phase == "open" else t("cd.starting")
    return countdown_text(t, left)


def iban(value: str | None) -> str:
    """TR33 0006 1005 1978 6457 8413 26: grouped by four, as printed on bank documents."""
    if not value:
        return "—"
    raw = value.replace(" ", "")
    return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def describe_search(params: Any, t: Callable[..., str]) -> str:
    """A saved search in words ("Taşınmaz · İstanbul · en çok 2.000.000,00 TL …")."""
    parts: list[str] = []
    if params.q:
        parts.append(f"“{params.q}”")
    if params.kind:
        parts.append(t("lot.kind." + params.kind))
    if params.use:
        parts.append(t("lot.use." + params.use))
    place = ", ".join(p for p in (params.district, params.province) if p)
    if place:
        parts.append(place)
    if params.price_min is not None:
        parts.append(t("ss.min", amount=fmt_tr(params.price_min)))
    if params.price_max is not None:
        parts.append(t("ss.max", amount=fmt_tr(params.price_max)))
    if params.round:
        parts.append(t("round.n", n=params.round))
    if params.status:
        parts.append(t("search.status." + params.status))
    if params.closing_soon:
        parts.append(t("search.closing_soon"))
    return " · ".join(parts) or t("ss.everything")


def js_texts(lang: str) -> dict[str, str]:
    """The texts live.js and pages.js write, in the page's language (sent as a JSON data block)."""
    t = translator(lang)
    return {k: t(k) for k in MESSAGES if k.startswith(("js.", "cd.")) or k == "bids.you"}


# What web/templating.py registers on its Jinja2 environment (next to its own `money`, `local_time` …).
FILTERS: dict[str, Callable[..., Any]] = {
    "money_input": money_input, "dec": dec, "iso_local": iso_local, "percent": percent, "area": area,
    "filesize": filesize, "remaining": remaining, "iban": iban, "describe_search": describe_search,
}
GLOBALS: dict[str, Callable[..., Any]] = {"js_texts": js_texts, "explain": explain}
