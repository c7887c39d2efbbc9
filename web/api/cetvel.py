"""The sıra cetveli of a sale and its payouts (docs/distribution.md, "The cetvel of a sale";
docs/api-contract.md "distribution" rows). Every route calls one service function."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from starlette.responses import HTMLResponse, Response

from auction.disbursement import certificates as certs
from auction.disbursement import service, views
from auction.disbursement.schemas import (
    CorrectionCreate,
    GuaranteeCall,
    GuaranteeCreate,
    ObjectionCreate,
    ObjectionDecision,
    PayoutCancel,
    ReservedRelease,
)
from auction.disbursement.tax_report import to_csv as tax_csv
from auction.disbursement.views import guarantee_json, payout_json
from auction.distribution.document import render_html, render_pdf
from auction.users.models import Role
from auction.users.principal import Principal
from web.deps import CurrentUser, DbSession, ManagerUser, PartyUser, RuntimeDep, StaffUser, require_roles
from web.documents import document_html, document_pdf
from web.params import ID_MAX, Id

router = APIRouter(tags=["distribution"])
# The certificates: staff, and the parties of the file (their own creditor's; the borçlu's side a copy, D-45).
StaffOrParty = Annotated[Principal, Depends(require_roles(Role.staff, Role.manager, Role.admin, Role.party))]


def _short(c: Any) -> dict[str, Any]:
    return {"distribution_id": c.id, "sale_id": c.sale_id, "status": c.status, "version": c.version}


@router.post("/sales/{sale_id}/distribution", status_code=201,
             summary="Build the sale's sıra cetveli from the file's records (staff; 409 distribution_exists)")
async def build(sale_id: Id, db: DbSession, actor: StaffUser, runtime: RuntimeDep) -> dict[str, Any]:
    cetvel = await service.build_for_sale(db, runtime, actor, sale_id)
    await db.flush()
    return await service.read(db, actor, cetvel.id)


@router.get("/sales/{sale_id}/distribution", summary="The sale's stored sıra cetveli (staff)")
async def of_sale(sale_id: Id, db: DbSession, actor: StaffUser) -> dict[str, Any]:
    return await service.of_sale(db, actor, sale_id)


@router.get("/distributions/{distribution_id}",
            summary="The stored cetvel: staff see it whole, each party its own lines (D-40)")
async def read(distribution_id: Id, db: DbSession, actor: CurrentUser) -> dict[str, Any]:
    return await service.read(db, actor, distribution_id)


@router.get("/me/distributions", summary="The served cetvels of my files, my own lines in each (a party)")
async def mine(db: DbSession, actor: PartyUser) -> list[dict[str, Any]]:
    return await service.mine(db, actor)


@router.get("/distributions/{distribution_id}/document", response_class=HTMLResponse,
            summary="The stored cetvel as the sıra cetveli document (HTML; `?version=` for an older one) (staff)")
async def document(distribution_id: Id, db: DbSession, actor: StaffUser, runtime: RuntimeDep,
                   version: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
                   run: Literal["sale", "forfeit"] = "sale") -> HTMLResponse:
    result, meta = await views.document_meta(db, actor, distribution_id, version, run)
    return document_html(render_html(result, meta, policy=runtime.policy))


@router.get("/distributions/{distribution_id}/document.pdf", summary="The same document as PDF (staff)",
            responses={200: {"content": {"application/pdf": {}}}})
async def document_pdf_(distribution_id: Id, db: DbSession, actor: StaffUser, runtime: RuntimeDep,
                        version: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
                        run: Literal["sale", "forfeit"] = "sale") -> Response:
    result, meta = await views.document_meta(db, actor, distribution_id, version, run)
    pdf = await asyncio.to_thread(render_pdf, result, meta, policy=runtime.policy)
    return document_pdf(pdf, f"sira-cetveli-{distribution_id}-v{meta.version}.pdf")


@router.post("/distributions/{distribution_id}/versions", status_code=201,
             summary="Correct an input with a reason: a new version, the old one kept (D-48, D-51) (staff)")
async def correct(distribution_id: Id, body: CorrectionCreate, db: DbSession, actor: StaffUser,
                  runtime: RuntimeDep) -> dict[str, Any]:
    return _short(await service.correct(db, runtime, actor, distribution_id, body))


@router.post("/distributions/{distribution_id}/reserved-releases", status_code=201,
             summary="Record what became of an ihtiyati haciz whose share is reserved: made final (payable) or lifted "
                     "(its share goes on by the cetvel's order), as a new version (D-14, D-48) (staff)")
async def release_reserved(distribution_id: Id, body: ReservedRelease, db: DbSession, actor: StaffUser,
                           runtime: RuntimeDep) -> dict[str, Any]:
    return {**_short(await service.release_reserved(db, runtime, actor, distribution_id, body)),
            "outcome": body.outcome, "creditor_id": body.creditor_id}


@router.post("/distributions/{distribution_id}/serve",
             summary="Serve the cetvel on the parties; the objection window starts (D-40, D-41) (staff)")
async def serve(distribution_id: Id, db: DbSession, actor: StaffUser, runtime: RuntimeDep) -> dict[str, Any]:
    c = await service.serve(db, runtime, actor, distribution_id)
    return {**_short(c), "objection_until": c.objection_until.isoformat() if c.objection_until else None}


@router.post("/distributions/{distribution_id}/objections", status_code=201,
             summary="Record an itiraz or şikayet against lines within the window; holds them (D-41, D-53) (a party)")
async def object_to(distribution_id: Id, body: ObjectionCreate, db: DbSession, actor: PartyUser) -> dict[str, Any]:
    o = await service.object_to(db, actor, distribution_id, body)
    return {"id": o.id, "distribution_id": o.cetvel_id, "kind": o.kind, "lines": o.lines, "status": o.status}


@router.post("/distributions/{distribution_id}/finalise",
             summary="After the window: make final the lines no objection holds (D-52) (müdür)")
async def finalise(distribution_id: Id, db: DbSession, actor: ManagerUser) -> dict[str, Any]:
    return _short(await service.finalise(db, actor, distribution_id))


@router.post("/objections/{objection_id}/decision",
             summary="The court's outcome of an objection: rejected frees its lines, upheld awaits a corrected "
                     "version (D-48) (müdür)")
async def decide(objection_id: Id, body: ObjectionDecision, db: DbSession, actor: ManagerUser) -> dict[str, Any]:
    o = await service.decide(db, actor, objection_id, body)
    return {"id": o.id, "distribution_id": o.cetvel_id, "status": o.status}


@router.post("/distributions/{distribution_id}/payouts", status_code=201,
             summary="Prepare the payout instructions of the final lines (D-44, D-54) (staff or müdür)")
async def prepare(distribution_id: Id, db: DbSession, actor: StaffUser, runtime: RuntimeDep) -> list[dict[str, Any]]:
    return [payout_json(p) for p in await service.prepare(db, runtime, actor, distribution_id)]


@router.get("/distributions/{distribution_id}/payouts", summary="The payout instructions of the cetvel (staff)")
async def list_payouts(distribution_id: Id, db: DbSession, actor: StaffUser) -> list[dict[str, Any]]:
    return [payout_json(p) for p in await service.payouts_of(db, actor, distribution_id)]


@router.post("/payouts/{payout_id}/approve",
             summary="Approve one instruction; whoever prepared it cannot (403 four_eyes) (müdür)")
async def approve(payout_id: Id, db: DbSession, actor: ManagerUser) -> dict[str, Any]:
    return payout_json(await service.approve(db, actor, payout_id))


@router.post("/payouts/{payout_id}/cancel",
             summary="Cancel an instruction not yet sent, with a reason; its line is payable again and a re-prepared "
                     "instruction needs a new approval (409 payout_already_sent once sent) (staff or müdür)")
async def cancel_payout(payout_id: Id, body: PayoutCancel, db: DbSession, actor: StaffUser) -> dict[str, Any]:
    return payout_json(await service.cancel_payout(db, actor, payout_id, body))


@router.post("/distributions/{distribution_id}/guarantees", status_code=201,
             summary="Pay a share before it is final against a kesin ve süresiz teminat mektubu (D-43, İİK 142/a): "
                     "records the letter and prepares the instruction a müdür approves (staff or müdür)")
async def pay_against_guarantee(distribution_id: Id, body: GuaranteeCreate, db: DbSession, actor: StaffUser,
                                runtime: RuntimeDep) -> dict[str, Any]:
    p, g = await service.pay_against_guarantee(db, runtime, actor, distribution_id, body)
    return {"guarantee": guarantee_json(g), "payout": payout_json(p)}


@router.post("/guarantees/{guarantee_id}/call",
             summary="Record a teminat mektubu called after the objection against its line was upheld: the payout "
                     "recalled, the line held again, the interest shared as nema in the corrected version (OP-50) "
                     "(müdür)")
async def call_guarantee(guarantee_id: Id, body: GuaranteeCall, db: DbSession, actor: ManagerUser) -> dict[str, Any]:
    g = await service.call_guarantee(db, actor, guarantee_id, body)
    return guarantee_json(g)


@router.post("/distributions/{distribution_id}/payout-files", status_code=201,
             summary="Export the approved instructions as a bank payment file (CSV, TOPLAM and SHA-256 lines) and "
                     "mark them sent (`payout.sent`); the sale closes when everything is paid (S-24) (staff)",
             responses={201: {"content": {"text/csv": {}}}})
async def export(distribution_id: Id, db: DbSession, actor: StaffUser, runtime: RuntimeDep) -> Response:
    f = await service.export(db, runtime, actor, distribution_id)
    return _csv(f, 201)


@router.get("/payout-files/{file_id}", summary="A payout file again, byte for byte (staff)",
            responses={200: {"content": {"text/csv": {}}}})
async def payout_file(file_id: Id, db: DbSession, actor: StaffUser) -> Response:
    return _csv(await service.payout_file(db, actor, file_id), 200)


def _csv(f: Any, status: int) -> Response:
    return Response(f.content.encode("utf-8"), status_code=status, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="odeme-dosyasi-{f.id}.csv"', "X-Payout-File-Id": str(f.id),
        "X-Payout-File-SHA256": f.sha256})


@router.get("/reports/taxes", summary="KDV and damga vergisi collected in the office's sales in a period (staff)")
async def tax_report(db: DbSession, actor: StaffUser, runtime: RuntimeDep,
                     from_: date | None = Query(None, alias="from"), to: date | None = None) -> dict[str, Any]:
    return (await service.tax_report(db, runtime, actor, from_, to)).to_json()


@router.get("/reports/taxes.csv", summary="The same report as CSV (staff)",
            responses={200: {"content": {"text/csv": {}}}})
async def tax_report_csv(db: DbSession, actor: StaffUser, runtime: RuntimeDep,
                         from_: date | None = Query(None, alias="from"), to: date | None = None) -> Response:
    r = await service.tax_report(db, runtime, actor, from_, to)
    return Response(tax_csv(r).encode("utf-8"), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="kdv-damga-{r.start.isoformat()}-{r.end.isoformat()}.csv"'})


@router.get("/distributions/{distribution_id}/certificates/{creditor_id}.pdf",
            summary="The aciz vesikası / rehin açığı belgesi of a creditor left short, PDF (D-45, D-46) (staff; a "
                    "party of the file: its own creditor's, the borçlu's side a copy of each)",
            responses={200: {"content": {"application/pdf": {}}}})
async def certificate_pdf(distribution_id: Id, creditor_id: str, db: DbSession, actor: StaffOrParty) -> Response:
    c = await service.certificate(db, actor, distribution_id, creditor_id)
    return document_pdf(await asyncio.to_thread(certs.render_pdf, c), c.filename)


@router.get("/distributions/{distribution_id}/certificates/{creditor_id}", response_class=HTMLResponse,
            summary="The same certificate as HTML, marked TASLAK until final for that creditor (staff; a party: "
                    "as the PDF)")
async def certificate_html(distribution_id: Id, creditor_id: str, db: DbSession, actor: StaffOrParty) -> HTMLResponse:
    return document_html(certs.render_html(await service.certificate(db, actor, distribution_id, creditor_id)))
