"""The rule snapshot of a sale (G-08) and the figures derived from it (A-30, A-31, A-33, A-50).

At the sale decision every rule row the sale will use is read once, for the ilan date and the sale's
ruleset, and stored on the sale as `{key: {"value", "ref"}}`; the open-point values in use are stored
the same way. Rounds, deadlines and documents then read the snapshot, never the live tables, so a later
change of law or configuration does not touch a published sale (G-08) and every figure on the tutanak
can name its rule row (G-11).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from auction.money import round_down, round_half_up, round_up
from auction.rules.policy import Policy
from auction.rules.table import RuleBook, RuleError, Ruleset, parse_duration, rulebook

# Every auction rule row a sale uses (auction/rules/data/auction.toml).
RULE_KEYS: tuple[str, ...] = (
    "auction.opening_price.ratio",
    "auction.threshold.appraisal_ratio",
    "auction.increment.rate",
    "auction.increment.minimum",
    "auction.teminat.rate",
    "auction.extension.mode",
    "auction.extension.window",
    "auction.extension.step",
    "auction.extension.cap",
    "auction.round.duration",
    "auction.round.start_slack",  # A-21 (product tolerance)
    "auction.ilan.min_lead_days",
    "auction.round2.max_gap_months",
    "auction.round2.proposed_gap",  # A-21 (product)
    "teminat.cash_deadline_time",
    "payment.deadline_days",
    "tutanak.due_working_days",
    "tutanak.auto_post",  # A-60 (demo posts itself)
    "tutanak.auto_post_after",
    "fesih.window_days",
    "auction.refund.instruct_working_days",
    "appraisal.max_age_years",
    "outage.extension.max_start_days",
    "outage.extension.duration",
    "outage.decision.opens_working_days",
    "payment.reminder_before",  # A-62 (product: the reminder before a deadline)
    "tahliye.days",  # A-93 (TM-21)
)

# Open points a sale applies (docs/law/open-points.md), recorded with the value in use (G-03 item 4).
POLICY_KEYS: tuple[str, ...] = (
    "extension.first_base",  # OP-02
    "auction.r_includes_hacizler",  # OP-06
    "auction.r_includes_asset_taxes",  # OP-07
    "auction.first_bid_min",  # OP-08
    "auction.show_threshold",  # OP-09
    "tutanak.mask_buyer",  # OP-10
    "auction.allow_self_outbid",  # OP-11
    "teminat.allow_card",  # OP-13
    "teminat.exemption_basis",  # OP-15
    "teminat.allow_withdraw_when_not_highest",  # OP-16
    "teminat.refund_trigger",  # OP-17
    "teminat.credit_winner",  # OP-18
    "auction.block_debtor",  # OP-20
    "teminat.carry_to_round2",  # OP-49
    "outage.threshold_failed_requests",  # OP-12
    # After the award (docs/aftersale.md).
    "mahsup.formula",  # OP-21
    "default.refund_part_payments",  # OP-22
    "fesih.harc_rate",  # OP-23
    "finality.grace_working_days",  # OP-25
    "tax_demand.days",  # OP-26
    "forfeit.tahsil_rate",  # OP-44
)


def take_snapshot(on: date, ruleset: Ruleset, policy: Policy, book: RuleBook | None = None) -> tuple[
        dict[str, Any], dict[str, Any]]:
    """The rule rows and open-point values for a sale whose ilan is dated `on` (G-08)."""
    book = book or rulebook()
    rules: dict[str, Any] = {}
    for key in RULE_KEYS:
        row = book.row(key, on, ruleset)
        value = row.value if not isinstance(row.value, date) else row.value.isoformat()
        rules[key] = {"value": value, "ref": row.ref, "status": row.status}
    pol: dict[str, Any] = {}
    for key in POLICY_KEYS:
        pv = policy.get(key)
        pol[key] = {"value": pv.value, "ref": pv.ref, "op": pv.op}
    return rules, pol


@dataclass(frozen=True)
class Snapshot:
    """Typed reads of a stored snapshot."""

    rules: dict[str, Any]
    policy: dict[str, Any]

    def raw(self, key: str) -> Any:
        try:
            return self.rules[key]["value"]
        except KeyError:
            raise RuleError(f"sale snapshot lacks {key!r}") from None

    def ref(self, key: str) -> str:
        return str(self.rules[key]["ref"])

    def decimal(self, key: str) -> Decimal:
        return Decimal(str(self.raw(key)))

    def integer(self, key: str) -> int:
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise RuleError(f"{key}: {value!r} is not an integer")
        return value

    def duration(self, key: str) -> timedelta:
        return parse_duration(self.raw(key), key)

    def optional_duration(self, key: str) -> timedelta | None:
        value = self.raw(key)
        if value in (None, "", "none"):
            return None
        return parse_duration(value, key)

    def flag(self, key: str) -> bool:
        value = self.raw(key)
        if not isinstance(value, bool):
            raise RuleError(f"{key}: {value!r} is not a boolean")
        return value

    def pol(self, key: str) -> Any:
        try:
            return self.policy[key]["value"]
        except KeyError:
            raise RuleError(f"sale snapshot lacks open point {key!r}") from None

    def pol_or(self, key: str, default: Any) -> Any:
        """An open point a sale may predate: its snapshot keeps the behaviour it was announced with."""
        entry = self.policy.get(key)
        return default if entry is None else entry["value"]

    def pol_ref(self, key: str) -> str:
        return str(self.policy[key]["ref"])


@dataclass(frozen=True)
class Figures:
    opening_price: Decimal
    min_increment: Decimal
    teminat: Decimal


def figures(appraised_value: Decimal, snap: Snapshot) -> Figures:
    """The sale's money figures from M (Ex 1: M 2,350,000.00 → 1,175,000.00 / 11,750.00 / 235,000.00)."""
    m = appraised_value
    # rule: A-30 - opening price = round_half_up(0.50 × M) in both rounds.
    opening = round_half_up(snap.decimal("auction.opening_price.ratio") * m)
    # rule: A-33 - max(rate × M, minimum), rounded UP to the kuruş: a legal floor (G-07). The row is the
    # one in force on the ilan date (0.001/100 TL before 2024-11-14, 0.005/1,000 TL from it; OP-01).
    increment = round_up(max(snap.decimal("auction.increment.rate") * m, snap.decimal("auction.increment.minimum")))
    # rule: A-50 - teminat = round_half_up(0.10 × M), the same in both rounds.
    teminat = round_half_up(snap.decimal("auction.teminat.rate") * m)
    return Figures(opening, increment, teminat)


def threshold(appraised_value: Decimal, r: Decimal, c: Decimal, metal_value: Decimal | None,
              snap: Snapshot) -> Decimal:
    """A-31: a sale needs `highest > max(0.50 × M, R) + C` (A-103: and never below the metal value).

    Returned as the largest whole-kuruş amount a winning bid must exceed: for a threshold with a half
    kuruş (odd M) `highest > T` is the same as `highest > floor(T)` for whole-kuruş bids, so comparing
    kuruş with kuruş stays exact. Ex 2: max(1,175,000.00; 1,620,000.00) + 18,400.00 = 1,638,400.00.
    """
    base = max(snap.decimal("auction.threshold.appraisal_ratio") * appraised_value, r) + c
    value = round_down(base)
    if metal_value is not None:
        # rule: A-103 (İİK 117) - gold and silver never below their metal value.
        value = max(value, metal_value)
    return value
