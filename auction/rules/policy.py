"""Open points (G-03): UNCERTAIN rules whose default the product takes until a lawyer decides.

Each open point is a row in `data/open_points.toml` whose key is the config key of
`docs/law/open-points.md` (e.g. `auction.allow_self_outbid`) and whose `rule` is the OP id. A deployment
changes a default without a code change, either in a TOML file named by `ESATIS_POLICY_FILE`
(`"auction.allow_self_outbid" = true`) or, for the points the API contract names, by their own
environment variable (`ESATIS_EXTENSION_BASE` → `extension.first_base`).

Documents record `Policy.describe()` so a figure can be recomputed if the lawyer decides otherwise.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from auction.rules.table import RuleBook, RuleError, RuleRow, rulebook


@dataclass(frozen=True)
class PolicyValue:
    key: str
    value: Any
    op: str
    overridden: bool
    source: str

    @property
    def ref(self) -> str:
        return f"{self.op} {self.key}={self.value!r}{' (configured)' if self.overridden else ''}"


class Policy:
    def __init__(self, book: RuleBook, overrides: dict[str, Any] | None = None) -> None:
        self._book = book
        self._overrides = dict(overrides or {})
        for key in self._overrides:
            if key not in book.rows:
                raise RuleError(f"policy override for unknown open point {key!r}")

    def _row(self, key: str) -> RuleRow:
        rows = self._book.rows.get(key)
        if not rows:
            raise RuleError(f"unknown open point {key!r}")
        # Open points are not dated by the law; the newest row is the current default.
        return max(rows, key=lambda r: r.effective_from or date.min)

    def get(self, key: str) -> PolicyValue:
        row = self._row(key)
        if key in self._overrides:
            return PolicyValue(key, self._overrides[key], row.rule, True, "configuration")
        return PolicyValue(key, row.value, row.rule, False, row.source)

    def value(self, key: str) -> Any:
        return self.get(key).value

    def describe(self) -> dict[str, Any]:
        """Every open point and the value in use: stored on documents (G-03 item 4)."""
        out: dict[str, Any] = {}
        for key, rows in self._book.rows.items():
            if rows and rows[0].rule.startswith("OP-"):
                pv = self.get(key)
                out[key] = {"value": pv.value, "op": pv.op, "overridden": pv.overridden}
        return out


def load_overrides(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    with path.open("rb") as fh:
        return dict(tomllib.load(fh))


def make_policy(policy_file: Path | None = None, extra: dict[str, Any] | None = None) -> Policy:
    overrides = load_overrides(policy_file)
    overrides.update(extra or {})
    return Policy(rulebook(), overrides)
