"""The distribution engine: docs/law/distribution-contract.md steps 1–9 as one pure function.

`compute(case)` takes a validated `Case` and returns a `Distribution`; it reads nothing but the rule
tables (through `RateSet`) and writes nothing. Every amount is `Decimal`, rounded half up to the kuruş once
where it is computed (G-07), so every money value carries exactly two decimal places and `str()` is its
contract form (inputs are quantized by `parse_money`; sums and differences keep the exponent). Every
sharing uses `auction.money.pro_rata` (largest remainder, ties by the order of the `creditors` array), so
the `check` block balances to the kuruş by construction; the engine asserts it anyway.

Order of payment (docs/law/distribution.md, head):
    price → costs (D-05) → seller's tapu harcı (T-21) → pledges by degree (D-20…D-23) → asset taxes (D-29)
          → haciz dereceler in time order (D-10…D-19; inside: kamu/private D-15, 206 sıralar D-30…D-34)
          → borçlu (D-49)

Cost: O(n log n) in the number of creditors; the derece walk (step 5) finds the derece a line joins with
a binary search instead of comparing it with every founder.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, localcontext
from fractions import Fraction
from math import lcm
from typing import Any

from auction.distribution.claims import ClaimResult, compute_claim
from auction.distribution.errors import InvalidCase, Problem
from auction.distribution.rates import Rate, RateSet
from auction.distribution.result import (
    Allocation,
    BuyerSettlement,
    CoOwnerShare,
    Deduction,
    Distribution,
    SiraTotal,
    Stage,
    Warning,
    fmt_rate,
)
from auction.distribution.schema import Case, Creditor
from auction.money import ZERO, from_kurus, pro_rata, round_half_up, to_kurus
from auction.rules.policy import Policy
from auction.rules.table import RuleBook, RuleError

# Creditor kinds whose payouts carry no tahsil or cezaevi harcı (contract step 8; T-28).
# UNCERTAIN(OP-34): public creditors are exempt (Harçlar Kanunu 13/j); no config key, as docs/law/open-points.md.
_FEE_EXEMPT = frozenset({"kamu_haczi", "asset_tax"})
_PRIVATE_HACIZ = frozenset({"haciz", "ihtiyati_haciz", "takipsiz"})
_DATED_HACIZ = frozenset({"haciz", "ihtiyati_haciz", "kamu_haczi"})
# Internal working precision: far above what kuruş amounts times rates need, so the one rounding of each
# amount is the only rounding (G-07).
_PRECISION = 60


def compute(case: Case, *, book: RuleBook | None = None, policy: Policy | None = None,
            explain: bool = True) -> Distribution:
    """Distribute a validated case. Raises `InvalidCase` for problems only the computation can find
    (a payment larger than the claim, an interest date no kanuni faiz row covers).

    `explain=False` skips building the `explain` entries (about half the work on a large case) for callers
    that need only the figures; every figure is the same either way.
    """
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        rates = RateSet(case.sale_date, book=book, policy=policy)
        return _Engine(case, rates, explain=explain).run()


class _Engine:
    def __init__(self, case: Case, rates: RateSet, *, explain: bool = True) -> None:
        self.case = case
        self.rates = rates
        self.explaining = explain
        self.explain: list[dict[str, Any]] = []
        self.warnings: list[Warning] = []

    # --------------------------------------------------------------------------------------------- run

    def run(self) -> Distribution:
        case = self.case
        try:
            settlement = self.buyer_settlement()
            allocations = self.claims()
            deductions, distributable = self.deductions()
            stages: list[Stage] = []
            available = distributable
            available = self.pledges(allocations, available, stages)
            available = self.asset_taxes(allocations, available, stages)
            co_owner_shares: list[CoOwnerShare] = []
            if case.mode == "share_split":
                co_owner_shares, available = self.share_split(available)
            else:
                available = self.haciz_dereceler(allocations, available, stages)
            # D-49. UNCERTAIN(OP-47): what no derece uses goes to the borçlu (practice; no article says so).
            surplus = available
            self.fees_and_certificates(allocations)
        except RuleError as exc:
            # A date outside every row of a rule table: the case asks for law we do not hold.
            raise InvalidCase([Problem("sale_date", "no_rule", str(exc))]) from exc

        self.add("debtor_surplus", surplus, "6", ("D-49", "OP-47"),
                 note="son dereceden artan borçluya iade edilir")
        self.add_warnings()
        result = Distribution(
            case=case, buyer_settlement=settlement, deductions=deductions, distributable=distributable,
            stages=stages, allocations=allocations, debtor_surplus=surplus, co_owner_shares=co_owner_shares,
            explain=self.explain, warnings=self.warnings, rules_used=self.rates.used(),
        )
        # Contract step 9: price = deductions + shares + debtor_surplus, to the kuruş, always.
        if not result.balanced():  # pragma: no cover - guarded by construction and property tests
            raise AssertionError(f"distribution does not balance: {result.check()!s}")
        self.add("check", case.price, "9", ("contract step 9",),
                 note=f"{result.deductions_total!s} + {result.shares_total!s}"
                      + (f" + {result.co_owners_total!s}" if co_owner_shares else "")
                      + f" + {surplus!s} = {case.price!s}")
        return result

    def add(self, path: str, value: Decimal | str, step: str, rules: Sequence[str],
            refs: Sequence[str] = (), note: str = "") -> None:
        # One entry per output figure (G-11). Built as a plain dict: a large case has tens of thousands.
        if not self.explaining:
            return
        self.explain.append({"path": path, "value": str(value), "step": step, "rules": list(rules),
                             "refs": list(refs), "note": note})

    # ----------------------------------------------------------------------------- step 1: settlement

    def buyer_settlement(self) -> BuyerSettlement | None:
        case = self.case
        if case.mode == "forfeit":
            # D-60 / OP-44: a forfeited teminat is not a sale to a buyer: no KDV, damga or tapu harcı.
            self.add("buyer_settlement", "null", "1", ("D-60", "OP-44"),
                     note="irat kaydedilen teminat: alıcı hesabı yok")
            return None
        price = case.price
        kdv_rate, kdv = self.kdv()

        damga = self.rates.rate("damga.ihale_karari")
        damga_amount = round_half_up(price * damga.value)
        damga_refs = [damga.ref]
        # UNCERTAIN(OP-30): no per-document cap on damga vergisi unless a yearly maximum is configured.
        cap = self.rates.option("damga.max_per_document")
        damga_refs.append(cap.ref)
        if str(cap.value).lower() not in ("none", ""):
            damga_amount = min(damga_amount, round_half_up(Decimal(str(cap.value))))
        self.add("buyer_settlement.damga_vergisi", damga_amount, "1", ("T-10",), damga_refs,
                 f"{price!s} × {damga.value!s}")

        tapu = ZERO
        if case.asset.kind == "tasinmaz":
            row = self.rates.rate("tapu.alici")
            base_ref = self._tapu_base()
            tapu = round_half_up(price * row.value)
            self.add("buyer_settlement.tapu_harci_alici", tapu, "1", ("T-11",), (row.ref, base_ref),
                     f"{price!s} × {row.value!s} (taşınmaz)")
        else:
            self.add("buyer_settlement.tapu_harci_alici", tapu, "1", ("T-11",), note="taşınır: tapu harcı yok")
        settlement = BuyerSettlement(price=price, kdv_rate=kdv_rate, kdv=kdv, damga_vergisi=damga_amount,
                                     tapu_harci_alici=tapu)
        self.add("buyer_settlement.total_due", settlement.total_due, "1", ("T-01",),
                 note="ihale bedeli + KDV + damga vergisi + tapu harcı (alıcı)")
        return settlement

    def _tapu_base(self) -> str:
        # UNCERTAIN(OP-31): the tapu harcı base is the ihale bedeli (no declared/tax-value floor).
        base = self.rates.option("tapu.base")
        if base.value != "price":
            raise RuleError(f"tapu.base={base.value!r} is not supported: the case carries only the price")
        return base.ref

    def kdv(self) -> tuple[Decimal, Decimal]:
        """T-09: the KDV rate for the asset and sale date, and the KDV (one rounding)."""
        case, asset, price = self.case, self.case.asset, self.case.price
        path = "buyer_settlement.kdv"
        if case.bank_17_4_r and asset.kind == "tasinmaz":
            # T-06: KDVK 17/4-r exempts immovables transferred to a bank for its borrower's debt.
            # UNCERTAIN(OP-29): applied only when staff set buyer.bank_17_4_r.
            self.add(path, ZERO, "1", ("T-06", "T-09", "OP-29"),
                     note="KDVK 17/4-r: alıcı banka, taşınmaz: istisna")
            return ZERO, ZERO
        if asset.kdv_rate is not None:
            # T-05: the rate published in the şartname binds.
            kdv = round_half_up(price * asset.kdv_rate)
            self.add(path, kdv, "1", ("T-05", "T-09"),
                     note=f"{price!s} × {asset.kdv_rate!s} (şartnamedeki oran)")
            return asset.kdv_rate, kdv
        general = self.rates.rate("kdv.general")
        if asset.use == "konut":
            assert asset.net_area_m2 is not None  # schema: a konut without kdv_rate has an area
            area = asset.net_area_m2
            new_from, new_ref = self.rates.date_value("kdv.konut_new_from")
            limit = self.rates.rate("kdv.konut_area_limit_m2")
            if asset.permit_date is not None and asset.permit_date >= new_from:
                # T-04 new stock: reduced rate on the first 150 m², general on the rest, ONE rounding.
                reduced = self.rates.rate("kdv.reduced")
                a_low = min(area, limit.value)
                a_high = area - a_low
                weighted = a_low * reduced.value + a_high * general.value
                kdv = round_half_up(price * weighted / area)
                rate = weighted / area
                self.add(path, kdv, "1", ("T-04", "T-09"), (reduced.ref, general.ref, new_ref, limit.ref),
                         f"{price!s} × ({a_low!s} × {reduced.value!s} + {a_high!s} × {general.value!s}) / {area!s};"
                         f" kdv_rate {fmt_rate(rate)!s}")
                return rate, kdv
            # T-04 old stock (or no ruhsat date: T-09 treats it as old stock).
            # UNCERTAIN(OP-28): ≤ 150 m² at kdv.konut_old_small (1 %), above it the general rate on the whole.
            if area <= limit.value:
                old = self.rates.policy_rate("kdv.konut_old_small")
                kdv = round_half_up(price * old.value)
                self.add(path, kdv, "1", ("T-04", "T-09", "OP-28"), (old.ref, new_ref, limit.ref),
                         f"eski stok konut ≤ {limit.value!s} m²: {price!s} × {old.value!s}")
                return old.value, kdv
            kdv = round_half_up(price * general.value)
            self.add(path, kdv, "1", ("T-04", "T-09", "OP-28"), (general.ref, new_ref, limit.ref),
                     f"eski stok konut > {limit.value!s} m²: {price!s} × {general.value!s}")
            return general.value, kdv
        if asset.use == "arac":
            # UNCERTAIN(OP-28): vehicles at the general rate unless a fixed rate is configured.
            vehicle = self.rates.option("kdv.vehicle")
            if vehicle.value != "general":
                rate_value = Decimal(str(vehicle.value))
                kdv = round_half_up(price * rate_value)
                self.add(path, kdv, "1", ("T-07", "T-09", "OP-28"), (vehicle.ref,),
                         f"araç: {price!s} × {rate_value!s}")
                return rate_value, kdv
            kdv = round_half_up(price * general.value)
            self.add(path, kdv, "1", ("T-07", "T-09", "OP-28"), (general.ref, vehicle.ref),
                     f"araç: {price!s} × {general.value!s}")
            return general.value, kdv
        kdv = round_half_up(price * general.value)
        self.add(path, kdv, "1", ("T-03", "T-07", "T-09"), (general.ref,),
                 f"{asset.use!s}: {price!s} × {general.value!s}")
        return general.value, kdv

    # --------------------------------------------------------------------------------- claims (D-36)

    def claims(self) -> list[Allocation]:
        problems: list[Problem] = []
        out: list[Allocation] = []
        sale_date = self.case.sale_date
        for c in self.case.creditors:
            claim = compute_claim(c.claim, sale_date, self.rates, problems)
            demand = claim.total
            if c.kind == "rehin" and c.limit is not None and c.limit < demand:
                demand = c.limit  # contract step 3 / D-22: a limit mortgage takes at most its limit
            # UNCERTAIN(OP-39): a capital mortgage's TMK 875 coverage and a claim on several pledges (İİK
            # 206/2) are the caller's to cap and apportion; the engine takes min(claim_total, limit).
            stage = c.kind if c.kind in ("rehin", "asset_tax") else "haciz"
            out.append(Allocation(creditor=c, claim=claim, stage=stage, demand=demand))
            if self.explaining:
                self._explain_claim(c, claim)
        if problems:
            raise InvalidCase(problems)
        return out

    def _explain_claim(self, c: Creditor, claim: ClaimResult) -> None:
        base = f"allocations[{c.id!s}]"
        for s in claim.stretches:
            self.add(f"{base!s}.claim_breakdown.interest", s.amount, "claims", ("D-36", "T-44", "T-45"),
                     (s.ref,) if s.ref else (),
                     f"{s.principal!s} × {s.rate!s} × {s.days!s} / 365 ({s.start!s} → {s.end!s}; {s.period_path!s})")
        imputation = c.claim.imputation
        for p in claim.imputed:
            self.add(f"{base!s}.claim_breakdown", p.amount, "claims", ("T-46",),
                     note=f"kısmi ödeme {p.on!s} ({imputation!s}): masrafa {p.to_costs!s}, faize "
                          f"{p.to_interest!s}, asla {p.to_principal!s} ({p.path!s})")
        self.add(f"{base!s}.claim_total", claim.total, "claims", ("D-06", "D-36"),
                 note=f"asıl {claim.principal!s} + faiz {claim.interest!s} + masraf "
                      f"{claim.costs!s}, ihale tarihi {self.case.sale_date!s} itibarıyla")

    # ---------------------------------------------------------------------------- step 2: deductions

    def deductions(self) -> tuple[list[Deduction], Decimal]:
        case = self.case
        price = case.price
        lines: list[tuple[str, str, Decimal, tuple[str, ...], tuple[str, ...], str]] = [
            (c.id, c.label, c.amount, ("D-05", "T-20"), (), "İİK 138 masrafı") for c in case.costs
        ]
        if case.mode == "share_split":
            # UNCERTAIN(OP-27): A-100 / T-32 karar ve ilam harcı of binde 11,38 of the price.
            harc = self.rates.policy_rate("ortaklik.karar_harci")
            lines.append(("karar_ilam_harci", "Karar ve ilam harcı (ortaklığın giderilmesi)",
                          round_half_up(price * harc.value), ("A-100", "T-32", "OP-27"), (harc.ref,),
                          f"{price!s} × {harc.value!s}"))
        if case.asset.kind == "tasinmaz" and case.mode != "forfeit":
            # T-11 / T-21: the seller's binde 20 comes out of the proceeds. D-60 / OP-44: not on a forfeit.
            row = self.rates.rate("tapu.satici")
            base_ref = self._tapu_base()
            lines.append(("tapu_harci_satici", "Tapu harcı (satıcı payı)", round_half_up(price * row.value),
                          ("T-11", "T-21"), (row.ref, base_ref), f"{price!s} × {row.value!s}"))
        demanded = [amount for _, _, amount, _, _, _ in lines]
        total = sum(demanded, ZERO)
        if total <= price:
            taken = demanded
            distributable = price - total
        else:
            # Contract step 2 / D-05: the price does not cover them: they share it pro rata; nothing else
            # is paid.
            taken = pro_rata(price, demanded)
            distributable = ZERO
        out: list[Deduction] = []
        for (did, label, amount, rules, refs, note), got in zip(lines, taken, strict=True):
            out.append(Deduction(did, label, got, amount))
            if got != amount:
                note = f"{note!s}; bedel yetmedi: {amount!s} yerine garameten {got!s}"
            self.add(f"deductions[{did!s}]", got, "2", rules, refs, note)
        self.add("distributable", distributable, "2", ("D-05",),
                 note=f"{price!s} − {sum(taken, ZERO)!s}")
        return out, distributable

    # ------------------------------------------------------------------------------- step 3: pledges

    def pledges(self, allocations: list[Allocation], available: Decimal, stages: list[Stage]) -> Decimal:
        # UNCERTAIN(OP-42): every pledge is paid before every haciz stage (contract v1), even a pledge
        # registered after a haciz (İİK 91, 268/1 would rank that haciz first); staff handle such files.
        by_degree: dict[int, list[Allocation]] = defaultdict(list)
        for a in allocations:
            if a.creditor.kind == "rehin":
                assert a.creditor.degree is not None
                by_degree[a.creditor.degree].append(a)
        # D-21: lower degree first; empty degrees are simply absent (TMK 871), nothing is reserved.
        for degree in sorted(by_degree):
            group = by_degree[degree]
            demands = [a.demand for a in group]
            demanded = sum(demands, ZERO)
            use = min(available, demanded)
            shares = pro_rata(use, demands) if use < demanded else demands
            stage = Stage("rehin", available=available, demanded=demanded, paid=use, degree=degree)
            stages.append(stage)
            for a, share in zip(group, shares, strict=True):
                a.share = share
                limit = a.creditor.limit
                if share == a.demand:
                    how = "tamamı"
                elif len(group) > 1:
                    how = f"eş derece, {use!s} garameten"
                else:
                    how = "kalanı"
                self.add(f"allocations[{a.creditor.id!s}].share", share, "3",
                         ("D-20", "D-21", "D-22") if limit is not None else ("D-20", "D-21"),
                         note=f"{degree!s}. derece rehin: istem {a.demand!s}"
                              + (f" (limit {limit!s})" if limit is not None else "") + f", {how!s}")
            available -= use
        return available

    # ---------------------------------------------------------------------------- step 4: asset tax

    def asset_taxes(self, allocations: list[Allocation], available: Decimal, stages: list[Stage]) -> Decimal:
        group = [a for a in allocations if a.creditor.kind == "asset_tax"]
        if not group:
            return available
        demands = [a.demand for a in group]
        demanded = sum(demands, ZERO)
        use = min(available, demanded)
        shares = pro_rata(use, demands) if use < demanded else demands
        stages.append(Stage("asset_tax", available=available, demanded=demanded, paid=use))
        for a, share in zip(group, shares, strict=True):
            a.share = share
            self.add(f"allocations[{a.creditor.id!s}].share", share, "4", ("D-29",),
                     note="rehinlerden sonra, alacak oranında garameten")
        return available - use

    # ------------------------------------------------------------------------ step 5: haciz dereceler

    def haciz_dereceler(self, allocations: list[Allocation], available: Decimal,
                        stages: list[Stage]) -> Decimal:
        case = self.case
        paid_in = case.paid_in_date
        dated = [a for a in allocations if a.creditor.kind in _DATED_HACIZ]
        # Contract step 5: walk in haciz_date order, ties by input order (sorted() is stable).
        dated.sort(key=lambda a: (a.creditor.haciz_date or date.min, a.creditor.index))

        members: list[list[Allocation]] = []
        founders: list[Allocation] = []
        # Private joiners need an İİK 100 document dated before the founder's takip (D-11). The earliest
        # derece a document dated d can join is the first private-founded derece whose takip is after d; it
        # is found by binary search over the running maxima of the founders' takip dates (a derece that is
        # not a new maximum can never be the *earliest* match).
        ex = self.explaining
        record_takip: list[date] = []
        record_derece: list[int] = []
        by_id: dict[str, int] = {}

        for a in dated:
            c = a.creditor
            assert c.haciz_date is not None
            joined: int | None = None
            # D-11: both "before" tests are strict; a haciz on the paid-in day does not join.
            if c.haciz_date < paid_in and members:
                if c.kind == "kamu_haczi":
                    # D-15 / 6183 m.21: a public haciz joins derece 1 without the İİK 100 conditions, even
                    # one founded by an ihtiyati haciz (some authors disagree, seed 002).
                    # UNCERTAIN(OP-41): cut-off is paid_in_date (contract v1), not the sale date.
                    joined = 0
                elif c.document_date is not None:
                    # UNCERTAIN(OP-40): an ihtiyati haciz needs a document to join, like any haciz
                    # (contract v1; İİK 268/1 would let it join without one).
                    pos = bisect_right(record_takip, c.document_date)
                    if pos < len(record_takip):
                        joined = record_derece[pos]
            if joined is None:
                members.append([a])
                founders.append(a)
                derece_no = len(members)
                if c.kind != "kamu_haczi":
                    # D-16: a derece founded by a public haciz takes no private joiners (no takip date).
                    assert c.takip_date is not None
                    if not record_takip or c.takip_date > record_takip[-1]:
                        record_takip.append(c.takip_date)
                        record_derece.append(derece_no - 1)
                a.derece = derece_no
                if ex:
                    self.add(f"allocations[{c.id!s}].derece", str(derece_no), "5", ("D-10", "D-19"),
                             note=f"{derece_no!s}. dereceyi kurar (haciz {c.haciz_date!s})")
            else:
                members[joined].append(a)
                a.derece = joined + 1
                f = founders[joined].creditor
                if not ex:
                    pass
                elif c.kind == "kamu_haczi":
                    self.add(f"allocations[{c.id!s}].derece", str(joined + 1), "5", ("D-15", "OP-41"),
                             note=f"6183 m.21: kamu haczi {c.haciz_date!s} < vezne {paid_in!s}: 1. derece")
                else:
                    self.add(f"allocations[{c.id!s}].derece", str(joined + 1), "5", ("D-11",),
                             note=f"İİK 100: haciz {c.haciz_date!s} < vezne {paid_in!s}, belge "
                                  f"{c.document_date!s} < kurucu {f.id!s} takip {f.takip_date!s}")
            by_id[c.id] = a.derece - 1

        # D-13 / İİK 101: a takipsiz line sits in the derece of the line it names (founder or joiner).
        for a in allocations:
            c = a.creditor
            if c.kind == "takipsiz":
                assert c.joins is not None
                idx = by_id[c.joins]
                members[idx].append(a)
                a.derece = idx + 1
                self.add(f"allocations[{c.id!s}].derece", str(idx + 1), "5", ("D-13",),
                         note=f"İİK 101 takipsiz iştirak: {c.joins!s}")

        for idx, group in enumerate(members):
            available = self._derece(idx + 1, founders[idx], group, available, stages)
        return available

    def _derece(self, derece: int, founder: Allocation, group: list[Allocation], available: Decimal,
                stages: list[Stage]) -> Decimal:
        ex = self.explaining
        kamu = [a for a in group if a.creditor.kind == "kamu_haczi"]
        private = [a for a in group if a.creditor.kind in _PRIVATE_HACIZ]
        # Pro-rata ties go by the order of the creditors array, not the haciz order (docs/law/examples/README.md).
        kamu.sort(key=lambda a: a.creditor.index)
        private.sort(key=lambda a: a.creditor.index)
        kamu_demand = sum((a.demand for a in kamu), ZERO)
        private_demand = sum((a.demand for a in private), ZERO)
        demanded = kamu_demand + private_demand
        use = min(available, demanded)
        stage = Stage("haciz", available=available, demanded=demanded, paid=use, derece=derece,
                      founder=founder.creditor.id, members=[a.creditor.id for a in group])
        stages.append(stage)

        # D-15: the derece's money is split pro rata between the public claims as one group and the private
        # claims, by claim totals. The two groups are ordered by their first line in the creditors array for
        # the kuruş tie-break (the contract's "input order" read at group level).
        if kamu and private:
            kamu_first = kamu[0].creditor.index < private[0].creditor.index
            if kamu_first:
                kamu_part, private_part = pro_rata(use, [kamu_demand, private_demand])
            else:
                private_part, kamu_part = pro_rata(use, [private_demand, kamu_demand])
        elif kamu:
            kamu_part, private_part = use, ZERO
        else:
            kamu_part, private_part = ZERO, use
        stage.kamu_part, stage.private_part = kamu_part, private_part
        self.add(f"stages[haciz {derece!s}].kamu_part", kamu_part, "5", ("D-15",),
                 note=f"{use!s} × {kamu_demand!s} / {demanded!s}" if kamu and private else "")
        self.add(f"stages[haciz {derece!s}].private_part", private_part, "5", ("D-15",),
                 note=f"{use!s} × {private_demand!s} / {demanded!s}" if kamu and private else "")

        if kamu:
            shares = pro_rata(kamu_part, [a.demand for a in kamu]) if kamu_part < kamu_demand \
                else [a.demand for a in kamu]
            for a, share in zip(kamu, shares, strict=True):
                a.share = share
                if ex:
                    self.add(f"allocations[{a.creditor.id!s}].share", share, "5", ("D-15",),
                             note=f"{derece!s}. derece: kamu payı garameten (6183 m.21)")

        # D-30 … D-34: the private part goes by İİK 206 sıra, 1 first; pro rata inside a sıra (İİK 207).
        # UNCERTAIN(OP-38): interest follows its claim's sıra (no separate interest ranking).
        by_sira: dict[int, list[Allocation]] = defaultdict(list)
        for a in private:
            assert a.creditor.sira is not None
            by_sira[a.creditor.sira].append(a)
        rest = private_part
        for sira in sorted(by_sira):
            lines = by_sira[sira]
            demand_s = sum((a.demand for a in lines), ZERO)
            paid_s = min(rest, demand_s)
            demands = [a.demand for a in lines]
            shares = pro_rata(paid_s, demands) if paid_s < demand_s else demands
            for a, share in zip(lines, shares, strict=True):
                a.sira = sira
                a.share = share
                if ex:
                    self.add(f"allocations[{a.creditor.id!s}].share", share, "5", ("D-30", "D-33", "D-12"),
                             note=f"{derece!s}. derece, {sira!s}. sıra: "
                                  + ("tamamı ödenir" if share == a.demand else
                                     f"İİK 207 garameten: {paid_s!s} × {a.demand!s} / {demand_s!s}"))
            stage.sira.append(SiraTotal(sira, demand_s, paid_s))
            rest -= paid_s
        # D-19: what this derece does not use passes to the next one.
        return available - use

    # ----------------------------------------------------------------------- share_split (A-100, OP-27)

    def share_split(self, available: Decimal) -> tuple[list[CoOwnerShare], Decimal]:
        owners = self.case.co_owners
        amounts = share_by_fractions(available, [o.share for o in owners])
        out: list[CoOwnerShare] = []
        for o, amount in zip(owners, amounts, strict=True):
            out.append(CoOwnerShare(o.id, o.name, o.share, amount))
            self.add(f"co_owner_shares[{o.id!s}]", amount, "share_split", ("A-100", "OP-27"),
                     note=f"net {available!s} × {o.share!s} (en büyük kalan)")
        return out, ZERO

    # -------------------------------------------------------------------------- steps 7–8: status, fees

    def fees_and_certificates(self, allocations: list[Allocation]) -> None:
        tahsil = self._tahsil_rate()
        cezaevi = self.rates.rate("cezaevi")
        include = self.rates.option("aciz.include_tahsil_harci")
        ex = self.explaining
        for a in allocations:
            c = a.creditor
            kind = c.kind
            if kind == "ihtiyati_haciz":
                # Contract step 7 / D-14 / T-29: the share is held until the haciz becomes final; the
                # fees are computed when it is paid.
                a.status = "reserved"
            elif kind not in _FEE_EXEMPT and a.share > 0:
                # T-30: each fee is one computed amount on the share.
                # UNCERTAIN(OP-33): 11,38 % on every paid private line (no 2,27 % / peşin harç set-off).
                a.tahsil_harci = round_half_up(a.share * tahsil.value)
                a.cezaevi_harci = round_half_up(a.share * cezaevi.value)
            shortfall = a.shortfall
            if shortfall > 0 and kind in ("haciz", "takipsiz"):
                # D-45 / İİK 143: aciz vesikası for the unpaid part.
                a.certificate = "aciz_vesikasi"
                # UNCERTAIN(OP-35): the tahsil harcı withheld (a debt of the borçlu) is part of the amount.
                a.certificate_amount = shortfall + (a.tahsil_harci if include.value else ZERO)
            elif shortfall > 0 and kind == "rehin":
                # D-26 / D-46 / İİK 152: rehin açığı belgesi for the rest (incl. the part above the limit).
                a.certificate = "rehin_acigi_belgesi"
                a.certificate_amount = shortfall
            if ex:
                self._explain_fees(a, tahsil, cezaevi, include.ref, bool(include.value))

    def _explain_fees(self, a: Allocation, tahsil: Rate, cezaevi: Rate, include_ref: str,
                      include: bool) -> None:
        c = a.creditor
        base = f"allocations[{c.id!s}]"
        if c.kind == "ihtiyati_haciz":
            self.add(f"{base!s}.status", "reserved", "7", ("D-14", "T-29"),
                     note="İİK 268, 138/4: bloke; harçlar ödemede hesaplanır (o zamana kadar 0.00)")
        elif c.kind in _FEE_EXEMPT:
            self.add(f"{base!s}.tahsil_harci", ZERO, "8", ("T-28", "OP-34"), note="kamu alacaklısı: harç kesilmez")
        elif a.tahsil_harci or a.cezaevi_harci:
            self.add(f"{base!s}.tahsil_harci", a.tahsil_harci, "8", ("T-25", "T-30", "OP-33"), (tahsil.ref,),
                     f"{a.share!s} × {tahsil.value!s}")
            self.add(f"{base!s}.cezaevi_harci", a.cezaevi_harci, "8", ("T-26", "T-30"), (cezaevi.ref,),
                     f"{a.share!s} × {cezaevi.value!s}")
            # Without fees the net payout is the share itself, already explained; an entry per line would
            # only repeat it (a case of 10,000 lines has thousands of such lines).
            self.add(f"{base!s}.net_payout", a.net_payout, "8", ("T-30",),
                     note=f"{a.share!s} − {a.tahsil_harci!s} − {a.cezaevi_harci!s}")
        if a.certificate == "aciz_vesikasi":
            self.add(f"{base!s}.certificate", "aciz_vesikasi", "7", ("D-45", "OP-35"), (include_ref,),
                     f"açık {a.shortfall!s}" + (f" + tahsil harcı {a.tahsil_harci!s}" if include else "")
                     + f" = {a.certificate_amount!s}")
        elif a.certificate == "rehin_acigi_belgesi":
            self.add(f"{base!s}.certificate", "rehin_acigi_belgesi", "7", ("D-26", "D-46"),
                     note=f"açık {a.shortfall!s}")

    def _tahsil_rate(self) -> Rate:
        if self.case.mode == "forfeit":
            # UNCERTAIN(OP-44): no sale took place, so the after-haciz rate (9,10 %) by default.
            return self.rates.policy_rate("forfeit.tahsil_rate")
        return self.rates.rate("tahsil.satis")

    # ----------------------------------------------------------------------------------- warnings

    def add_warnings(self) -> None:
        """Cases where contract v1 is knowingly narrower than the law (docs/law/open-points.md, last section)."""
        case = self.case
        kesin = [c.haciz_date for c in case.creditors if c.kind == "haciz" and c.haciz_date is not None]
        latest_kesin = max(kesin) if kesin else None
        for c in case.creditors:
            if c.kind == "ihtiyati_haciz" and latest_kesin is not None and c.haciz_date is not None \
                    and c.haciz_date < latest_kesin:
                self.warnings.append(Warning(
                    "OP-40", c.id,
                    "Kesin hacizden önce tarihli ihtiyati haciz: İİK 268/1'e göre belge aranmaksızın o haczin "
                    "derecesine katılırdı; sözleşme v1 bunu modellemez. Cetveli inceleyin."))
            if c.kind == "kamu_haczi" and c.haciz_date is not None \
                    and case.sale_date <= c.haciz_date < case.paid_in_date:
                self.warnings.append(Warning(
                    "OP-41", c.id,
                    "İhale ile bedelin vezneye girişi arasında konmuş kamu haczi: sözleşme v1'e göre katıldı, "
                    "ancak 6183 m.21 'paraya çevrilmeden önce' der. Cetveli inceleyin."))


def share_by_fractions(amount: Decimal, shares: Sequence[Fraction]) -> list[Decimal]:
    """`amount` split by exact fractions with the contract's largest remainder (ties: input order).

    The fractions are brought to a common denominator so the weights are integers and nothing is inexact.
    """
    if not shares:
        return []
    denominator = lcm(*(s.denominator for s in shares))
    weights = [s.numerator * (denominator // s.denominator) for s in shares]
    total = sum(weights)
    amount_k = to_kurus(amount)
    floors: list[int] = []
    remainders: list[int] = []
    for w in weights:
        q, r = divmod(amount_k * w, total)
        floors.append(q)
        remainders.append(r)
    left = amount_k - sum(floors)
    for i in sorted(range(len(weights)), key=lambda i: -remainders[i])[:left]:
        floors[i] += 1
    return [from_kurus(k) for k in floors]


__all__ = ["compute", "share_by_fractions"]
