"""Cetvel versions: built from the file when the sale's money is in (S-21, at handover) and on demand,
and rebuilt as a new version when staff correct an input (D-48, D-51: with a reason, audited). A version
is never edited; the current one is `Cetvel.version`. The outcome of an ihtiyati haciz whose share is
reserved (D-14) is such a correction too (`release_reserved`).

What carries over to a corrected version (same line key): a line whose payout is already instructed keeps
its figures (else `paid_line_changed`) and its state; after the cetvel was finalised every other line is
final as corrected (D-48: "corrected as the final decision says"), except what a still-pending objection
holds; an upheld objection is marked applied in the new version and no longer holds its lines.
"""

from __future__ import annotations

import asyncio
import copy
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.audit import service as audit
from auction.calendar import local_date
from auction.cases.models import Creditor
from auction.cetvel.case_from_file import sale_case
from auction.dbutil import insert_ignore
from auction.disbursement import forfeit as F
from auction.disbursement import guarantees as G
from auction.disbursement import lines as L
from auction.disbursement import nema as N
from auction.disbursement.errors import (
    CetvelState,
    DistributionExists,
    LineNotReserved,
    NotDistributable,
    PaidLineChanged,
    ReasonRequired,
    ReleaseInvalid,
)
from auction.disbursement.models import Cetvel, CetvelLine, CetvelVersion, Objection, Payout
from auction.disbursement.schemas import ReservedRelease
from auction.distribution.errors import InvalidCase
from auction.distribution.service import distribute
from auction.events import service as events
from auction.runtime import Runtime
from auction.sales.models import Sale, SaleStatus
from auction.users.models import Role
from auction.users.principal import Principal, requires_role

HOLDING = ("pending",)
HANDOVER_REASON = "handover (S-21)"  # the reason of the version built at handover (the page says it in words)


async def cetvel_of_sale(session: AsyncSession, sale_id: int) -> Cetvel | None:
    return (await session.scalars(select(Cetvel).where(Cetvel.sale_id == sale_id)
                                  .execution_options(populate_existing=True))).first()


async def current_version(session: AsyncSession, cetvel: Cetvel) -> CetvelVersion:
    v = await session.scalar(select(CetvelVersion).where(CetvelVersion.cetvel_id == cetvel.id,
                                                          CetvelVersion.version == cetvel.version))
    assert v is not None
    return v


async def current_lines(session: AsyncSession, cetvel: Cetvel) -> list[CetvelLine]:
    v = await current_version(session, cetvel)
    return list((await session.scalars(select(CetvelLine).where(CetvelLine.version_id == v.id)
                                       .order_by(CetvelLine.id).execution_options(populate_existing=True))).all())


async def holding_objections(session: AsyncSession, cetvel_id: int) -> list[Objection]:
    """Objections that hold money now (D-53): pending ones, and upheld ones until a corrected version
    applies the decision (D-48)."""
    rows = (await session.scalars(select(Objection).where(Objection.cetvel_id == cetvel_id)
                                  .execution_options(populate_existing=True))).all()
    return [o for o in rows if o.status == "pending" or (o.status == "upheld" and o.applied_in_version is None)]


def any_pending(lines: list[CetvelLine]) -> bool:
    """`partly_final` rather than `final`: a line is still disputed, or paid against a letter while its
    objection runs (D-43, D-52)."""
    return any(ln.state in ("disputed", G.PAID_AGAINST_GUARANTEE) for ln in lines)


def held_refs(objections: list[Objection]) -> set[str]:
    return {ref for o in objections for ref in o.lines}


def assign_states(lines: list[CetvelLine], *, finalised: bool, held: set[str], keep: dict[str, str],
                  now: datetime | None = None, payable_since: dict[str, datetime] | None = None) -> None:
    """D-52 … D-54: the state of every line of a version. `keep`: states carried over (payouts instructed);
    `payable_since`: when a line of the previous version became payable (a correction keeps the moment)."""
    now = now or clock.now()
    for ln in lines:
        if ln.key in keep:
            ln.state = keep[ln.key]
        elif ln.state == "reserved":
            continue
        elif not finalised:
            ln.state = "open"
        elif ln.kind == "surplus":
            continue  # below, once every other line is known
        elif ln.ref in held and ln.kind in ("creditor", "harc"):
            ln.state = "disputed"
        else:
            ln.state = "final"
    for ln in lines:
        if ln.kind == "surplus" and ln.key not in keep and ln.state != "reserved":
            if not finalised:
                ln.state = "open"
            else:
                # The debtor's surplus is paid only when the cetvel is wholly final (D-49, D-54).
                others = [x.state for x in lines if x.kind != "surplus"]
                ln.state = "final" if all(s in ("final", "paid") for s in others) else "held"
    for ln in lines:
        if ln.state in ("final", "paid"):
            ln.payable_at = (payable_since or {}).get(ln.key) or ln.payable_at or now
        else:
            ln.payable_at = None


