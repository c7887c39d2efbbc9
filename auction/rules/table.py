"""Dated rule tables (G-01): every rate, threshold and duration of the law lives here as data.

A row has a `key`, a `value`, `effective_from` (inclusive, open when absent), `effective_to` (exclusive,
open when absent), the `key_date` that selects the row (which date of the case: sale date, ilan date…),
its `source`, `status` (VERIFIED / UNCERTAIN / PRODUCT, G-02) and the domain `rule` id it implements.
A row may be limited to one ruleset (`law` or `demo`, G-09); a row without a ruleset serves both, and a
ruleset-specific row wins over it.

The seed content is the TOML files under `data/`, one per domain, versioned with the code, so that every
figure on a document can name the exact row that produced it (G-11: `RuleRow.ref`).
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any, Literal

Status = Literal["VERIFIED", "UNCERTAIN", "PRODUCT"]
Ruleset = Literal["law", "demo"]
_STATUSES = {"VERIFIED", "UNCERTAIN", "PRODUCT"}


class RuleError(LookupError):
    """No row of a rule table is in force for the date asked, or a table is malformed."""


@dataclass(frozen=True)
class RuleRow:
    key: str
    value: Any
    effective_from: date | None
    effective_to: date | None
    key_date: str
    source: str
    status: Status
    rule: str
    ruleset: Ruleset | None = None
    note: str = ""
    table: str = ""

    def in_force(self, on: date) -> bool:
        if self.effective_from is not None and on < self.effective_from:
            return False
        return not (self.effective_to is not None and on >= self.effective_to)

    @property
    def ref(self) -> str:
        """A stable reference to this row for documents: `A-33 auction.increment.rate@2024-11-14`."""
        start = self.effective_from.isoformat() if self.effective_from else "…"
        scope = f"[{self.ruleset}]" if self.ruleset else ""
        return f"{self.rule} {self.key}{scope}@{start}"

    # Typed views of the value. Values are written as strings in TOML when they are exact decimals.
    def decimal(self) -> Decimal:
        try:
            return Decimal(str(self.value))
        except InvalidOperation as exc:
            raise RuleError(f"{self.key}: {self.value!r} is not a decimal") from exc

    def integer(self) -> int:
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise RuleError(f"{self.key}: {self.value!r} is not an integer")
        return self.value

    def duration(self) -> timedelta:
        """Durations are written in seconds (`value = 600`) or as `"7d"`, `"10m"`, `"3m"`, `"20s"`, `"1h"`."""
        return parse_duration(self.value, self.key)

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            raise RuleError(f"{self.key}: {self.value!r} is not a boolean")
        return self.value

    def text(self) -> str:
        return str(self.value)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "value": self.value if not isinstance(self.value, date) else self.value.isoformat(),
            "effective_from": self.effective_from.isoformat() if self.effective_from else None,
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "key_date": self.key_date,
            "source": self.source,
            "status": self.status,
            "rule": self.rule,
            "ruleset": self.ruleset,
            "ref": self.ref,
        }


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: Any, key: str = "duration") -> timedelta:
    if isinstance(value, bool):
        raise RuleError(f"{key}: {value!r} is not a duration")
    if isinstance(value, int):
        return timedelta(seconds=value)
    if isinstance(value, str) and value and value[-1] in _UNITS and value[:-1].isdigit():
        return timedelta(seconds=int(value[:-1]) * _UNITS[value[-1]])
    raise RuleError(f"{key}: {value!r} is not a duration")


@dataclass
class RuleBook:
    """All rule rows, looked up by key and date (and ruleset)."""

    rows: dict[str, list[RuleRow]] = field(default_factory=dict)

    def add(self, row: RuleRow) -> None:
        self.rows.setdefault(row.key, []).append(row)

    def keys(self) -> list[str]:
        return sorted(self.rows)

    def row(self, key: str, on: date, ruleset: Ruleset | None = None) -> RuleRow:
        """The row of `key` in force on `on`; a row of the given ruleset wins over a general one."""
        candidates = [r for r in self.rows.get(key, []) if r.in_force(on)]
        if not candidates:
            raise RuleError(f"no rule row for {key!r} in force on {on.isoformat()}")
        specific = [r for r in candidates if r.ruleset is not None and r.ruleset == ruleset]
        general = [r for r in candidates if r.ruleset is None]
        chosen = specific or general
        if not chosen:
            raise RuleError(f"no rule row for {key!r} in force on {on.isoformat()} for ruleset {ruleset!r}")
        return chosen[0]

    def history(self, key: str) -> list[RuleRow]:
        return sorted(self.rows.get(key, []), key=lambda r: (r.ruleset or "", r.effective_from or date.min))

    def validate(self) -> None:
        """No two rows of one key (and ruleset) may be in force on the same day."""
        for key, rows in self.rows.items():
            by_scope: dict[str | None, list[RuleRow]] = {}
            for r in rows:
                by_scope.setdefault(r.ruleset, []).append(r)
                if r.effective_from and r.effective_to and r.effective_from >= r.effective_to:
                    raise RuleError(f"{key}: effective_from {r.effective_from} is not before effective_to")
            for scope, scoped in by_scope.items():
                ordered = sorted(scoped, key=lambda r: r.effective_from or date.min)
                for a, b in itertools.pairwise(ordered):
                    a_end = a.effective_to or date.max
                    b_start = b.effective_from or date.min
                    if b_start < a_end:
                        raise RuleError(f"{key} ({scope or 'all rulesets'}): rows overlap at {b_start}")


def _parse_row(raw: dict[str, Any], table: str) -> RuleRow:
    allowed = {"key", "value", "effective_from", "effective_to", "key_date", "source", "status", "rule",
               "ruleset", "note"}
    unknown = set(raw) - allowed
    if unknown:
        raise RuleError(f"{table}: unknown fields {sorted(unknown)} in row {raw.get('key')!r}")
    for required in ("key", "value", "source", "status", "rule"):
        if required not in raw:
            raise RuleError(f"{table}: row {raw.get('key')!r} lacks {required!r}")
    if raw["status"] not in _STATUSES:
        raise RuleError(f"{table}: row {raw['key']!r} has status {raw['status']!r}")
    for d in ("effective_from", "effective_to"):
        if d in raw and not isinstance(raw[d], date):
            raise RuleError(f"{table}: row {raw['key']!r}: {d} must be a TOML date")
    ruleset = raw.get("ruleset")
    if ruleset not in (None, "law", "demo"):
        raise RuleError(f"{table}: row {raw['key']!r} has ruleset {ruleset!r}")
    return RuleRow(
        key=raw["key"],
        value=raw["value"],
        effective_from=raw.get("effective_from"),
        effective_to=raw.get("effective_to"),
        key_date=raw.get("key_date", ""),
        source=raw["source"],
        status=raw["status"],
        rule=raw["rule"],
        ruleset=ruleset,
        note=raw.get("note", ""),
        table=table,
    )


def load_rulebook(extra_dirs: list[Path] | None = None) -> RuleBook:
    """Load every `data/*.toml` of this package (plus optional extra folders) and validate them."""
    book = RuleBook()
    data = resources.files("auction.rules").joinpath("data")
    sources: list[tuple[str, str]] = []
    for entry in sorted(data.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            sources.append((entry.name, entry.read_text(encoding="utf-8")))
    for folder in extra_dirs or []:
        for path in sorted(folder.glob("*.toml")):
            sources.append((str(path), path.read_text(encoding="utf-8")))
    for name, text in sources:
        parsed = tomllib.loads(text)
        for raw in parsed.get("row", []):
            book.add(_parse_row(raw, name))
    book.validate()
    return book


_BOOK: RuleBook | None = None


def rulebook() -> RuleBook:
    """The process-wide rule book, loaded once (the tables are immutable while running)."""
    global _BOOK
    if _BOOK is None:
        _BOOK = load_rulebook()
    return _BOOK
