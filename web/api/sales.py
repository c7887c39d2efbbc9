"""Sales (staff): the sale decision, R and C, tutanak, exemptions, mektup, exclusions, cancellation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from starlette.responses import HTMLResponse, Response

from auction.aftersale import views as aftersale_views
from auction.bidding import eligibility
from auction.deposits import refunds
from auction.deposits import service as deposits
from auction.deposits.schemas import (
    DepositOut,
    ExclusionCreate,
    ExemptionCreate,
    ExemptionOut,
    MektupCreate,
    RefundOut,
)
from auction.desk import cancel
from auction.sales import decision, outage, reads, threshold, tutanak
from auction.sales.models import Tutanak
from auction.sales.schemas import (
    CancelSale,
    OutageExtensionCreate,
    OutageReview,
    RoundOut,
    SaleCreate,
    SaleOut,
    ThresholdUpdate,
    TutanakOut,
)
from auction.sales.views import sale_detail
from web.deps import CurrentUser, DbSession, ManagerUser, Public, RuntimeDep, StaffUser
from web.documents import document_html, document_pdf, stored_or_rendered_pdf
from web.params import ID_MAX, Id

router = APIRouter(tags=["sales"])


@router.post("/lots/{lot_id}/sale", status_code=201, response_model=SaleOut,
             summary="Satış kararı and ilan: both rounds, opening price, increment, teminat (staff)")
async def decide_sale(lot_id: Id, body: SaleCreate, db: DbSession, actor: StaffUser, runtime: RuntimeDep) -> SaleOut:
    sale = await decision.decide_sale(db, runtime, actor, lot_id, body)
    return SaleOut.model_validate(await sale_detail(db, sale))


@router.get("/sales", response_model=list[SaleOut], summary="The sales of my office (staff)")
async def list_sales(db: DbSession, actor: StaffUser, status: str | None = Query(None, max_length=32),
                     limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=ID_MAX)) -> list[SaleOut]:
    rows = await reads.list_sales(db, actor, status=status, limit=limit, offset=offset)
    return [SaleOut.model_validate(await sale_detail(db, s)) for s in rows]


@router.get("/sales/{sale_id}", response_model=SaleOut, summary="One sale (staff, and its buyer)")
async def get_sale(sale_id: Id, db: DbSession, actor: CurrentUser) -> SaleOut:
    return SaleOut.model_validate(await sale_detail(db, await aftersale_views.viewable_sale(db, actor, sale_id)))


@router.put("/sales/{sale_id}/threshold", response_model=SaleOut,
            summary="Enter R and C (A-31); during a round only the müdür, with a reason")
async def update_threshold(sale_id: Id, body: ThresholdUpdate, db: DbSession, actor: StaffUser) -> SaleOut:
    sale = await threshold.update_threshold(db, actor, sale_id, body)
    return SaleOut.model_validate(await sale_detail(db, sale))


@router.post("/sales/{sale_id}/cancel", response_model=SaleOut,
             summary="Stop the sale: request withdrawn (S-02) or debt paid (S-06), with its tutanak - müdür")
async def cancel_sale(sale_id: Id, body: CancelSale, db: DbSession, actor: ManagerUser,
                      runtime: RuntimeDep) -> SaleOut:
    sale, _tutanak = await cancel.cancel_with_tutanak(db, runtime, actor, sale_id, body)
    return SaleOut.model_validate(await sale_detail(db, sale))


def _tutanak_out(t: Tutanak) -> TutanakOut:
    return TutanakOut(id=t.id, sale_id=t.sale_id, round_id=t.round_id, lot_id=t.lot_id, result=t.result, data=t.data,
                      drafted_at=t.drafted_at, due_at=t.due_at, posted_at=t.posted_at,
                      pdf_ready=t.pdf_key is not None and t.pdf_version == t.version, version=t.version,
                      outage_reviewed_at=t.outage_reviewed_at, outage_reviewed_by=t.outage_reviewed_by,
                      superseded_at=t.superseded_at)


@router.get("/sales/{sale_id}/tutanaklar", response_model=list[TutanakOut], summary="The round tutanakları (staff)")
async def list_tutanaklar(sale_id: Id, db: DbSession, actor: StaffUser) -> list[TutanakOut]:
    sale = await reads.get_sale_for(db, actor, sale_id)
    return [_tutanak_out(t) for t in await reads.tutanaklar_of(db, sale.id)]


@router.post("/sales/{sale_id}/tutanak/post", response_model=TutanakOut,
             summary="Post the round's tutanak (A-60): award / round 2 / failed; releases refunds (müdür)")
async def post_tutanak(sale_id: Id, db: DbSession, actor: ManagerUser, runtime: RuntimeDep) -> TutanakOut:
    return _tutanak_out(await tutanak.post_tutanak(db, runtime, actor, sale_id))


@router.get("/sales/{sale_id}/outage-report",
            summary="Outage report of the round that closed last: portal-side failures in its last W (A-43) (staff)")
async def outage_report(sale_id: Id, db: DbSession, actor: StaffUser, runtime: RuntimeDep) -> dict[str, Any]:
    return await outage.report_view(db, runtime, actor, sale_id)


@router.post("/sales/{sale_id}/outage-report/review", response_model=TutanakOut,
             summary="The müdür has seen the outage report (A-43); needed before the tutanak is posted (müdür)")
async def review_outage_report(sale_id: Id, db: DbSession, actor: ManagerUser, runtime: RuntimeDep,
                               body: OutageReview | None = None) -> TutanakOut:
    return _tutanak_out(await outage.review(db, runtime, actor, sale_id, body or OutageReview()))


@router.post("/sales/{sale_id}/outage-extension", status_code=201, response_model=RoundOut,
             summary="S-08: extend the closed round by one day for a technical outage (A-43, TM-15) (müdür)",
             responses={409: {"description": "outage_decision_out_of_window / no_portal_outage / already_extended / "
                                             "invalid_state"},
                        422: {"description": "extension_start_invalid"}})
async def order_outage_extension(sale_id: Id, body: OutageExtensionCreate, db: DbSession, actor: ManagerUser,
                                 runtime: RuntimeDep) -> RoundOut:
    return RoundOut.model_validate(await outage.order_extension(db, runtime, actor, sale_id, body))


@router.get("/tutanaklar/{tutanak_id}", response_class=HTMLResponse, summary="Tutanak, file copy (HTML, staff)")
async def tutanak_html(tutanak_id: Id, db: DbSession, actor: StaffUser) -> HTMLResponse:
    t = await reads.get_tutanak_for(db, actor, tutanak_id)
    return document_html(t.html)


@router.get("/tutanaklar/{tutanak_id}/pdf", summary="Tutanak, file copy (PDF, staff)",
            responses={200: {"content": {"application/pdf": {}}}})
async def tutanak_pdf(tutanak_id: Id, db: DbSession, actor: StaffUser, runtime: RuntimeDep) -> Response:
    t = await reads.get_tutanak_for(db, actor, tutanak_id)
    current = t.pdf_key if t.pdf_version == t.version else None
    pdf = await stored_or_rendered_pdf(runtime.settings, current, t.html)
    return document_pdf(pdf, f"tutanak-{t.sale_id}-{t.round_id}.pdf")


@router.get("/lots/{lot_id}/tutanak", response_class=HTMLResponse,
            summary="The lot's latest posted tutanak, public copy (buyer masked, OP-10)")
async def public_tutanak(lot_id: Id, db: DbSession, _: Public) -> HTMLResponse:
    t = await reads.public_tutanak(db, lot_id)
    return document_html(t.html_public)


@router.post("/sales/{sale_id}/exemptions", status_code=201, response_model=ExemptionOut,
             summary="Record a teminat exemption (A-53, OP-15) (staff)")
async def record_exemption(sale_id: Id, body: ExemptionCreate, db: DbSession, actor: StaffUser) -> ExemptionOut:
    return ExemptionOut.model_validate(await deposits.record_exemption(db, actor, sale_id, body))


@router.post("/sales/{sale_id}/mektup", status_code=201, response_model=DepositOut,
             summary="Record a teminat mektubu lodged with the office (A-51, A-52) (staff)")
async def record_mektup(sale_id: Id, body: MektupCreate, db: DbSession, actor: StaffUser) -> DepositOut:
    return DepositOut.model_validate(await deposits.record_mektup(db, actor, sale_id, body))


@router.post("/sales/{sale_id}/exclusions", status_code=201, summary="Exclude a person from bidding (A-10) (staff)")
async def exclude(sale_id: Id, body: ExclusionCreate, db: DbSession, actor: StaffUser) -> dict[str, object]:
    sale = await reads.get_sale_for(db, actor, sale_id)
    part = await eligibility.exclude(db, actor, sale, body.user_id, body.reason)
    return {"sale_id": sale.id, "user_id": part.user_id, "excluded": part.excluded, "reason": part.exclusion_reason}


@router.get("/sales/{sale_id}/deposits", response_model=list[DepositOut], summary="Every teminat of the sale (staff)")
async def sale_deposits(sale_id: Id, db: DbSession, actor: StaffUser) -> list[DepositOut]:
    sale = await reads.get_sale_for(db, actor, sale_id)
    return [DepositOut.model_validate(d) for d in await deposits.deposits_of(db, sale.id)]


@router.get("/sales/{sale_id}/refunds", response_model=list[RefundOut], summary="Refund jobs of the sale (staff)")
async def sale_refunds(sale_id: Id, db: DbSession, actor: StaffUser) -> list[RefundOut]:
    sale = await reads.get_sale_for(db, actor, sale_id)
    return [RefundOut.model_validate(r) for r in await refunds.refunds_of(db, sale.id)]