async def _sale_case(session: AsyncSession, sale: Sale) -> tuple[dict[str, Any], dict[str, int], list[Any]]:
    paid_in = local_date(sale.paid_at) if sale.paid_at else None
    fc = await sale_case(session, sale, paid_in_date=paid_in)
    omitted = [{"record": o.record, "name": o.name, "reason": o.reason} for o in fc.omitted]
    forfeited = await F.of_sale(session, sale.id)
    # rule: D-60 - the part of C a forfeited teminat paid is not deducted from the price again.
    payload = F.without_paid_costs(fc.payload, forfeited.costs_paid) if forfeited else fc.payload
    return payload, dict(fc.creditor_ids), omitted


async def _compute(runtime: Runtime, case: dict[str, Any]) -> dict[str, Any]:
    # The engine is pure and fast for a file's few creditors; a thread keeps a large one off the loop.
    return await asyncio.to_thread(distribute, case, policy=runtime.policy)


async def _store(session: AsyncSession, runtime: Runtime, cetvel: Cetvel, number: int, case: dict[str, Any],
                 creditor_ids: dict[str, int], omitted: list[Any], reason: str, actor: Principal | None,
                 now: datetime) -> tuple[CetvelVersion, list[CetvelLine]]:
    forfeited = await F.of_sale(session, cetvel.sale_id)
    if forfeited is None:
        result = await _compute(runtime, case)
        distributed = Decimal(result["price"])
        outflows = L.lines_of(result, creditor_ids)
    else:
        # rule: D-60 - the forfeited teminat is shared first by the engine's forfeit mode; what it paid a
        # creditor is a payment on its claim in the sale's run, so no claim is paid twice.
        fcase = F.forfeit_case(case, forfeited)
        fresult = await _compute(runtime, fcase)
        result = await _compute(runtime, F.after_forfeit(case, fresult))
        result = {**result, "forfeit": {"forfeitures": forfeited.ids, "case": fcase, "result": fresult}}
        distributed = Decimal(result["price"]) + Decimal(fresult["price"])
        outflows = L.lines_of(result, creditor_ids) + F.prefixed(L.lines_of(fresult, creditor_ids))
    sale = await session.get(Sale, cetvel.sale_id)
    assert sale is not None
    fesih_nema, nema_ref = await N.of_sale(session, runtime, sale)
    # UNCERTAIN(OP-50): the interest a called teminat mektubu brought in is the entitled's, as nema.
    called = await G.called_interest(session, cetvel.id)
    nema = fesih_nema + called
    if nema > 0:
        # rule: D-62 - the nema of the price held during a rejected fesih follows it to the entitled.
        nema_lines = N.lines(nema, [x for x in outflows if not x["key"].startswith(F.PREFIX)])
        result = {**result, "nema": {"amount": str(nema), "reason": "ihale_feshi" if fesih_nema > 0 else
                                     "teminat_mektubu", "policy": nema_ref, "ihale_feshi": str(fesih_nema),
                                     "guarantee_interest": str(called),
                                     "lines": {x["key"]: str(x["amount"]) for x in nema_lines}}}
        distributed += nema
        outflows += nema_lines
    version = CetvelVersion(cetvel_id=cetvel.id, version=number, case=case, result=result, creditor_ids=creditor_ids,
                            omitted=omitted, distributed=distributed, reason=reason,
                            created_by=actor.user_id if actor else None, created_at=now)
    session.add(version)
    await session.flush()
    rows = [CetvelLine(cetvel_id=cetvel.id, version_id=version.id, key=x["key"], kind=x["kind"], ref=x["ref"],
                       creditor_id=x["creditor_id"], name=x["name"][:200], amount=x["amount"],
                       state="reserved" if x["reserved"] else "open", rules=x["rules"])
            for x in outflows]
    L.check(rows, distributed)
    session.add_all(rows)
    return version, rows


