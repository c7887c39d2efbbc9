"""The entry points the API and the staff page call: each finds the cetvel the actor may act on (office
scope for staff, standing for a party), calls the one function that does the job, and returns it."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.calendar import local_date
from auction.disbursement import certificates as certs
from auction.disbursement import guarantees, lifecycle, payouts, versions, views
from auction.disbursement import tax_report as tax
from auction.disbursement.errors import DistributionNotFound, GuaranteeNotFound, PayoutNotFound
from auction.disbursement.models import Cetvel, Objection, Payout, PayoutFile, PayoutGuarantee
from auction.disbursement.schemas import (
    CorrectionCreate,
    GuaranteeCall,
    GuaranteeCreate,
    ObjectionCreate,
    ObjectionDecision,
    PayoutCancel,
    ReservedRelease,
)
from auction.runtime import Runtime
from auction.sales.reads import get_sale_for
from auction.users.models import Role
from auction.users.principal import Principal, ensure_office, requires_role

STAFF = (Role.staff, Role.manager, Role.admin)
ON_DEMAND_REASON = "on demand"  # a version's reason when staff build it (the page says it in words)


@requires_role(*STAFF)
async def build_for_sale(session: AsyncSession, runtime: Runtime, actor: Principal, sale_id: int) -> Cetvel:
    sale = await get_sale_for(session, actor, sale_id)
    return await versions.build(session, runtime, sale, actor=actor, reason=ON_DEMAND_REASON)


@requires_role(*STAFF)
async def of_sale(session: AsyncSession, actor: Principal, sale_id: int) -> dict[str, Any]:
    return await views.cetvel_json(session, await views.staff_cetvel_of_sale(session, actor, sale_id))


async def read(session: AsyncSession, actor: Principal, cetvel_id: int) -> dict[str, Any]:
    return await views.read_for(session, actor, cetvel_id)


@requires_role(Role.party)
async def mine(session: AsyncSession, actor: Principal) -> list[dict[str, Any]]:
    return await views.party_cetvels(session, actor)


@requires_role(*STAFF)
async def correct(session: AsyncSession, runtime: Runtime, actor: Principal, cetvel_id: int,
                  body: CorrectionCreate) -> Cetvel:
    cetvel = await views.lock(session, await views.staff_cetvel(session, actor, cetvel_id))
    return await versions.correct(session, runtime, actor, cetvel, reason=body.reason, case=body.case)


@requires_role(*STAFF)
async def release_reserved(session: AsyncSession, runtime: Runtime, actor: Principal, cetvel_id: int,
                           body: ReservedRelease) -> Cetvel:
    cetvel = await views.lock(session, await views.staff_cetvel(session, actor, cetvel_id))
    return await versions.release_reserved(session, runtime, actor, cetvel, body)


@requires_role(*STAFF)
async def serve(session: AsyncSession, runtime: Runtime, actor: Principal, cetvel_id: int) -> Cetvel:
    cetvel = await views.lock(session, await views.staff_cetvel(session, actor, cetvel_id))
    return await lifecycle.serve(session, runtime, actor, cetvel)


@requires_role(Role.party)
async def object_to(session: AsyncSession, actor: Principal, cetvel_id: int, body: ObjectionCreate) -> Objection:
    cetvel = await views.lock(session, await views.party_cetvel(session, actor, cetvel_id))
    return await lifecycle.record_objection(session, actor, cetvel, body)


@requires_role(Role.manager, Role.admin)
async def finalise(session: AsyncSession, actor: Principal, cetvel_id: int) -> Cetvel:
    cetvel = await views.lock(session, await views.staff_cetvel(session, actor, cetvel_id))
    return await lifecycle.finalise(session, actor, cetvel)


@requires_role(Role.manager, Role.admin)
async def decide(session: AsyncSession, actor: Principal, objection_id: int, body: ObjectionDecision) -> Objection:
    o = await session.get(Objection, objection_id)
    if o is None:
        raise DistributionNotFound(details={"objection_id": objection_id})
    cetvel = await views.lock(session, await views.staff_cetvel(session, actor, o.cetvel_id))
    await session.refresh(o)
    return await lifecycle.decide(session, actor, objection_id, body, cetvel)


@requires_role(*STAFF)
async def prepare(session: AsyncSession, runtime: Runtime, actor: Principal, cetvel_id: int) -> list[Payout]:
    cetvel = await views.lock(session, await views.staff_cetvel(session, actor, cetvel_id))
    return await payouts.prepare(session, runtime, actor, cetvel)


@requires_role(*STAFF)
async def payouts_of(session: AsyncSession, actor: Principal, cetvel_id: int) -> list[Payout]:
    cetvel = await views.staff_cetvel(session, actor, cetvel_id)
    return await payouts.payouts_of(session, cetvel.id)


@requires_role(Role.manager, Role.admin)
async def approve(session: AsyncSession, actor: Principal, payout_id: int) -> Payout:
    return await payouts.approve(session, actor, payout_id)


@requires_role(*STAFF)
async def cancel_payout(session: AsyncSession, actor: Principal, payout_id: int, body: PayoutCancel) -> Payout:
    """Cancel an instruction not yet sent, under the cetvel's lock (a prepare or export waits for it)."""
    p = await session.get(Payout, payout_id)
    if p is None:
        raise PayoutNotFound(details={"payout_id": payout_id})
    cetvel = await views.lock(session, await views.staff_cetvel(session, actor, p.cetvel_id))
    await session.refresh(p)  # as it is after the lock: an export may have sent it meanwhile
    cancelled = await payouts.cancel(session, actor, cetvel, p, body.reason.strip())
    await guarantees.release_cancelled(session, actor, cetvel, cancelled, clock.now())  # D-43: letter returned
    return cancelled


