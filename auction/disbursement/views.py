"""Who may read a cetvel, and what each reader sees (the API and the staff page ask the same questions).

Staff read their office's cetvels whole (`for_staff`). A party reads only the cetvel of a file it is
linked to (404 otherwise, like every party read: `cases.parties.standing_in`), and sees its own lines:
those of the creditors it is or represents; the borçlu's side sees every line (D-40, OP-48) but no
explain trail and no case input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.calendar import local_date
from auction.cases.models import Case, CaseParty
from auction.cases.parties import standing_in
from auction.clock import iso_ms
from auction.disbursement import guarantees as G
from auction.disbursement import lines as L
from auction.disbursement import payouts as P
from auction.disbursement import versions
from auction.disbursement.errors import DistributionNotFound
from auction.disbursement.models import Cetvel, CetvelLine, CetvelVersion, Objection, Payout, PayoutGuarantee
from auction.distribution.document import CetvelMeta
from auction.lots.models import Lot
from auction.runtime import Runtime
from auction.sales.models import Sale
from auction.sales.reads import get_sale_for
from auction.users.models import Office, Role, User
from auction.users.principal import Principal, requires_role
from auction.users.scope import get_of_office


async def staff_cetvel(session: AsyncSession, actor: Principal, cetvel_id: int) -> Cetvel:
    return await get_of_office(session, actor, Cetvel, cetvel_id, DistributionNotFound, "distribution_id")


async def lock(session: AsyncSession, cetvel: Cetvel) -> Cetvel:
    """Take the cetvel's row lock and re-read it, before any step that changes it: two staff serving,
    finalising, correcting or preparing at once run one after the other, and the second sees the first's
    result (READ COMMITTED re-reads after the wait; SQLite's writers are serialised anyway). A cetvel is a
    cold row — one office, a few steps a week — so the lock costs nothing (unlike a lot's round, ADR 0008)."""
    locked = (await session.scalars(select(Cetvel).where(Cetvel.id == cetvel.id).with_for_update()
                                    .execution_options(populate_existing=True))).one()
    return locked


async def staff_cetvel_of_sale(session: AsyncSession, actor: Principal, sale_id: int) -> Cetvel:
    sale = await get_sale_for(session, actor, sale_id)
    cetvel = await versions.cetvel_of_sale(session, sale.id)
    if cetvel is None:
        raise DistributionNotFound(details={"sale_id": sale.id})
    return cetvel


def _line(ln: CetvelLine) -> dict[str, Any]:
    return {"id": ln.id, "key": ln.key, "kind": ln.kind, "ref": ln.ref, "creditor_id": ln.creditor_id,
            "name": ln.name, "amount": str(ln.amount), "state": ln.state, "rules": ln.rules}


def iban_missing(p: Payout) -> bool:
    """A live instruction to be paid by transfer whose payee had declared no IBAN when it was prepared: it
    cannot be approved (D-44, `iban_missing`) until the payee declares one and it is prepared again."""
    return p.channel == "eft" and not p.iban and p.status in P.CANCELLABLE


def payout_json(p: Payout) -> dict[str, Any]:
    return {"id": p.id, "distribution_id": p.cetvel_id, "version": p.version, "key": p.key, "kind": p.kind,
            "party": p.party, "iban": p.iban, "channel": p.channel, "amount": str(p.amount),
            "netted": str(p.netted), "cash": str(p.amount - p.netted), "status": p.status,
            "due_by": iso_ms(p.due_by), "prepared_by": p.prepared_by, "approved_by": p.approved_by,
            "approved_at": iso_ms(p.approved_at) if p.approved_at else None, "file_id": p.file_id,
            "sent_at": iso_ms(p.sent_at) if p.sent_at else None, "iban_missing": iban_missing(p)}


def guarantee_json(g: PayoutGuarantee) -> dict[str, Any]:
    return {"id": g.id, "distribution_id": g.cetvel_id, "payout_id": g.payout_id, "key": g.key,
            "version": g.version, "bank": g.bank, "letter_no": g.letter_no, "letter_date": g.letter_date.isoformat(),
            "amount": str(g.amount), "share": str(g.share), "status": g.status, "recorded_by": g.recorded_by,
            "released_at": iso_ms(g.released_at) if g.released_at else None, "release_reason": g.release_reason,
            "called_amount": str(g.called_amount) if g.called_amount is not None else None,
            "called_on": g.called_on.isoformat() if g.called_on else None}


def certificates(result: dict[str, Any], refs: set[str] | None = None) -> list[dict[str, Any]]:
    """D-45 / D-46: who is left short and gets an aciz vesikası or a rehin açığı belgesi, for how much
    (the engine's `certificate` and `certificate_amount`, OP-35)."""
    return [{"creditor_id": a["creditor_id"], "name": a.get("name") or a["creditor_id"], "kind": a["certificate"],
             "shortfall": a.get("shortfall"), "amount": a.get("certificate_amount") or a.get("shortfall"),
             "rule": "D-45" if a["certificate"] == "aciz_vesikasi" else "D-46"}
            for a in result.get("allocations", [])
            if a.get("certificate") and (refs is None or a["creditor_id"] in refs)]


def _objection(o: Objection) -> dict[str, Any]:
    return {"id": o.id, "version": o.version, "kind": o.kind, "creditor_id": o.creditor_id, "lines": o.lines,
            "reason": o.reason, "status": o.status, "filed_at": iso_ms(o.created_at),
            "decided_at": iso_ms(o.decided_at) if o.decided_at else None, "decision_note": o.decision_note,
            "applied_in_version": o.applied_in_version}


async def cetvel_json(session: AsyncSession, cetvel: Cetvel, *, visible: set[int] | None = None,
                      every_line: bool = False) -> dict[str, Any]:
    """The stored cetvel; `visible` limits the lines to those creditors (a party's view; `every_line` for
    the borçlu's side, who sees every line and the surplus) and leaves out the input, the explain trail and
    the versions' reasons."""
    v = await versions.current_version(session, cetvel)
    rows = await versions.current_lines(session, cetvel)
    instructed, sent = await P.instructed_sums(session, cetvel.id)
    objections = list((await session.scalars(select(Objection).where(Objection.cetvel_id == cetvel.id)
                                              .order_by(Objection.id))).all())
    out: dict[str, Any] = {
        "distribution_id": cetvel.id, "sale_id": cetvel.sale_id, "case_id": cetvel.case_id,
        "status": cetvel.status, "version": cetvel.version,
        "served_at": iso_ms(cetvel.served_at) if cetvel.served_at else None,
        "objection_until": iso_ms(cetvel.objection_until) if cetvel.objection_until else None,
        "finalised_at": iso_ms(cetvel.finalised_at) if cetvel.finalised_at else None,
        "paid_at": iso_ms(cetvel.paid_at) if cetvel.paid_at else None,
        "totals": L.totals(rows, v.distributed, instructed, sent),
    }
    if visible is None:
        out["lines"] = [_line(ln) for ln in rows]
        out["objections"] = [_objection(o) for o in objections]
        out["result"] = v.result
        out["certificates"] = certificates(v.result)
        out["case"] = v.case
        out["omitted"] = v.omitted
        out["guarantees"] = [guarantee_json(g) for g in await G.of_cetvel(session, cetvel.id)]
        vs = (await session.scalars(select(CetvelVersion).where(CetvelVersion.cetvel_id == cetvel.id)
                                    .order_by(CetvelVersion.version))).all()
        out["versions"] = [{"version": x.version, "reason": x.reason, "created_by": x.created_by,
                            "created_at": iso_ms(x.created_at), "distributed": str(x.distributed)} for x in vs]
    else:
        refs = {ref for ref, cid in v.creditor_ids.items() if cid in visible}
        out["lines"] = [_line(ln) for ln in rows if every_line or ln.creditor_id in visible]
        out["allocations"] = [{k: val for k, val in a.items()} for a in v.result.get("allocations", [])
                              if a["creditor_id"] in refs]
        out["objections"] = [_objection(o) for o in objections if o.creditor_id in visible]
        out["certificates"] = certificates(v.result, None if every_line else refs)
    return out


async def read_for(session: AsyncSession, actor: Principal, cetvel_id: int) -> dict[str, Any]:
    """`GET /distributions/{id}`: staff see it whole; a party its own lines (404 if not its file)."""
    if actor.role != Role.party:
        return await cetvel_json(session, await staff_cetvel(session, actor, cetvel_id))
    cetvel = await party_cetvel(session, actor, cetvel_id)
    standing = await standing_in(session, actor, cetvel.case_id)
    if standing.debtor_side:
        v = await versions.current_version(session, cetvel)
        return await cetvel_json(session, cetvel, visible=set(v.creditor_ids.values()), every_line=True)
    return await cetvel_json(session, cetvel, visible=set(standing.creditor_ids))


async def party_cetvel(session: AsyncSession, actor: Principal, cetvel_id: int) -> Cetvel:
    """A cetvel of a file the party is linked to, once served (D-40: a draft is the office's own work)."""
    cetvel = await session.get(Cetvel, cetvel_id)
    if cetvel is None or cetvel.status == "draft":
        raise DistributionNotFound(details={"distribution_id": cetvel_id})
    await standing_in(session, actor, cetvel.case_id)
    return cetvel


async def party_cetvels(session: AsyncSession, actor: Principal) -> list[dict[str, Any]]:
    """`GET /me/distributions`: the served cetvels of the files the party is linked to, each as it may see
    it (its own lines)."""
    ids = (await session.scalars(select(Cetvel.id).join(CaseParty, CaseParty.case_id == Cetvel.case_id).where(
        CaseParty.user_id == actor.user_id, CaseParty.ended_at.is_(None), Cetvel.status != "draft")
        .distinct().order_by(Cetvel.id.desc()))).all()
    return [await read_for(session, actor, cid) for cid in ids]


@dataclass
class StaffPage:
    """What the staff page of a sale's cetvel shows (the same reads as the API)."""

    sale: Sale
    lot: Lot | None
    cetvel: Cetvel | None
    lines: list[CetvelLine]
    payouts: list[Payout]
    objections: list[Objection]
    versions: list[CetvelVersion]
    totals: dict[str, Decimal]  # the API's totals as Decimals (for the page's money filter)
    window_open: bool
    overdue: dict[str, datetime] = field(default_factory=dict)  # TM-22: payable, not yet approved, past due
    certificates: list[dict[str, Any]] = field(default_factory=list)  # D-45, D-46
    guarantees: list[PayoutGuarantee] = field(default_factory=list)  # D-43
    iban_missing: list[Payout] = field(default_factory=list)  # live instructions no approval can pass (D-44)

    @property
    def names(self) -> dict[str, str]:
        """A creditor's ref in the engine's case ("cr1") → its name: the page names parties, never keys."""
        return {ln.ref: ln.name for ln in self.lines if ln.kind == "creditor" and ln.ref}


def overdue_lines(rows: list[CetvelLine], pays: list[Payout], runtime: Runtime) -> dict[str, datetime]:
    """D-44 / TM-22: lines payable for more than 3 working days whose instruction is not approved yet."""
    done = {p.key for p in pays if p.status in ("approved", "sent")}
    now = clock.now()
    out: dict[str, datetime] = {}
    for ln in rows:
        if ln.state == "final" and ln.payable_at is not None and ln.key not in done:
            due = P.due_by(ln.payable_at, runtime)
            if now > due:
                out[ln.key] = due
    return out


async def staff_page(session: AsyncSession, runtime: Runtime, actor: Principal, sale_id: int) -> StaffPage:
    sale = await get_sale_for(session, actor, sale_id)
    lot = await session.get(Lot, sale.lot_id)
    cetvel = await versions.cetvel_of_sale(session, sale.id)
    if cetvel is None:
        return StaffPage(sale, lot, None, [], [], [], [], {}, False)
    v = await versions.current_version(session, cetvel)
    rows = await versions.current_lines(session, cetvel)
    pays = await P.payouts_of(session, cetvel.id)
    instructed, sent = await P.instructed_sums(session, cetvel.id)
    objections = list((await session.scalars(select(Objection).where(Objection.cetvel_id == cetvel.id)
                                              .order_by(Objection.id))).all())
    vs = list((await session.scalars(select(CetvelVersion).where(CetvelVersion.cetvel_id == cetvel.id)
                                     .order_by(CetvelVersion.version.desc()))).all())
    window_open = cetvel.objection_until is not None and clock.now() < cetvel.objection_until
    totals = {k: Decimal(x) for k, x in L.totals(rows, v.distributed, instructed, sent).items()}
    return StaffPage(sale, lot, cetvel, rows, pays, objections, vs, totals, window_open,
                     overdue_lines(rows, pays, runtime), certificates(v.result), await G.of_cetvel(session, cetvel.id),
                     [p for p in pays if iban_missing(p)])


@requires_role(Role.staff, Role.manager, Role.admin)
async def document_meta(session: AsyncSession, actor: Principal, cetvel_id: int,
                        version: int | None = None, run: str = "sale") -> tuple[dict[str, Any], CetvelMeta]:
    """D-50: the stored result of a version (the current one by default) and what the document shows
    beyond it: the office, the file, the lot, the cetvel's number and version, a draft until served.
    `run="forfeit"`: the version's forfeited-teminat run (D-60) as its own cetvel document."""
    cetvel = await staff_cetvel(session, actor, cetvel_id)
    number = version or cetvel.version
    v = await session.scalar(select(CetvelVersion).where(CetvelVersion.cetvel_id == cetvel.id,
                                                         CetvelVersion.version == number))
    if v is None:
        raise DistributionNotFound(details={"distribution_id": cetvel_id, "version": number})
    office = await session.get(Office, cetvel.office_id)
    case = await session.get(Case, cetvel.case_id)
    sale = await session.get(Sale, cetvel.sale_id)
    lot = await session.get(Lot, sale.lot_id) if sale else None
    mudur = await session.get(User, cetvel.finalised_by) if cetvel.finalised_by else None
    meta = CetvelMeta(office_name=office.name if office else None, file_no=case.file_no if case else None,
                      lot_title=lot.title if lot else None, cetvel_no=str(cetvel.id), version=number,
                      cetvel_date=local_date(v.created_at), mudur_name=mudur.full_name if mudur else None,
                      draft=cetvel.status == "draft" and number == cetvel.version)
    if run == "forfeit":
        forfeit = (v.result or {}).get("forfeit")
        if not forfeit:
            raise DistributionNotFound(details={"distribution_id": cetvel_id, "version": number, "run": run})
        return forfeit["result"], meta
    return v.result, meta
