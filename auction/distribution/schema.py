"""The input of the distribution function: parsing and validation of a case (docs/law/distribution-contract.md).

`parse_case(payload)` turns the contract JSON (already decoded to a `dict`) into typed, immutable objects,
or raises `InvalidCase` listing **every** problem with its JSON path. The validator is hand-written rather
than generated so that each problem gets the contract's path syntax (`creditors[2].claim.principal`) and a
stable `code`, and so that one bad field never hides the others.

Money is parsed with `auction.money.parse_money` (strings or integers, 0–2 decimals, never floats);
rates are strings (`"0.24"`) up to 10 (1000 %); dates are strict `YYYY-MM-DD`.

Amounts are TL: a foreign-currency claim is converted by the caller before the case is built
(UNCERTAIN(OP-37): at the sale date by default, `fx.conversion_date`; the contract has no FX fields).

Contract extensions (off by default, see docs/distribution.md):
- `mode`: `"sale"` (the contract), `"forfeit"` (D-60 / OP-44: a forfeited teminat is shared) or
  `"share_split"` (A-100 / OP-27: ortaklığın giderilmesi, the net goes to the co-owners by share);
- `co_owners` (only with `share_split`): `[{"id", "name", "share"}]`, shares as `"1/3"` or `"0.25"`;
- an interest period's `rate` may be `"kanuni"`: the statutory rate of the dated table (T-40), split at
  every date the rate changes (T-44).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Final, Literal

from auction.distribution.errors import InvalidCase, Problem
from auction.money import ZERO, MoneyError, parse_money

Mode = Literal["sale", "forfeit", "share_split"]
AssetKind = Literal["tasinmaz", "tasinir"]
AssetUse = Literal["konut", "isyeri", "arsa", "arac", "diger"]
CreditorKind = Literal["rehin", "asset_tax", "haciz", "ihtiyati_haciz", "kamu_haczi", "takipsiz"]
Imputation = Literal["tbk100", "orantili"]

MODES: Final = ("sale", "forfeit", "share_split")
ASSET_KINDS: Final = ("tasinmaz", "tasinir")
ASSET_USES: Final = ("konut", "isyeri", "arsa", "arac", "diger")
CREDITOR_KINDS: Final = ("rehin", "asset_tax", "haciz", "ihtiyati_haciz", "kamu_haczi", "takipsiz")
IMPUTATIONS: Final = ("tbk100", "orantili")
HACIZ_KINDS: Final = frozenset({"haciz", "ihtiyati_haciz", "kamu_haczi"})
KANUNI: Final = "kanuni"
MAX_RATE: Final = Decimal(10)  # contract: a rate above 10 (1000 %) is an error
_MAX_DECIMAL: Final = Decimal("1000000000")  # an area or another non-money figure: at most 10^9
_FINEST: Final = Decimal("0.0001")
DEFAULT_SIRA: Final = 4  # contract: `sira` 1–4, default 4 (İİK 206/4)

# Deduction ids the engine itself adds; a cost line may not take them (its line would be ambiguous).
RESERVED_DEDUCTION_IDS: Final = frozenset({"tapu_harci_satici", "karar_ilam_harci"})

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FRACTION_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")

_TOP_FIELDS: Final = frozenset({"sale_date", "paid_in_date", "price", "asset", "buyer", "costs", "creditors",
                                "mode", "co_owners"})
_ASSET_FIELDS: Final = frozenset({"kind", "use", "net_area_m2", "permit_date", "kdv_rate"})
_BUYER_FIELDS: Final = frozenset({"bank_17_4_r"})
_COST_FIELDS: Final = frozenset({"id", "label", "amount"})
_CREDITOR_FIELDS: Final = frozenset({"id", "name", "kind", "degree", "limit", "haciz_date", "takip_date",
                                     "document_date", "sira", "joins", "claim"})
_CLAIM_FIELDS: Final = frozenset({"principal", "interest_accrued", "costs", "interest", "payments",
                                  "imputation"})
_PERIOD_FIELDS: Final = frozenset({"from", "to", "rate"})
_PAYMENT_FIELDS: Final = frozenset({"date", "amount"})
_CO_OWNER_FIELDS: Final = frozenset({"id", "name", "share"})

# Which kind-specific creditor fields each kind uses: (required, optional). A field of another kind with
# a non-null value is refused, so that e.g. a `degree` given to a haciz line is not silently ignored.
_KIND_FIELDS: Final[dict[str, tuple[frozenset[str], frozenset[str]]]] = {
    "rehin": (frozenset({"degree"}), frozenset({"limit"})),
    "asset_tax": (frozenset(), frozenset()),
    "haciz": (frozenset({"haciz_date", "takip_date"}), frozenset({"document_date", "sira"})),
    "ihtiyati_haciz": (frozenset({"haciz_date", "takip_date"}), frozenset({"document_date", "sira"})),
    "kamu_haczi": (frozenset({"haciz_date"}), frozenset()),
    "takipsiz": (frozenset({"joins", "sira"}), frozenset()),
}
_KIND_SPECIFIC: Final = frozenset({"degree", "limit", "haciz_date", "takip_date", "document_date", "sira",
                                   "joins"})
_NOT_APPLICABLE: Final[dict[str, tuple[str, ...]]] = {
    kind: tuple(sorted(_KIND_SPECIFIC - req - opt)) for kind, (req, opt) in _KIND_FIELDS.items()
}
_NOT_APPLICABLE_SET: Final[dict[str, frozenset[str]]] = {k: frozenset(v) for k, v in _NOT_APPLICABLE.items()}


# ----------------------------------------------------------------------------------------------- model
# The parsed case is treated as immutable. The classes are plain (not frozen) slotted dataclasses because a
# frozen dataclass's __init__ costs several times more, which shows on a case of 10,000 creditors.


@dataclass(slots=True)
class InterestPeriod:
    start: date
    end: date | None  # exclusive; None = the sale date
    rate: Decimal | None  # None = kanuni faiz from the dated table (extension)
    path: str


@dataclass(slots=True)
class Payment:
    on: date
    amount: Decimal
    index: int
    path: str


@dataclass(slots=True)
class Claim:
    principal: Decimal
    interest_accrued: Decimal
    costs: Decimal
    interest: tuple[InterestPeriod, ...]
    payments: tuple[Payment, ...]
    imputation: Imputation


@dataclass(slots=True)
class Creditor:
    index: int  # position in the `creditors` array: the pro-rata tie-break (contract)
    id: str
    name: str
    kind: CreditorKind
    claim: Claim
    degree: int | None = None
    limit: Decimal | None = None
    haciz_date: date | None = None
    takip_date: date | None = None
    document_date: date | None = None
    sira: int | None = None
    joins: str | None = None

    @property
    def path(self) -> str:
        return f"creditors[{self.index}]"


@dataclass(slots=True)
class CostLine:
    id: str
    label: str
    amount: Decimal


@dataclass(slots=True)
class Asset:
    kind: AssetKind
    use: AssetUse
    net_area_m2: Decimal | None
    permit_date: date | None
    kdv_rate: Decimal | None


@dataclass(slots=True)
class CoOwner:
    index: int
    id: str
    name: str
    share: Fraction


@dataclass(slots=True)
class Case:
    sale_date: date
    paid_in_date: date
    price: Decimal
    asset: Asset
    bank_17_4_r: bool
    costs: tuple[CostLine, ...]
    creditors: tuple[Creditor, ...]
    mode: Mode = "sale"
    co_owners: tuple[CoOwner, ...] = ()


# ----------------------------------------------------------------------------------------------- reader

_MISSING: Final = object()


class _Reader:
    """Collects problems while reading; every accessor returns None when the value is unusable.

    The accessors take the parent's path and the key separately and build the field's path only when a
    problem is reported: a valid case of 10,000 creditors goes through here without one string join per
    field (bench/distribution_bench.py).
    """

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._dates: dict[str, date] = {}  # valid date strings seen: cases repeat the same few dates

    def add(self, path: str, code: str, message: str) -> None:
        self.problems.append(Problem(path, code, message))

    @staticmethod
    def join(base: str, key: str) -> str:
        return f"{base}.{key}" if base else key

    def obj(self, value: Any, path: str) -> Mapping[str, Any] | None:
        if not isinstance(value, Mapping):
            self.add(path or "$", "type", f"expected an object, got {_type_name(value)}")
            return None
        return value

    def unknown(self, obj: Mapping[str, Any], allowed: frozenset[str], path: str) -> None:
        if obj.keys() <= allowed:
            return
        for key in obj:
            if key not in allowed:
                self.add(self.join(path, str(key)), "unknown_field", f"unknown field {key!r}")

    def present(self, obj: Mapping[str, Any], key: str, path: str, *, required: bool) -> Any:
        """The raw value, or _MISSING (reported when required). JSON null counts as absent."""
        value = obj.get(key)
        if value is None:
            if required:
                self.add(self.join(path, key), "required", f"{key!r} is required")
            return _MISSING
        return value

    def money(self, obj: Mapping[str, Any], key: str, path: str, *, required: bool) -> Decimal | None:
        raw = obj.get(key)
        if raw is None:
            if required:
                self.add(self.join(path, key), "required", f"{key!r} is required")
            return None
        return self.money_value(raw, self.join(path, key))

    def money_value(self, raw: Any, path: str) -> Decimal | None:
        if type(raw) is str or type(raw) is int:
            try:
                return parse_money(raw)
            except MoneyError as exc:
                if exc.code in ("money_too_large", "money_not_a_number"):
                    # the form is wrong or the figure beyond any claim (ESATIS_MONEY_MAX): say which
                    self.add(path, "too_large" if exc.code == "money_too_large" else "invalid_amount", str(exc))
                    return None
        self._money_problem(raw, path)
        return None

    def _money_problem(self, raw: Any, path: str) -> None:
        """parse_money refused `raw` (or it is not a string): say exactly why."""
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            self.add(path, "type", f"an amount must be a string such as \"1250.00\", got {_type_name(raw)}")
            return
        try:
            d = Decimal(raw)
        except (InvalidOperation, ValueError):
            self.add(path, "invalid_amount", f"not an amount: {raw!r}")
            return
        if not d.is_finite():
            self.add(path, "invalid_amount", f"not an amount: {raw!r}")
        elif d < 0:
            self.add(path, "negative", f"negative amount {raw!r}")
        else:
            self.add(path, "too_many_decimals", f"more than two decimals: {raw!r}")

    def decimal(self, obj: Mapping[str, Any], key: str, path: str, *, required: bool) -> Decimal | None:
        """A non-negative decimal that is not money (an area)."""
        raw = self.present(obj, key, path, required=required)
        if raw is _MISSING:
            return None
        p = self.join(path, key)
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            self.add(p, "type", f"expected a decimal string, got {_type_name(raw)}")
            return None
        try:
            d = Decimal(raw)
        except (InvalidOperation, ValueError):
            self.add(p, "invalid_number", f"not a number: {raw!r}")
            return None
        if not d.is_finite():
            self.add(p, "invalid_number", f"not a number: {raw!r}")
            return None
        if d < 0:
            self.add(p, "negative", f"negative value {raw!r}")
            return None
        if d > _MAX_DECIMAL or d != d.quantize(_FINEST):
            self.add(p, "too_large", f"out of range (at most {_MAX_DECIMAL}, four decimals): {raw!r}")
            return None
        return d

    def rate(self, obj: Mapping[str, Any], key: str, path: str, *, required: bool,
             allow_kanuni: bool = False) -> Decimal | Literal["kanuni"] | None:
        raw = self.present(obj, key, path, required=required)
        if raw is _MISSING:
            return None
        if allow_kanuni and raw == KANUNI:
            return KANUNI
        if type(raw) is str:
            try:
                d = Decimal(raw)
                if d.is_finite() and 0 <= d <= MAX_RATE:
                    return d
            except (InvalidOperation, ValueError):
                pass
        p = self.join(path, key)
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            self.add(p, "type", f"a rate must be a string such as \"0.24\", got {_type_name(raw)}")
            return None
        try:
            d = Decimal(raw)
        except (InvalidOperation, ValueError):
            self.add(p, "invalid_rate", f"not a rate: {raw!r}")
            return None
        if not d.is_finite():
            self.add(p, "invalid_rate", f"not a rate: {raw!r}")
            return None
        if d < 0:
            self.add(p, "negative", f"negative rate {raw!r}")
            return None
        if d > MAX_RATE:
            self.add(p, "rate_too_high", f"rate {raw!r} is above 10 (1000 %)")
            return None
        return d

    def day(self, obj: Mapping[str, Any], key: str, path: str, *, required: bool) -> date | None:
        raw = obj.get(key)
        if raw is None:
            if required:
                self.add(self.join(path, key), "required", f"{key!r} is required")
            return None
        if type(raw) is str:
            hit = self._dates.get(raw)
            if hit is not None:
                return hit
        p = self.join(path, key)
        if not isinstance(raw, str):
            self.add(p, "type", f"a date must be a string YYYY-MM-DD, got {_type_name(raw)}")
            return None
        if not _DATE_RE.match(raw):
            self.add(p, "invalid_date", f"not a date YYYY-MM-DD: {raw!r}")
            return None
        try:
            value = date.fromisoformat(raw)
        except ValueError:
            self.add(p, "invalid_date", f"not a calendar date: {raw!r}")
            return None
        self._dates[raw] = value
        return value

    def text(self, obj: Mapping[str, Any], key: str, path: str, *, required: bool) -> str | None:
        raw = obj.get(key)
        if type(raw) is str and raw.strip():
            return raw
        raw = self.present(obj, key, path, required=required)
        if raw is _MISSING:
            return None
        p = self.join(path, key)
        if not isinstance(raw, str):
            self.add(p, "type", f"expected a string, got {_type_name(raw)}")
            return None
        if required:
            self.add(p, "empty", f"{key!r} must not be empty")
            return None
        return raw

    def choice(self, obj: Mapping[str, Any], key: str, path: str, options: tuple[str, ...], *,
               required: bool) -> str | None:
        raw = self.present(obj, key, path, required=required)
        if raw is _MISSING:
            return None
        if type(raw) is not str or raw not in options:
            self.add(self.join(path, key), "invalid_choice",
                     f"{raw!r} is not one of {', '.join(options)}")
            return None
        return raw

    def integer(self, obj: Mapping[str, Any], key: str, path: str, *, required: bool, lo: int,
                hi: int | None = None) -> int | None:
        raw = self.present(obj, key, path, required=required)
        if raw is _MISSING:
            return None
        if type(raw) is int and raw >= lo and (hi is None or raw <= hi):
            return raw
        p = self.join(path, key)
        if isinstance(raw, bool) or not isinstance(raw, int):
            self.add(p, "type", f"expected an integer, got {_type_name(raw)}")
            return None
        bounds = f"{lo}–{hi}" if hi is not None else f"at least {lo}"
        self.add(p, "out_of_range", f"{raw} is outside {bounds}")
        return None

    def boolean(self, obj: Mapping[str, Any], key: str, path: str, *, default: bool) -> bool:
        raw = self.present(obj, key, path, required=False)
        if raw is _MISSING:
            return default
        if not isinstance(raw, bool):
            self.add(self.join(path, key), "type", f"expected true or false, got {_type_name(raw)}")
            return default
        return raw

    def array(self, obj: Mapping[str, Any], key: str, path: str, *, required: bool) -> list[Any]:
        raw = self.present(obj, key, path, required=required)
        if raw is _MISSING:
            return []
        if not isinstance(raw, list):
            self.add(self.join(path, key), "type", f"expected an array, got {_type_name(raw)}")
            return []
        return raw


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, float):
        return "a JSON number with a fraction (use a string)"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


# ----------------------------------------------------------------------------------------------- parse


def parse_case(payload: Any) -> Case:
    """Validate a contract case and return it typed; raise `InvalidCase` with every problem found."""
    r = _Reader()
    top = r.obj(payload, "")
    if top is None:
        raise InvalidCase(r.problems)
    r.unknown(top, _TOP_FIELDS, "")

    mode_raw = r.choice(top, "mode", "", MODES, required=False)
    mode: Mode = mode_raw if mode_raw in MODES else "sale"  # type: ignore[assignment]
    sale_date = r.day(top, "sale_date", "", required=True)
    paid_in_date = r.day(top, "paid_in_date", "", required=True)
    if sale_date and paid_in_date and paid_in_date < sale_date:
        # The price cannot enter the office before the ihale it pays for.
        r.add("paid_in_date", "before_sale_date",
              f"paid_in_date {paid_in_date} is before sale_date {sale_date}")
    price = r.money(top, "price", "", required=True)

    asset = _parse_asset(r, top)
    bank = False
    buyer_raw = top.get("buyer")
    if buyer_raw is not None:
        buyer = r.obj(buyer_raw, "buyer")
        if buyer is not None:
            r.unknown(buyer, _BUYER_FIELDS, "buyer")
            bank = r.boolean(buyer, "bank_17_4_r", "buyer", default=False)
    if asset is not None and asset.use == "konut" and asset.kdv_rate is None and asset.net_area_m2 is None \
            and not (bank and asset.kind == "tasinmaz") and mode != "forfeit":
        # T-04/T-09: the konut rate depends on the net area; without it there is no rate to apply.
        r.add("asset.net_area_m2", "required", "a konut needs net_area_m2 (or an explicit kdv_rate)")

    costs = _parse_costs(r, top)
    creditors = _parse_creditors(r, top, sale_date)
    co_owners = _parse_co_owners(r, top, mode)

    if mode == "share_split":
        for c in creditors:
            if c.kind not in ("rehin", "asset_tax"):
                # in ortaklığın giderilmesi the net goes to the co-owners by share; hacizler on one
                # co-owner's share are followed by the office holding them, not by an İİK 206 cetvel.
                r.add(f"{c.path}.kind", "not_allowed_in_mode",
                      f"{c.kind!r} lines are not used in share_split mode (only rehin and asset_tax)")

    if r.problems:
        raise InvalidCase(r.problems)
    # No problem reported means every required value was read.
    assert sale_date is not None
    assert paid_in_date is not None
    assert price is not None
    assert asset is not None
    return Case(sale_date=sale_date, paid_in_date=paid_in_date, price=price, asset=asset, bank_17_4_r=bank,
                costs=tuple(costs), creditors=tuple(creditors), mode=mode, co_owners=tuple(co_owners))


def _parse_asset(r: _Reader, top: Mapping[str, Any]) -> Asset | None:
    if top.get("asset") is None:
        r.add("asset", "required", "'asset' is required")
        return None
    a = r.obj(top["asset"], "asset")
    if a is None:
        return None
    r.unknown(a, _ASSET_FIELDS, "asset")
    kind = r.choice(a, "kind", "asset", ASSET_KINDS, required=True)
    use = r.choice(a, "use", "asset", ASSET_USES, required=True)
    area = r.decimal(a, "net_area_m2", "asset", required=False)
    if area is not None and area == 0 and use == "konut":
        r.add("asset.net_area_m2", "not_positive", "net_area_m2 of a konut must be above 0")
        area = None
    permit = r.day(a, "permit_date", "asset", required=False)
    kdv = r.rate(a, "kdv_rate", "asset", required=False)
    if kind is None or use is None:
        return None
    assert not isinstance(kdv, str)
    return Asset(kind=kind, use=use, net_area_m2=area, permit_date=permit,  # type: ignore[arg-type]
                 kdv_rate=kdv)


def _parse_costs(r: _Reader, top: Mapping[str, Any]) -> list[CostLine]:
    out: list[CostLine] = []
    seen: set[str] = set()
    for i, raw in enumerate(r.array(top, "costs", "", required=False)):
        path = f"costs[{i}]"
        c = r.obj(raw, path)
        if c is None:
            continue
        r.unknown(c, _COST_FIELDS, path)
        cid = r.text(c, "id", path, required=True)
        label = r.text(c, "label", path, required=False)
        amount = r.money(c, "amount", path, required=True)
        if cid is not None:
            if cid in seen:
                r.add(f"{path}.id", "duplicate_id", f"id {cid!r} is used by an earlier cost line")
                cid = None
            elif cid in RESERVED_DEDUCTION_IDS:
                r.add(f"{path}.id", "reserved_id",
                      f"id {cid!r} is reserved for the deduction the engine adds")
                cid = None
            else:
                seen.add(cid)
        if cid is not None and amount is not None:
            out.append(CostLine(id=cid, label=label if label is not None else cid, amount=amount))
    return out


def _parse_creditors(r: _Reader, top: Mapping[str, Any], sale_date: date | None) -> list[Creditor]:
    raws = r.array(top, "creditors", "", required=True)
    out: list[Creditor] = []
    ids: dict[str, int] = {}
    joins_refs: list[tuple[int, str]] = []
    for i, raw in enumerate(raws):
        path = f"creditors[{i}]"
        c = r.obj(raw, path)
        if c is None:
            continue
        r.unknown(c, _CREDITOR_FIELDS, path)
        cid = r.text(c, "id", path, required=True)
        if cid is not None:
            if cid in ids:
                r.add(f"{path}.id", "duplicate_id", f"id {cid!r} is already used by creditors[{ids[cid]}]")
                cid = None
            else:
                ids[cid] = i
        name = r.text(c, "name", path, required=False)
        kind = r.choice(c, "kind", path, CREDITOR_KINDS, required=True)
        claim = _parse_claim(r, c, path, sale_date)
        if kind is None:
            continue

        if c.keys() & _NOT_APPLICABLE_SET[kind]:
            for key in _NOT_APPLICABLE[kind]:
                if c.get(key) is not None:
                    r.add(f"{path}.{key}", "not_applicable", f"{key!r} does not apply to a {kind} line")
        required, optional = _KIND_FIELDS[kind]
        before = len(r.problems)
        degree = r.integer(c, "degree", path, required=True, lo=1) if "degree" in required else None
        limit = r.money(c, "limit", path, required=False) if "limit" in optional else None
        dated = "haciz_date" in required
        haciz_date = r.day(c, "haciz_date", path, required=True) if dated else None
        takip_date = r.day(c, "takip_date", path, required=True) if "takip_date" in required else None
        document_date = r.day(c, "document_date", path, required=False) if "document_date" in optional \
            else None
        sira: int | None = None
        if "sira" in required or "sira" in optional:
            sira = r.integer(c, "sira", path, required="sira" in required, lo=1, hi=4)
            if sira is None:
                sira = DEFAULT_SIRA
        joins: str | None = None
        if "joins" in required:
            joins = r.text(c, "joins", path, required=True)
            if joins is not None:
                joins_refs.append((i, joins))
        if cid is None or claim is None or len(r.problems) != before:
            continue
        out.append(Creditor(index=i, id=cid, name=name if name is not None else cid,
                            kind=kind, claim=claim, degree=degree,  # type: ignore[arg-type]
                            limit=limit, haciz_date=haciz_date, takip_date=takip_date,
                            document_date=document_date, sira=sira, joins=joins))

    # References are checked once every id is known (a takipsiz line may name a later line).
    kinds_by_id: dict[str, str | None] = {}
    for cid, i in ids.items():
        raw = raws[i]
        kinds_by_id[cid] = raw.get("kind") if isinstance(raw, Mapping) else None
    for i, target in joins_refs:
        path = f"creditors[{i}].joins"
        if target not in ids:
            r.add(path, "unknown_reference", f"no creditor has id {target!r}")
        elif kinds_by_id.get(target) not in ("haciz", "ihtiyati_haciz"):
            # docs/law/examples/README.md: a takipsiz line must name a haciz or ihtiyati_haciz line (İİK 101).
            r.add(path, "invalid_reference",
                  f"{target!r} is a {kinds_by_id.get(target)} line; takipsiz may only join a haciz or "
                  "ihtiyati_haciz line")
    return out


def _parse_claim(r: _Reader, c: Mapping[str, Any], path: str, sale_date: date | None) -> Claim | None:
    cpath = f"{path}.claim"
    if c.get("claim") is None:
        r.add(cpath, "required", "'claim' is required")
        return None
    claim = r.obj(c["claim"], cpath)
    if claim is None:
        return None
    before = len(r.problems)
    r.unknown(claim, _CLAIM_FIELDS, cpath)
    principal = r.money(claim, "principal", cpath, required=True)
    # Optional fields are read only when present: most claims carry few of them.
    accrued = r.money(claim, "interest_accrued", cpath, required=False) if "interest_accrued" in claim else None
    costs = r.money(claim, "costs", cpath, required=False) if "costs" in claim else None
    imputation = (r.choice(claim, "imputation", cpath, IMPUTATIONS, required=False) if "imputation" in claim
                  else None) or "tbk100"

    periods: list[InterestPeriod] = []
    for j, raw in enumerate(r.array(claim, "interest", cpath, required=False) if "interest" in claim else ()):
        ppath = f"{cpath}.interest[{j}]"
        p = r.obj(raw, ppath)
        if p is None:
            continue
        r.unknown(p, _PERIOD_FIELDS, ppath)
        start = r.day(p, "from", ppath, required=True)
        end = r.day(p, "to", ppath, required=False)
        rate = r.rate(p, "rate", ppath, required=True, allow_kanuni=True)
        if start and end and end < start:
            r.add(f"{ppath}.to", "to_before_from", f"'to' {end} is before 'from' {start}")
            continue
        if start is not None and rate is not None:
            periods.append(InterestPeriod(start=start, end=end,
                                          rate=rate if isinstance(rate, Decimal) else None, path=ppath))

    payments: list[Payment] = []
    for j, raw in enumerate(r.array(claim, "payments", cpath, required=False) if "payments" in claim else ()):
        ppath = f"{cpath}.payments[{j}]"
        p = r.obj(raw, ppath)
        if p is None:
            continue
        r.unknown(p, _PAYMENT_FIELDS, ppath)
        on = r.day(p, "date", ppath, required=True)
        amount = r.money(p, "amount", ppath, required=True)
        if on and sale_date and on > sale_date:
            # D-36 / T-46: part payments before the sale are imputed; later money is a payout matter.
            r.add(f"{ppath}.date", "after_sale_date",
                  f"payment dated {on} is after the sale date {sale_date}")
            continue
        if on is not None and amount is not None:
            payments.append(Payment(on=on, amount=amount, index=j, path=ppath))

    if len(r.problems) != before or principal is None:
        return None
    return Claim(principal=principal, interest_accrued=accrued or ZERO, costs=costs or ZERO,
                 interest=tuple(periods), payments=tuple(payments),
                 imputation=imputation)  # type: ignore[arg-type]


def _parse_co_owners(r: _Reader, top: Mapping[str, Any], mode: Mode) -> list[CoOwner]:
    raw_list = top.get("co_owners")
    if mode != "share_split":
        if raw_list is not None:
            r.add("co_owners", "not_applicable", "co_owners is only used with mode \"share_split\"")
        return []
    items = r.array(top, "co_owners", "", required=True)
    if not items and isinstance(raw_list, list):
        r.add("co_owners", "empty", "share_split needs at least one co-owner")
    out: list[CoOwner] = []
    seen: set[str] = set()
    total = Fraction(0)
    complete = True
    for i, raw in enumerate(items):
        path = f"co_owners[{i}]"
        o = r.obj(raw, path)
        if o is None:
            complete = False
            continue
        r.unknown(o, _CO_OWNER_FIELDS, path)
        oid = r.text(o, "id", path, required=True)
        name = r.text(o, "name", path, required=False)
        share = _share(r, o, path)
        if oid is not None and oid in seen:
            r.add(f"{path}.id", "duplicate_id", f"id {oid!r} is used by an earlier co-owner")
            oid = None
        if oid is None or share is None:
            complete = False
            continue
        seen.add(oid)
        total += share
        out.append(CoOwner(index=i, id=oid, name=name if name is not None else oid, share=share))
    if complete and out and total != 1:
        r.add("co_owners", "shares_not_one", f"the shares add up to {total}, not 1")
    return out


def _share(r: _Reader, o: Mapping[str, Any], path: str) -> Fraction | None:
    raw = r.present(o, "share", path, required=True)
    if raw is _MISSING:
        return None
    p = f"{path}.share"
    if not isinstance(raw, str):
        r.add(p, "type", f"a share must be a string such as \"1/3\" or \"0.25\", got {_type_name(raw)}")
        return None
    m = _FRACTION_RE.match(raw)
    try:
        value = Fraction(int(m.group(1)), int(m.group(2))) if m else Fraction(Decimal(raw))
    except (InvalidOperation, ValueError, ZeroDivisionError):
        r.add(p, "invalid_share", f"not a share: {raw!r}")
        return None
    if value <= 0 or value > 1:
        r.add(p, "out_of_range", f"share {raw!r} must be above 0 and at most 1")
        return None
    return value