@requires_role(*STAFF)
async def pay_against_guarantee(session: AsyncSession, runtime: Runtime, actor: Principal, cetvel_id: int,
                                body: GuaranteeCreate) -> tuple[Payout, PayoutGuarantee]:
    cetvel = await views.lock(session, await views.staff_cetvel(session, actor, cetvel_id))
    return await payouts.prepare_against_guarantee(session, runtime, actor, cetvel, body)


@requires_role(Role.manager, Role.admin)
async def call_guarantee(session: AsyncSession, actor: Principal, guarantee_id: int,
                         body: GuaranteeCall) -> PayoutGuarantee:
    g = await session.get(PayoutGuarantee, guarantee_id)
    if g is None:
        raise GuaranteeNotFound(details={"guarantee_id": guarantee_id})
    cetvel = await views.lock(session, await views.staff_cetvel(session, actor, g.cetvel_id))
    await session.refresh(g)
    return await payouts.call_guarantee(session, actor, cetvel, g, body)


@requires_role(*STAFF)
async def export(session: AsyncSession, runtime: Runtime, actor: Principal, cetvel_id: int) -> PayoutFile:
    cetvel = await views.lock(session, await views.staff_cetvel(session, actor, cetvel_id))
    return await payouts.export(session, runtime, actor, cetvel)


@requires_role(*STAFF)
async def payout_file(session: AsyncSession, actor: Principal, file_id: int) -> PayoutFile:
    f = await payouts.file_of(session, file_id)
    if f is None:
        raise PayoutNotFound(details={"file_id": file_id})
    cetvel = await session.get(Cetvel, f.cetvel_id)
    assert cetvel is not None
    ensure_office(actor, cetvel.office_id)
    return f


@requires_role(*STAFF)
async def tax_report(session: AsyncSession, runtime: Runtime, actor: Principal, start: date | None,
                     end: date | None) -> tax.Report:
    """The KDV and damga vergisi collected in the actor's office in a period (default: this month)."""
    s, e = tax.period(start, end, local_date(clock.now()))
    return await tax.report(session, runtime, actor, s, e)


@requires_role(*STAFF, Role.party)
async def certificate(session: AsyncSession, actor: Principal, cetvel_id: int, ref: str) -> certs.Certificate:
    """D-45 / D-46: the aciz vesikası or rehin açığı belgesi due to one creditor of the current version
    (staff: of their office; a party: its own creditor's, the borçlu's side every one)."""
    return await certs.of_creditor(session, actor, cetvel_id, ref)