async def build(session: AsyncSession, runtime: Runtime, sale: Sale, *, actor: Principal | None,
                reason: str) -> Cetvel:
    """The first version (draft) of the sale's cetvel from the file's records; `distribution.ready`."""
    if sale.status != SaleStatus.distributing.value:
        raise NotDistributable(details={"status": sale.status})
    if await cetvel_of_sale(session, sale.id) is not None:
        raise DistributionExists(details={"sale_id": sale.id})
    now = clock.now()
    case, creditor_ids, omitted = await _sale_case(session, sale)
    # Two builds at once (the handover and a staff click): the unique sale_id lets exactly one through.
    new_id = await insert_ignore(session, Cetvel, {
        "sale_id": sale.id, "case_id": sale.case_id, "office_id": sale.office_id, "status": "draft", "version": 1,
        "created_at": now, "updated_at": now}, ["sale_id"])
    if new_id is None:
        raise DistributionExists(details={"sale_id": sale.id})
    cetvel = await session.get(Cetvel, new_id)
    assert cetvel is not None
    version, rows = await _store(session, runtime, cetvel, 1, case, creditor_ids, omitted, reason, actor, now)
    await session.flush()
    audit.record(session, "distribution.built", "distribution", cetvel.id, actor=actor, office_id=sale.office_id,
                 data={"rule": "D-50", "sale_id": sale.id, "version": 1, "reason": reason,
                       "distributed": str(version.distributed), "lines": len(rows),
                       "omitted": [o["record"] for o in omitted]})
    # D-55: a draft was computed for a sale.
    events.emit(session, "distribution.ready", {
        "distribution_id": cetvel.id, "sale_id": sale.id, "case_id": sale.case_id, "lot_id": sale.lot_id,
        "version": 1, "status": "draft", "distributed": str(version.distributed)},
        subject_type="distribution", subject_id=cetvel.id, office_id=sale.office_id)
    return cetvel


async def on_handover(session: AsyncSession, runtime: Runtime, sale: Sale) -> Cetvel | None:
    """S-21: the system builds the draft when the sale reaches `distributing`. A case the engine refuses
    (e.g. a rule row missing for its dates) does not undo the handover: it is audited and staff build
    the cetvel on demand once the file is corrected."""
    try:
        return await build(session, runtime, sale, actor=None, reason=HANDOVER_REASON)
    except InvalidCase as exc:
        audit.record(session, "distribution.build_refused", "sale", sale.id, office_id=sale.office_id,
                     data={"rule": "D-50", "problems": exc.details.get("problems", [])})
        return None


async def correct(session: AsyncSession, runtime: Runtime, actor: Principal, cetvel: Cetvel, *, reason: str,
                  case: dict[str, Any] | None) -> Cetvel:
    """A corrected version (D-48, D-51): from the staff's corrected case, or rebuilt from the file's
    records when no case is given. Refused while the objection window runs (the parties were served
    the current version) and once everything is paid."""
    if not reason.strip():
        raise ReasonRequired()
    if cetvel.status in ("served", "paid"):
        raise CetvelState("Tebliğ edilmiş cetvel itiraz süresi içinde, ödenmiş cetvel hiç düzeltilemez.",
                          details={"status": cetvel.status})
    sale = await session.get(Sale, cetvel.sale_id)
    assert sale is not None
    old = await current_version(session, cetvel)
    old_lines = {ln.key: ln for ln in await current_lines(session, cetvel)}
    if case is None:
        case, creditor_ids, omitted = await _sale_case(session, sale)
    else:
        # A corrected case keeps the file's creditor ids (`cr<id>`, the id of a creditor of this file) so
        # parties still see their lines; any other id is a line of the case alone.
        of_file = set((await session.scalars(select(Creditor.id).where(Creditor.case_id == cetvel.case_id))).all())
        creditor_ids = {k: v for k, v in old.creditor_ids.items()}
        creditor_ids.update({c["id"]: int(c["id"][2:]) for c in case.get("creditors", [])
                             if isinstance(c, dict) and str(c.get("id", "")).startswith("cr")
                             and str(c["id"])[2:].isdigit() and int(c["id"][2:]) in of_file})
        omitted = list(old.omitted)
    now = clock.now()
    number = cetvel.version + 1
    version, rows = await _store(session, runtime, cetvel, number, case, creditor_ids, omitted, reason, actor, now)
    # A cancelled instruction, or one recalled with its letter (OP-50), no longer binds its line: the
    # correction may change it (instructed again after).
    instructed = {p.key: p for p in (await session.scalars(select(Payout).where(
        Payout.cetvel_id == cetvel.id, Payout.status.not_in(("cancelled", "recalled"))))).all()}
    keep: dict[str, str] = {}
    for ln in rows:
        p = instructed.get(ln.key)
        if p is not None:
            if p.amount != ln.amount:
                raise PaidLineChanged(details={"line": ln.key, "instructed": str(p.amount), "new": str(ln.amount)})
            keep[ln.key] = old_lines[ln.key].state if ln.key in old_lines else "final"
    for key in instructed:
        if key not in {ln.key for ln in rows}:
            raise PaidLineChanged(details={"line": key, "instructed": str(instructed[key].amount), "new": "0.00"})
    finalised = cetvel.status in ("partly_final", "final")
    objections = await holding_objections(session, cetvel.id)
    applied = [o for o in objections if o.status == "upheld"]
    for o in applied:
        o.applied_in_version = number
        o.updated_at = now
    pending = [o for o in objections if o.status == "pending"]
    since = {k: ln.payable_at for k, ln in old_lines.items() if ln.payable_at is not None}
    # A line paid against a letter keeps its amount (above) but not its state: it is worked out again and
    # `guarantees.settle` makes it `paid` (the letter released) once final, else keeps it as it was.
    before = {k: ln.state for k, ln in old_lines.items()}
    keep = {k: st for k, st in keep.items() if st != G.PAID_AGAINST_GUARANTEE}
    assign_states(rows, finalised=finalised, held=held_refs(pending), keep=keep, now=now, payable_since=since)
    released = await G.settle(session, actor, cetvel, rows, before, now)
    cetvel.version = number
    if finalised:
        cetvel.status = "partly_final" if any_pending(rows) else "final"
    cetvel.updated_at = now
    await session.flush()
    L.check(rows, version.distributed)
    audit.record(session, "distribution.corrected", "distribution", cetvel.id, actor=actor,
                 office_id=cetvel.office_id, data={
                     "rule": "D-48", "version": number, "previous": old.version, "reason": reason,
                     "from_file": case is None, "applied_objections": [o.id for o in applied],
                     "changed": sorted(k for k, ln in ((ln.key, ln) for ln in rows)
                                       if k not in old_lines or old_lines[k].amount != ln.amount),
                     "distributed": str(version.distributed), "status": cetvel.status,
                     "guarantees_released": released})
    return cetvel


