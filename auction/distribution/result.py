"""The result of a distribution (docs/law/distribution-contract.md, "Output") and its JSON form.

The engine fills these objects with `Decimal`s; `to_json()` turns them into the contract JSON, money as
strings with exactly two decimals. Every money `Decimal` here already has exactly two decimal places (the
engine quantizes each amount once where it computes it), so `str()` gives the contract form without a
second quantize; the property tests check the format of every amount. Fields beyond the contract
(allowed by docs/law/examples/README.md: "extra fields in your output are free") are documented in
docs/distribution.md: `paid_in_date`, `mode`, `explain`, `warnings`,
`rules_used`, `sira_cetveli_required`, and per allocation `name`, `kind`, `basis`, `certificate_amount`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from auction.distribution.claims import ClaimResult
from auction.distribution.schema import Case, Creditor
from auction.money import ZERO

RATE_PLACES = Decimal("0.0001")  # contract: kdv_rate is reported with 4 decimals


@dataclass(frozen=True, slots=True)
class BuyerSettlement:
    price: Decimal
    kdv_rate: Decimal  # exact; reported with 4 decimals
    kdv: Decimal
    damga_vergisi: Decimal
    tapu_harci_alici: Decimal

    @property
    def total_due(self) -> Decimal:
        return self.price + self.kdv + self.damga_vergisi + self.tapu_harci_alici

    def to_json(self) -> dict[str, str]:
        return {"price": str(self.price), "kdv_rate": fmt_rate(self.kdv_rate), "kdv": str(self.kdv),
                "damga_vergisi": str(self.damga_vergisi), "tapu_harci_alici": str(self.tapu_harci_alici),
                "total_due": str(self.total_due)}


@dataclass(frozen=True, slots=True)
class Deduction:
    id: str
    label: str
    amount: Decimal  # what was actually deducted
    demanded: Decimal  # the cost (or harç) itself; differs from `amount` only when the price is short


@dataclass(frozen=True, slots=True)
class SiraTotal:
    sira: int
    demanded: Decimal
    paid: Decimal


@dataclass(slots=True)
class Stage:
    stage: str  # "rehin" | "asset_tax" | "haciz"
    available: Decimal
    demanded: Decimal
    paid: Decimal
    degree: int | None = None
    derece: int | None = None
    founder: str | None = None
    members: list[str] = field(default_factory=list)
    kamu_part: Decimal = ZERO
    private_part: Decimal = ZERO
    sira: list[SiraTotal] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        if self.stage == "rehin":
            return {"stage": "rehin", "degree": self.degree, "available": str(self.available),
                    "demanded": str(self.demanded), "paid": str(self.paid)}
        if self.stage == "asset_tax":
            return {"stage": "asset_tax", "available": str(self.available), "demanded": str(self.demanded),
                    "paid": str(self.paid)}
        return {"stage": "haciz", "derece": self.derece, "founder": self.founder,
                "members": list(self.members), "available": str(self.available),
                "demanded": str(self.demanded), "kamu_part": str(self.kamu_part),
                "private_part": str(self.private_part), "paid": str(self.paid),
                "sira": [{"sira": s.sira, "demanded": str(s.demanded), "paid": str(s.paid)}
                         for s in self.sira]}


@dataclass(slots=True)
class Allocation:
    creditor: Creditor
    claim: ClaimResult
    stage: str
    demand: Decimal  # what the line can take: the claim, capped by a rehin limit (contract step 3)
    derece: int | None = None
    sira: int | None = None
    share: Decimal = ZERO
    status: str = "paid"
    certificate: str | None = None
    certificate_amount: Decimal | None = None
    tahsil_harci: Decimal = ZERO
    cezaevi_harci: Decimal = ZERO

    @property
    def claim_total(self) -> Decimal:
        return self.claim.total

    @property
    def shortfall(self) -> Decimal:
        # docs/law/examples/README.md: claim_total − share for every line (a rehin's includes the part above its limit).
        return self.claim.total - self.share

    @property
    def net_payout(self) -> Decimal:
        return self.share - self.tahsil_harci - self.cezaevi_harci

    def basis(self) -> dict[str, Any]:
        c = self.creditor
        out: dict[str, Any] = {}
        if c.kind == "rehin":
            out["degree"] = c.degree
            out["limit"] = str(c.limit) if c.limit is not None else None
        if c.haciz_date is not None:
            out["haciz_date"] = c.haciz_date.isoformat()
        if c.takip_date is not None:
            out["takip_date"] = c.takip_date.isoformat()
        if c.document_date is not None:
            out["document_date"] = c.document_date.isoformat()
        if c.joins is not None:
            out["joins"] = c.joins
        return out

    def to_json(self) -> dict[str, Any]:
        cl = self.claim
        return {
            "creditor_id": self.creditor.id,
            "name": self.creditor.name,
            "kind": self.creditor.kind,
            "basis": self.basis(),
            "stage": self.stage,
            "derece": self.derece,
            "sira": self.sira,
            "claim_total": str(cl.total),
            "claim_breakdown": {"principal": str(cl.principal), "interest": str(cl.interest),
                                "costs": str(cl.costs)},
            "share": str(self.share),
            "status": self.status,
            "shortfall": str(self.shortfall),
            "certificate": self.certificate,
            "certificate_amount": (str(self.certificate_amount) if self.certificate_amount is not None
                                   else None),
            "tahsil_harci": str(self.tahsil_harci),
            "cezaevi_harci": str(self.cezaevi_harci),
            "net_payout": str(self.net_payout),
        }


@dataclass(frozen=True, slots=True)
class CoOwnerShare:
    id: str
    name: str
    share: Fraction
    amount: Decimal

    def to_json(self) -> dict[str, Any]:
        share = f"{self.share.numerator!s}/{self.share.denominator!s}"
        return {"co_owner_id": self.id, "name": self.name, "share": share, "amount": str(self.amount)}


@dataclass(frozen=True, slots=True)
class Warning:
    code: str  # the open point, e.g. "OP-40"
    creditor_id: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "creditor_id": self.creditor_id, "message": self.message}


@dataclass(slots=True)
class Distribution:
    case: Case
    buyer_settlement: BuyerSettlement | None
    deductions: list[Deduction]
    distributable: Decimal
    stages: list[Stage]
    allocations: list[Allocation]  # in the order of the input `creditors`
    debtor_surplus: Decimal
    co_owner_shares: list[CoOwnerShare] = field(default_factory=list)
    explain: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    rules_used: list[dict[str, Any]] = field(default_factory=list)

    @property
    def deductions_total(self) -> Decimal:
        return sum((d.amount for d in self.deductions), ZERO)

    @property
    def shares_total(self) -> Decimal:
        return sum((a.share for a in self.allocations), ZERO)

    @property
    def co_owners_total(self) -> Decimal:
        return sum((s.amount for s in self.co_owner_shares), ZERO)

    @property
    def sira_cetveli_required(self) -> bool:
        # D-02 (PRODUCT): a cetvel is required when any allocation has a shortfall.
        return any(a.shortfall > 0 for a in self.allocations)

    def check(self) -> dict[str, Decimal]:
        return {"price": self.case.price, "deductions": self.deductions_total, "shares": self.shares_total,
                "debtor_surplus": self.debtor_surplus}

    def balanced(self) -> bool:
        return self.case.price == self.deductions_total + self.shares_total + self.co_owners_total \
            + self.debtor_surplus

    def to_json(self, *, explain: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"sale_date": self.case.sale_date.isoformat(),
                               "paid_in_date": self.case.paid_in_date.isoformat(), "price": str(self.case.price)}
        if self.case.mode != "sale":
            out["mode"] = self.case.mode
        out["buyer_settlement"] = self.buyer_settlement.to_json() if self.buyer_settlement else None
        out["deductions"] = [{"id": d.id, "label": d.label, "amount": str(d.amount)} for d in self.deductions]
        out["distributable"] = str(self.distributable)
        out["stages"] = [s.to_json() for s in self.stages]
        out["allocations"] = [a.to_json() for a in self.allocations]
        if self.case.mode == "share_split":
            out["co_owner_shares"] = [s.to_json() for s in self.co_owner_shares]
        out["debtor_surplus"] = str(self.debtor_surplus)
        check = {k: str(v) for k, v in self.check().items()}
        if self.case.mode == "share_split":
            check["co_owner_shares"] = str(self.co_owners_total)
        out["check"] = check
        out["sira_cetveli_required"] = self.sira_cetveli_required
        out["warnings"] = [w.as_dict() for w in self.warnings]
        out["rules_used"] = list(self.rules_used)
        if explain:
            out["explain"] = self.explain
        return out


def fmt_rate(value: Decimal) -> str:
    return str(value.quantize(RATE_PLACES, rounding=ROUND_HALF_UP))
