"""The invariant of a stored cetvel, for any case the engine accepts (hypothesis): the lines of a version
(deductions, each creditor's net payout, the harç withheld from it, the debtor's surplus) add up to the
money shared, to the kuruş; it stays so whatever objections hold and whatever is instructed, and
`instructed + held = distributed` (the contract's payouts sum)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auction.disbursement import lines as L
from auction.disbursement.errors import InvariantBroken
from auction.disbursement.models import CetvelLine
from auction.disbursement.versions import assign_states
from auction.distribution import distribute
from tests.distribution.test_dist_properties import SETTINGS, cases


def _rows(result: dict) -> list[CetvelLine]:
    return [CetvelLine(key=x["key"], kind=x["kind"], ref=x["ref"], creditor_id=None, name=x["name"],
                       amount=x["amount"], state="reserved" if x["reserved"] else "open", rules=x["rules"])
            for x in L.lines_of(result, {})]


@SETTINGS
@given(case=cases(), data=st.data())
def test_lines_add_up_to_what_is_shared(case, data):
    result = distribute(case, explain=False)
    price = Decimal(result["price"])
    rows = _rows(result)
    assert len({r.key for r in rows}) == len(rows)
    assert all(r.amount >= 0 for r in rows)
    L.check(rows, price)
    # Each creditor's lines are exactly its share (net payout + harç).
    for a in result["allocations"]:
        mine = sum((r.amount for r in rows if r.ref == a["creditor_id"] and r.kind in ("creditor", "harc")),
                   Decimal(0))
        assert mine == Decimal(a["share"])
    # Any objections, after finality: states change, money does not; the surplus is held unless all final.
    refs = [a["creditor_id"] for a in result["allocations"]]
    held = set(data.draw(st.lists(st.sampled_from(refs), max_size=3))) if refs else set()
    assign_states(rows, finalised=True, held=held, keep={})
    L.check(rows, price)
    surplus = [r for r in rows if r.kind == "surplus"]
    if surplus and any(r.state in ("disputed", "reserved") for r in rows if r.kind != "surplus"):
        assert surplus[0].state == "held"
    # The contract's payouts sum: whatever is instructed, instructed + held = distributed.
    instructed = sum((r.amount for r in rows if r.state == "final"), Decimal(0))
    t = L.totals(rows, price, instructed, Decimal(0))
    assert Decimal(t["instructed"]) + Decimal(t["held"]) == Decimal(t["distributed"]) == price
    assert sum(Decimal(v) for k, v in t.items() if k.startswith("state_")) == price


def test_a_line_off_by_one_kurus_is_refused():
    rows = [CetvelLine(key="creditor:a", kind="creditor", ref="a", creditor_id=None, name="a",
                       amount=Decimal("100.00"), state="open", rules=[])]
    L.check(rows, Decimal("100.00"))
    with pytest.raises(InvariantBroken):
        L.check(rows, Decimal("100.01"))


def test_certificates_of_those_left_short():
    """D-45 / D-46: the worked example with pledges over their limits gives rehin açığı belgeleri."""
    import json
    from pathlib import Path

    from auction.disbursement.views import certificates

    root = Path(__file__).resolve().parents[2] / "docs" / "law" / "examples"
    result = distribute(json.loads((root / "02-pledges-limit.json").read_text(encoding="utf-8")))
    certs = certificates(result)
    short = [a for a in result["allocations"] if a["certificate"]]
    assert certs and len(certs) == len(short)
    assert {c["kind"] for c in certs} <= {"aciz_vesikasi", "rehin_acigi_belgesi"}
    assert all(Decimal(c["amount"]) >= Decimal(c["shortfall"]) > 0 for c in certs)
    assert certificates(result, set()) == []


@SETTINGS
@given(case=cases(), teminat=st.integers(min_value=1, max_value=50_000_000), costs_paid=st.integers(0, 2_000_000))
def test_with_a_forfeited_teminat_lines_add_up_to_price_plus_teminat(case, teminat, costs_paid):
    """D-60: both runs' lines (the forfeit run keyed `forfeit:`) add up to price + forfeited teminat, and
    each creditor's lines over both runs to its two shares."""
    from auction.disbursement import forfeit as F
    from auction.money import from_kurus

    amount = from_kurus(teminat)
    paid = min(amount, from_kurus(costs_paid))
    f = F.Forfeited(ids=[1], amount=amount, costs_paid=paid, day=case["sale_date"])
    fcase = F.forfeit_case(case, f)
    fresult = distribute(fcase, explain=False)
    result = distribute(F.after_forfeit(case, fresult), explain=False)
    rows = [CetvelLine(key=x["key"], kind=x["kind"], ref=x["ref"], creditor_id=None, name=x["name"],
                       amount=x["amount"], state="reserved" if x["reserved"] else "open", rules=x["rules"])
            for x in L.lines_of(result, {}) + F.prefixed(L.lines_of(fresult, {}))]
    assert len({r.key for r in rows}) == len(rows)
    L.check(rows, Decimal(result["price"]) + amount)
    t = L.totals(rows, Decimal(result["price"]) + amount, Decimal(0), Decimal(0))
    assert Decimal(t["forfeited"]) == amount and Decimal(t["price"]) == Decimal(result["price"])
    for a in result["allocations"]:
        both = sum((r.amount for r in rows if r.ref == a["creditor_id"] and r.kind in ("creditor", "harc")),
                   Decimal(0))
        f_share = sum((Decimal(b["share"]) for b in fresult["allocations"] if b["creditor_id"] == a["creditor_id"]),
                      Decimal(0))
        assert both == Decimal(a["share"]) + f_share


@SETTINGS
@given(case=cases(), nema=st.integers(min_value=0, max_value=10_000_000))
def test_nema_lines_add_up_to_the_nema(case, nema):
    """D-62: the nema shared pro rata to the entitled lines adds up to the nema, to the kuruş."""
    from auction.disbursement import nema as N
    from auction.money import from_kurus

    result = distribute(case, explain=False)
    amount = from_kurus(nema)
    out = N.lines(amount, L.lines_of(result, {}))
    assert sum((x["amount"] for x in out), Decimal(0)) == amount
    assert all(x["key"].startswith("nema:") and x["amount"] >= 0 for x in out)
    assert len({x["key"] for x in out}) == len(out)
