"""The rates a distribution uses, read from the dated rule tables (G-01) and the open-point policy (G-03).

No rate is a literal in the engine: each one is looked up here for the case's key date (the `sale_date`
for taxes and fees, each accrual day for kanuni faiz) and carries the `ref` of the row that produced it,
so every figure of the result can name its source (G-11).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from auction.rules.policy import Policy, PolicyValue
from auction.rules.table import RuleBook, RuleError, RuleRow, rulebook


@dataclass(frozen=True, slots=True)
class Rate:
    value: Decimal
    ref: str  # RuleRow.ref or PolicyValue.ref
    rule: str  # the domain rule id of the row (T-03, OP-44, …)


@dataclass(frozen=True, slots=True)
class RatePiece:
    """One stretch of a dated rate: [start, end) at `rate` (end exclusive, None = open)."""

    start: date | None
    end: date | None
    rate: Rate


class RateSet:
    """Rates in force on one key date, plus the policy; every lookup is remembered for `used()`."""

    def __init__(self, on: date, *, book: RuleBook | None = None, policy: Policy | None = None) -> None:
        self.on = on
        self.book = book or rulebook()
        self.policy = policy or Policy(self.book)
        self._cache: dict[str, Rate] = {}
        self._history: dict[str, list[RuleRow]] = {}
        self._used: dict[str, str] = {}

    def row(self, key: str) -> RuleRow:
        return self.book.row(key, self.on)

    def rate(self, key: str) -> Rate:
        """The decimal row of `key` in force on the key date."""
        hit = self._cache.get(key)
        if hit is None:
            row = self.row(key)
            hit = Rate(row.decimal(), row.ref, row.rule)
            self._cache[key] = hit
            self._used[hit.ref] = row.source
        return hit

    def date_value(self, key: str) -> tuple[date, str]:
        row = self.row(key)
        self._used[row.ref] = row.source
        return date.fromisoformat(row.text()), row.ref

    def option(self, key: str) -> PolicyValue:
        """An open point (G-03): its value and `OP-nn key=value` reference."""
        pv = self.policy.get(key)
        self._used[pv.ref] = pv.source
        return pv

    def policy_rate(self, key: str) -> Rate:
        pv = self.option(key)
        try:
            value = Decimal(str(pv.value))
        except ArithmeticError as exc:  # InvalidOperation is an ArithmeticError
            raise RuleError(f"policy {key}: {pv.value!r} is not a decimal") from exc
        return Rate(value, pv.ref, pv.op)

    def pieces(self, key: str, start: date, end: date) -> list[RatePiece]:
        """The rows of `key` that cover [start, end), clipped to it, in date order (T-44 split).

        Raises RuleError naming the first day no row covers.
        """
        out: list[RatePiece] = []
        cursor = start
        rows = self._history.get(key)
        if rows is None:
            rows = sorted(self.book.rows.get(key, []), key=lambda r: r.effective_from or date.min)
            self._history[key] = rows
        for row in rows:
            lo = max(cursor, row.effective_from or date.min)
            hi = min(end, row.effective_to or date.max)
            if lo >= hi:
                continue
            if lo > cursor:
                break  # a gap: reported below
            rate = Rate(row.decimal(), row.ref, row.rule)
            self._used[row.ref] = row.source
            out.append(RatePiece(lo, hi, rate))
            cursor = hi
            if cursor >= end:
                break
        if cursor < end:
            raise RuleError(f"no {key} row in force on {cursor.isoformat()}")
        return out

    def used(self) -> list[dict[str, Any]]:
        """Every rule row and open point consulted, for the document (G-03 item 4, G-11)."""
        return [{"ref": ref, "source": src} for ref, src in sorted(self._used.items())]
