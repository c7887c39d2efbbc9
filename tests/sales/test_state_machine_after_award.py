"""Every transition after the award (S-12 … S-22, TM-17) applies from exactly the states, sub-states and
deadline positions docs/law/auction-rules.md §12 allows, as one conditional write; anything else is refused
with 409 `invalid_state` and changes nothing (docs/aftersale.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from auction import clock
from auction.sales import state
from auction.sales.errors import InvalidTransition
from auction.sales.models import FesihStatus, PaymentStatus, Sale, SaleStatus
from tests.engine import z

AFTER = ["payment_received", "default_to_round2", "default_failed", "fesih_window_closed", "fesih_recorded",
         "fesih_rejected", "fesih_annulled", "window_passed", "finality_confirmed", "taxes_paid",
         "tax_default_annulled", "handed_over", "handover_impossible"]

# The §12 rows: rule, from, to.
EXPECTED = {
    "payment_received": ("S-12", {"awarded"}, "awarded"),
    "default_to_round2": ("S-13", {"awarded"}, "awaiting_round2"),
    "default_failed": ("S-13", {"awarded"}, "failed"),
    "fesih_window_closed": ("TM-17", {"awarded"}, "awarded"),
    "fesih_recorded": ("S-14", {"awarded", "awaiting_finality_check"}, "awarded"),
    "fesih_rejected": ("S-15", {"awarded"}, "awarded"),
    "fesih_annulled": ("S-16", {"awarded"}, "annulled"),
    "window_passed": ("S-17", {"awarded"}, "awaiting_finality_check"),
    "finality_confirmed": ("S-18", {"awaiting_finality_check"}, "final"),
    "taxes_paid": ("S-19", {"final"}, "handover"),
    "tax_default_annulled": ("S-20", {"final"}, "annulled"),
    "handed_over": ("S-21", {"handover"}, "distributing"),
    "handover_impossible": ("S-22", {"handover"}, "annulled"),
}


def test_the_table_is_section_12():
    for event, (rule, sources, target) in EXPECTED.items():
        t = state.TRANSITIONS[event]
        assert (t.rule, {s.value for s in t.sources}, t.target.value) == (rule, sources, target), event


@pytest.fixture
async def sale_id(env, manual_clock):
    lot = await env.lot()
    sale = await env.sale(lot["id"], first_round_start=z(manual_clock.now() + timedelta(days=16)))
    return sale["id"]


def _guarded_ok(t: state.Transition) -> dict:
    """Sub-state values and deadlines that satisfy the transition's own guard."""
    now = clock.now()
    values: dict = {"payment_status": "paid", "fesih_status": "none", "payment_due_at": now + timedelta(days=1),
                    "fesih_until": now - timedelta(days=1), "tax_due_at": now - timedelta(days=1)}
    if t.payment_from is not None:
        values["payment_status"] = sorted(p.value for p in t.payment_from)[0]
    if t.fesih_from is not None:
        values["fesih_status"] = sorted(f.value for f in t.fesih_from)[0]
    if t.deadline is not None:
        col, pos = t.deadline
        values[col] = now - timedelta(seconds=1) if pos == "passed" else now + timedelta(seconds=1)
    return values


@pytest.mark.parametrize("event", AFTER)
async def test_each_transition_applies_only_from_its_states(event, runtime, sale_id, manual_clock):
    t = state.TRANSITIONS[event]
    for status in SaleStatus:
        async with runtime.db.session() as s:
            await s.execute(update(Sale).where(Sale.id == sale_id).values(status=status.value, **_guarded_ok(t)))
        allowed = status in t.sources
        try:
            async with runtime.db.session() as s:
                await state.apply(s, sale_id, event)
                applied = True
                # roll back whatever the transition wrote
                raise _Undo()
        except _Undo:
            pass
        except InvalidTransition:
            applied = False
        assert applied == allowed, (event, status)


@pytest.mark.parametrize("event", [e for e in AFTER if state.TRANSITIONS[e].payment_from or
                                   state.TRANSITIONS[e].fesih_from or state.TRANSITIONS[e].deadline])
async def test_each_guard_refuses(event, runtime, sale_id, manual_clock):
    t = state.TRANSITIONS[event]
    source = sorted(s.value for s in t.sources)[0]
    ok = _guarded_ok(t)
    breaks: list[dict] = []
    if t.payment_from is not None:
        breaks += [{"payment_status": p.value} for p in PaymentStatus if p not in t.payment_from]
    if t.fesih_from is not None:
        breaks += [{"fesih_status": f.value} for f in FesihStatus if f not in t.fesih_from]
    if t.deadline is not None:
        col, pos = t.deadline
        now = clock.now()
        breaks.append({col: now + timedelta(seconds=1) if pos == "passed" else now})
    assert breaks
    for broken in breaks:
        async with runtime.db.session() as s:
            await s.execute(update(Sale).where(Sale.id == sale_id).values(status=source, **{**ok, **broken}))
        with pytest.raises(InvalidTransition) as exc:
            async with runtime.db.session() as s:
                await state.apply(s, sale_id, event)
        assert exc.value.details["rule"] == t.rule
        async with runtime.db.session() as s:
            assert (await s.get(Sale, sale_id)).status == source  # nothing changed


class _Undo(Exception):
    pass
