"""A claim computed to the sale date (D-36): principal, interest, costs, after part payments (T-44…T-46).

Rules, as the contract and `docs/law/examples/README.md` settle them:
- simple interest on the principal only, `principal × rate × days / 365` (T-44, T-45), `days` counted
  from `from` to `min(to, sale_date)`, `to` exclusive and defaulting to the sale date; a period after
  the sale date accrues nothing;
- each period (or stretch of one) is one computed amount, rounded half up once (G-07);
- a payment cuts every interest period running on its date: the stretch before it is computed and
  rounded, the payment is imputed, and interest then runs on the principal that remains, rounded again at
  the period's end. Payments go in date order, same-day payments in input order;
- `tbk100`: costs, then interest, then principal (TBK 100);
- `orantili`: costs first (as under TBK 100), then the rest shared between outstanding principal and
  unpaid interest with the contract's pro rata (principal the first demand); the interest part left is
  carried without earning interest (T-46).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from auction.distribution.errors import Problem
from auction.distribution.rates import RateSet
from auction.distribution.schema import Claim
from auction.money import pro_rata, round_half_up
from auction.rules.table import RuleError

DAYS_IN_YEAR = 365  # contract "Conventions": a 365-day year, leap years included


class Stretch(NamedTuple):
    """One computed interest amount: [start, end) on `principal` at `rate` (T-44)."""

    start: date
    end: date
    principal: Decimal
    rate: Decimal
    days: int
    amount: Decimal
    period_path: str
    ref: str | None  # the kanuni faiz row, when the rate came from the table


class Imputed(NamedTuple):
    """How one part payment was applied (T-46)."""

    on: date
    amount: Decimal
    to_costs: Decimal
    to_interest: Decimal
    to_principal: Decimal
    path: str


@dataclass(slots=True)
class ClaimResult:
    principal: Decimal
    interest: Decimal
    costs: Decimal
    stretches: list[Stretch] = field(default_factory=list)
    imputed: list[Imputed] = field(default_factory=list)
    total: Decimal = Decimal("0.00")  # set once the claim is complete (compute_claim)


class _Period(NamedTuple):
    start: date
    end: date  # effective end: min(to, sale_date), exclusive
    rate: Decimal
    path: str
    ref: str | None


def _periods(claim: Claim, sale_date: date, rates: RateSet, problems: list[Problem]) -> list[_Period]:
    out: list[_Period] = []
    for p in claim.interest:
        end = min(p.end or sale_date, sale_date)
        if p.start >= end:
            continue  # contract: periods after the sale date (or empty ones) accrue nothing
        if p.rate is not None:
            out.append(_Period(p.start, end, p.rate, p.path, None))
            continue
        # Extension: rate "kanuni" takes the dated kanuni faiz table, split where the rate changes (T-44).
        try:
            pieces = rates.pieces("faiz.kanuni", p.start, end)
        except RuleError as exc:
            problems.append(Problem(f"{p.path}.rate", "no_rule", str(exc)))
            continue
        for piece in pieces:
            assert piece.start is not None
            assert piece.end is not None
            out.append(_Period(piece.start, piece.end, piece.rate.value, p.path, piece.rate.ref))
    return out


def compute_claim(claim: Claim, sale_date: date, rates: RateSet, problems: list[Problem]) -> ClaimResult:
    """The claim at `sale_date`. Problems (an overpayment, a date no kanuni row covers) are appended."""
    result = ClaimResult(principal=claim.principal, interest=claim.interest_accrued, costs=claim.costs)
    periods = _periods(claim, sale_date, rates, problems)
    if not claim.payments:
        _accrue(result, periods, date.min, sale_date)
        result.total = result.principal + result.interest + result.costs
        return result

    cursor = date.min
    for payment in sorted(claim.payments, key=lambda p: (p.on, p.index)):
        _accrue(result, periods, cursor, payment.on)
        _impute(result, claim.imputation, payment.on, payment.amount, payment.path, problems)
        cursor = payment.on
    _accrue(result, periods, cursor, sale_date)
    result.total = result.principal + result.interest + result.costs
    return result


def _accrue(result: ClaimResult, periods: list[_Period], lo: date, hi: date) -> None:
    """Interest of every period over [lo, hi) on the principal outstanding now, one rounding each."""
    if hi <= lo:
        return
    for p in periods:
        start = p.start if p.start > lo else lo
        end = p.end if p.end < hi else hi
        if start >= end:
            continue
        days = (end - start).days
        amount = round_half_up(result.principal * p.rate * days / DAYS_IN_YEAR)
        result.interest += amount
        result.stretches.append(Stretch(start, end, result.principal, p.rate, days, amount, p.path, p.ref))


def _impute(result: ClaimResult, imputation: str, on: date, amount: Decimal, path: str,
            problems: list[Problem]) -> None:
    rest = amount
    # Both methods clear outstanding takip costs first (TBK 100; docs/law/examples/README.md for orantılı).
    to_costs = min(rest, result.costs)
    rest -= to_costs
    if imputation == "orantili" and rest < result.principal + result.interest:
        # T-46: principal and interest in proportion, largest remainder, principal first on ties.
        to_principal, to_interest = pro_rata(rest, [result.principal, result.interest])
    else:
        # TBK 100: interest before principal (also orantılı when the payment clears both).
        to_interest = min(rest, result.interest)
        to_principal = min(rest - to_interest, result.principal)
    rest -= to_interest + to_principal
    if rest > 0:
        problems.append(Problem(f"{path}.amount", "exceeds_claim",
                                f"payment of {amount} on {on} is {rest} more than the claim outstanding"))
    result.costs -= to_costs
    result.interest -= to_interest
    result.principal -= to_principal
    result.imputed.append(Imputed(on, amount, to_costs, to_interest, to_principal, path))

