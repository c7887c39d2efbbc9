"""The life of a served cetvel (D-40 … D-43, D-52, D-53; TM-23): serve → objections within the window →
finalise (partly_final / final) → the court's outcome of each objection.

- `serve` (staff): the parties are served (D-40; the borçlu too, OP-48) and the window of
  `cetvel.objection_days` from the dated rule table starts (7 days under the law, a legal period G-05; the
  `cetvel.demo.objection_window` row under `demo`). Every party linked to the file is notified
  (`distribution.served`).
- `record_objection` (a party): only a creditor of the file, within the window (D-41: the borçlu has no
  itiraz davası). What it holds follows OP-46: an itiraz davası holds the lines it attacks; a şikayet holds
  the complainant's own line and the lines it claims to outrank.
- `finalise` (müdür): after the window, every line no objection holds is final (payable, D-54); the
  cetvel is `partly_final` while anything is disputed, else `final`. The surplus stays held until the
  cetvel is wholly final.
- `decide` (müdür): the court's outcome. Rejected: the lines it held become final (unless another
  objection holds them); a line paid against a teminat mektubu becomes `paid` and its letter is released
  (D-43, `guarantees.settle`). Upheld: they stay held until a corrected version applies the decision (D-48,
  `versions.correct`); over a line whose letter the office holds it is refused (409
  `guarantee_to_be_called`, OP-50).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.audit import service as audit
from auction.calendar import local_date, period_end
from auction.cases.models import CaseParty, PartyCapacity
from auction.cases.parties import standing_in
from auction.clock import iso_ms
from auction.disbursement import guarantees as G
from auction.disbursement import lines as L
from auction.disbursement import payouts, versions
from auction.disbursement.errors import (
    CetvelState,
    ObjectionInvalid,
    ObjectionNotAllowed,
    ObjectionNotFound,
    ObjectionWindowClosed,
    ObjectionWindowOpen,
)
from auction.disbursement.models import Cetvel, Objection
from auction.disbursement.schemas import ObjectionCreate, ObjectionDecision
from auction.events import service as events
from auction.lots.models import Lot
from auction.rules.table import rulebook
from auction.runtime import Runtime
from auction.sales.models import Sale
from auction.users.models import Role
from auction.users.principal import Principal, requires_role


def objection_until(sale: Sale, served_at: datetime, runtime: Runtime) -> datetime:
    """TM-23. rule: D-41 - 7 days from service (İİK 142; şikayet from service too, OP-45), a legal period
    (G-05); under `demo` the elapsed time of `cetvel.demo.objection_window`."""
    day = local_date(served_at)
    if sale.ruleset == "demo":
        return served_at + rulebook().row("cetvel.demo.objection_window", day, "demo").duration()
    days = rulebook().row("cetvel.objection_days", day, sale.ruleset).integer()  # type: ignore[arg-type]
    return period_end(day, days=days, policy=runtime.policy)


async def served_on(session: AsyncSession, runtime: Runtime, case_id: int) -> list[int]:
    """D-40: the users the cetvel is served on: every party linked to the file; the borçlu's side only
    when `cetvel.serve_debtor` (OP-48) says so."""
    rows = (await session.execute(select(CaseParty.user_id, CaseParty.capacity).where(
        CaseParty.case_id == case_id, CaseParty.ended_at.is_(None)))).all()
    # UNCERTAIN(OP-48): the cetvel is served on the borçlu too by default.
    debtor = bool(runtime.policy.value("cetvel.serve_debtor"))
    debtor_side = {PartyCapacity.borclu.value, PartyCapacity.borclu_vekili.value}
    return sorted({u for u, cap in rows if debtor or cap not in debtor_side})


async def serve(session: AsyncSession, runtime: Runtime, actor: Principal, cetvel: Cetvel) -> Cetvel:
    if cetvel.status != "draft":
        raise CetvelState(details={"status": cetvel.status, "allowed_from": ["draft"]})
    sale = await session.get(Sale, cetvel.sale_id)
    assert sale is not None
    now = clock.now()
    cetvel.status = "served"
    cetvel.served_at = now
    cetvel.served_by = actor.user_id
    cetvel.objection_until = objection_until(sale, now, runtime)
    cetvel.updated_at = now
    users = await served_on(session, runtime, cetvel.case_id)
    lot = await session.get(Lot, sale.lot_id)
    audit.record(session, "distribution.served", "distribution", cetvel.id, actor=actor, office_id=cetvel.office_id,
                 data={"rule": "D-40", "version": cetvel.version, "served_on": users,
                       "objection_until": iso_ms(cetvel.objection_until), "window_rule": "D-41"})
    events.emit(session, "distribution.served", {
        "distribution_id": cetvel.id, "sale_id": sale.id, "case_id": cetvel.case_id, "lot_id": sale.lot_id,
        "lot": lot.title if lot else None, "version": cetvel.version, "party_user_ids": users,
        "objection_until": iso_ms(cetvel.objection_until)},
        subject_type="distribution", subject_id=cetvel.id, office_id=cetvel.office_id)
    return cetvel


@requires_role(Role.party)
async def record_objection(session: AsyncSession, actor: Principal, cetvel: Cetvel, body: ObjectionCreate) -> Objection:
    standing = await standing_in(session, actor, cetvel.case_id)
    if not standing.creditor_ids:
        raise ObjectionNotAllowed()
    if body.creditor_id is not None and body.creditor_id not in standing.creditor_ids:
        raise ObjectionNotAllowed(details={"creditor_id": body.creditor_id})
    creditor_id = body.creditor_id if body.creditor_id is not None else min(standing.creditor_ids)
    now = clock.now()
    if cetvel.status != "served" or cetvel.objection_until is None or now >= cetvel.objection_until:
        raise ObjectionWindowClosed(details={"status": cetvel.status, "objection_until":
                                             iso_ms(cetvel.objection_until) if cetvel.objection_until else None})
    version = await versions.current_version(session, cetvel)
    own = {ref for ref, cid in version.creditor_ids.items() if cid == creditor_id}
    if not own:
        raise ObjectionNotAllowed("Alacaklınız bu cetvelde yer almıyor.", details={"creditor_id": creditor_id})
    known = {a["creditor_id"] for a in version.result.get("allocations", [])}
    unknown = sorted(set(body.lines) - known)
    if unknown:
        raise ObjectionInvalid("Cetvelde olmayan satırlar: " + ", ".join(unknown), details={"unknown": unknown})
    attacked = sorted(set(body.lines))
    if body.kind == "itiraz":
        if set(attacked) & own:
            raise ObjectionInvalid("İtiraz davası başka alacaklıların alacağına karşı açılır (D-41).",
                                   details={"own": sorted(own)})
        held = attacked  # UNCERTAIN(OP-46): the attacked lines
    else:
        held = sorted(set(attacked) | own)  # UNCERTAIN(OP-46): the complainant's line and those it outranks
    o = Objection(cetvel_id=cetvel.id, version=cetvel.version, user_id=actor.user_id, creditor_id=creditor_id,
                  kind=body.kind, lines=held, reason=body.reason, status="pending", created_at=now, updated_at=now)
    session.add(o)
    await session.flush()
    audit.record(session, "distribution.objection", "distribution", cetvel.id, actor=actor,
                 office_id=cetvel.office_id, data={"rule": "D-41", "objection_id": o.id, "kind": body.kind,
                                                   "creditor_id": creditor_id, "attacked": attacked, "held": held,
                                                   "hold_rule": "D-53"})
    return o


@requires_role(Role.manager, Role.admin)
async def finalise(session: AsyncSession, actor: Principal, cetvel: Cetvel) -> Cetvel:
    now = clock.now()
    if cetvel.status != "served":
        raise CetvelState(details={"status": cetvel.status, "allowed_from": ["served"]})
    assert cetvel.objection_until is not None
    if now < cetvel.objection_until:
        raise ObjectionWindowOpen(details={"objection_until": iso_ms(cetvel.objection_until)})
    rows = await versions.current_lines(session, cetvel)
    held = versions.held_refs(await versions.holding_objections(session, cetvel.id))
    before = {ln.key: ln.state for ln in rows}
    versions.assign_states(rows, finalised=True, held=held, keep={})
    released = await G.settle(session, actor, cetvel, rows, before, now)
    cetvel.status = "partly_final" if versions.any_pending(rows) else "final"
    cetvel.finalised_at = now
    cetvel.finalised_by = actor.user_id
    cetvel.updated_at = now
    v = await versions.current_version(session, cetvel)
    L.check(rows, v.distributed)
    audit.record(session, "distribution.finalised", "distribution", cetvel.id, actor=actor,
                 office_id=cetvel.office_id, data={"rule": "D-52", "status": cetvel.status, "held": sorted(held),
                                                   "states": {ln.key: ln.state for ln in rows},
                                                   "guarantees_released": released})
    return cetvel


@requires_role(Role.manager, Role.admin)
async def decide(session: AsyncSession, actor: Principal, objection_id: int, body: ObjectionDecision,
                 cetvel: Cetvel) -> Objection:
    o = await session.get(Objection, objection_id)
    if o is None or o.cetvel_id != cetvel.id:
        raise ObjectionNotFound(details={"objection_id": objection_id})
    if o.status != "pending":
        raise CetvelState("İtiraz zaten sonuçlanmış.", details={"status": o.status})
    if body.outcome == "upheld":
        await G.refuse_upheld(session, cetvel, o)  # OP-50: the letter is called first (nothing written)
    now = clock.now()
    o.status = body.outcome
    o.decided_by = actor.user_id
    o.decided_at = now
    o.decision_note = body.note
    o.updated_at = now
    await session.flush()
    released: list[str] = []
    if cetvel.status in ("partly_final", "final"):
        rows = await versions.current_lines(session, cetvel)
        held = versions.held_refs(await versions.holding_objections(session, cetvel.id))
        keep = {ln.key: ln.state for ln in rows if ln.state == "paid"}
        before = {ln.key: ln.state for ln in rows}
        versions.assign_states(rows, finalised=True, held=held, keep=keep)
        released = await G.settle(session, actor, cetvel, rows, before, now)
        cetvel.status = "partly_final" if versions.any_pending(rows) else "final"
        cetvel.updated_at = now
        v = await versions.current_version(session, cetvel)
        L.check(rows, v.distributed)
    audit.record(session, "distribution.objection_decided", "distribution", cetvel.id, actor=actor,
                 office_id=cetvel.office_id, data={"rule": "D-48" if body.outcome == "upheld" else "D-52",
                                                   "objection_id": o.id, "outcome": body.outcome, "note": body.note,
                                                   "status": cetvel.status, "guarantees_released": released})
    if released:
        # The letter's line may have been the last one unpaid: the sale closes as after an export (S-24).
        sale = await session.get(Sale, cetvel.sale_id)
        assert sale is not None
        await session.flush()
        await payouts.close_if_paid(session, actor, cetvel, sale, now)
    return o