_OUTCOME = {"made_final": "İhtiyati haciz kesin hacze dönüştü", "lifted": "İhtiyati haciz kaldırıldı"}


@requires_role(Role.staff, Role.manager, Role.admin)
async def release_reserved(session: AsyncSession, runtime: Runtime, actor: Principal, cetvel: Cetvel,
                           body: ReservedRelease) -> Cetvel:
    """D-14 (İİK 268, 138/4): the ihtiyati haciz whose share the cetvel reserves became kesin, or was lifted.
    Recorded as a corrected version of the case (D-48), so it holds in every later version: made final, the
    creditor is entered as a `haciz` on the ihtiyati haciz's date (D-14) and its share is payable like any
    other (its harç now withheld, contract step 8); lifted, the creditor leaves the case and its share goes
    on by the cetvel's order to the later creditors or the borçlu. Refused like any correction while the
    objection window runs (the parties were served the current version) and once everything is paid."""
    v = await current_version(session, cetvel)
    reserved = {ln.ref for ln in await current_lines(session, cetvel)
                if ln.state == "reserved" and ln.kind == "creditor"}
    creditors = v.case.get("creditors") or []
    target = next((c for c in creditors if isinstance(c, dict) and c.get("id") == body.creditor_id), None)
    if target is None or target.get("kind") != "ihtiyati_haciz" or body.creditor_id not in reserved:
        raise LineNotReserved(details={"creditor_id": body.creditor_id,
                                       "reserved": sorted(r for r in reserved if r is not None)})
    now = clock.now()
    if body.document_date > local_date(now):
        raise ReleaseInvalid("Belgenin tarihi ileri bir tarih olamaz.", details={"field": "document_date"})
    case = copy.deepcopy(v.case)
    if body.outcome == "made_final":
        for c in case["creditors"]:
            if isinstance(c, dict) and c.get("id") == body.creditor_id:
                c["kind"] = "haciz"  # rule: D-14 - entered as a haciz, its date the ihtiyati haciz's
    else:
        case["creditors"] = [c for c in case["creditors"]
                             if not (isinstance(c, dict) and c.get("id") == body.creditor_id)]
    day = body.document_date.strftime("%d.%m.%Y")
    reason = f"{_OUTCOME[body.outcome]} ({body.creditor_id}, belge tarihi {day}): {body.reason.strip()}"
    cetvel = await correct(session, runtime, actor, cetvel, reason=reason, case=case)
    audit.record(session, "distribution.reserved_released", "distribution", cetvel.id, actor=actor,
                 office_id=cetvel.office_id, data={"rule": "D-14", "outcome": body.outcome,
                                                   "creditor_id": body.creditor_id,
                                                   "document_date": body.document_date.isoformat(),
                                                   "reason": body.reason.strip(), "version": cetvel.version,
                                                   "status": cetvel.status})
    return cetvel
