"""After the award (docs/aftersale.md): settlement, payments with the SMS code, fesih, finality, taxes,
tescil/teslim, annulment, and the sale's documents. Every route calls one service function."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Header, Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from auction.aftersale import declarations, documents, fesih, finality, handover, payments, views
from auction.aftersale import refunds as payment_refunds
from auction.aftersale.schemas import (
    AnnulCreate,
    BuyerTaxStatus,
    FesihCreate,
    FesihDecision,
    FinalityConfirm,
    HandoverCreate,
    MahsupCreate,
    PaymentConfirm,
    PaymentCreate,
    PaymentOut,
    TahliyeCreate,
)
from auction.settlement.errors import NothingDue
from auction.settlement.models import SalePayment
from auction.settlement.statement import statement_for
from web.deps import CurrentUser, DbSession, ManagerUser, OtpConfirmLimit, OtpSendLimit, RuntimeDep, StaffUser
from web.documents import document_html, document_pdf, stored_or_rendered_pdf
from web.errors import domain_error_handler
from web.params import Id

router = APIRouter(tags=["after the award"])


def payment_out(p: SalePayment) -> dict[str, Any]:
    data = dict(p.payment or {})
    return PaymentOut(payment_id=p.id, sale_id=p.sale_id, purpose=p.purpose, amount=p.amount, status=p.status,
                      reference=p.reference, code_sent_to=data.pop("code_sent_to", None),
                      code_expires_at=data.pop("code_expires_at", None), payment=data, received_at=p.received_at,
                      cancel_reason=p.cancel_reason).model_dump(mode="json")


@router.get("/sales/{sale_id}/settlement",
            summary="What the buyer owes now, line by line with the rule of each line (T-01; staff, the buyer)")
async def settlement(sale_id: Id, db: DbSession, actor: CurrentUser, runtime: RuntimeDep) -> dict[str, Any]:
    sale = await views.viewable_sale(db, actor, sale_id)
    st = await statement_for(db, sale, runtime.policy)
    if st is None:
        raise NothingDue("Bu satış için alıcı hesabı yok ya da vergiler dosyadan hesaplanamıyor (T-09).",
                         details={"status": sale.status})
    return st.to_json()


@router.get("/sales/{sale_id}/timeline", summary="The steps after the award with their moments and deadlines")
async def timeline(sale_id: Id, db: DbSession, actor: CurrentUser) -> dict[str, Any]:
    sale = await views.viewable_sale(db, actor, sale_id)
    return {"sale_id": sale.id, "status": sale.status, "payment_status": sale.payment_status,
            "fesih_status": sale.fesih_status, "steps": [s.to_json() for s in await views.timeline(db, sale)]}


@router.post("/sales/{sale_id}/payments", status_code=201,
             summary="Pay (part of) what is due now; a one-time code goes by SMS to the registered phone",
             responses={409: {"description": "nothing_due / payment_deadline_passed / phone_required"},
                        422: {"description": "amount_exceeds_due / idempotency_key_reused"}})
async def start_payment(sale_id: Id, body: PaymentCreate, db: DbSession, actor: CurrentUser, runtime: RuntimeDep,
                        _limit: OtpSendLimit,
                        idempotency_key: str | None = Header(None, alias="Idempotency-Key")) -> JSONResponse:
    payment, created = await payments.start(db, runtime, actor, sale_id, body.amount, idempotency_key)
    return JSONResponse(payment_out(payment), status_code=201 if created else 200)


@router.post("/payments/{payment_id}/resend", summary="A new code for a payment awaiting one (the old one stops)")
async def resend_code(payment_id: Id, db: DbSession, actor: CurrentUser, runtime: RuntimeDep,
                      _limit: OtpSendLimit) -> dict[str, Any]:
    return payment_out(await payments.resend(db, runtime, actor, payment_id))


@router.post("/payments/{payment_id}/confirm", summary="Confirm a payment with its SMS code (5 tries)",
             responses={422: {"description": "code_invalid / code_expired / code_exhausted / amount_exceeds_due"},
                        409: {"description": "code_used / payment_cancelled / payment_deadline_passed"}})
async def confirm_payment(payment_id: Id, body: PaymentConfirm, request: Request, db: DbSession, actor: CurrentUser,
                          runtime: RuntimeDep, _limit: OtpConfirmLimit) -> Response:
    result = await payments.confirm(db, runtime, actor, payment_id, body.code)
    if result.error is not None:
        # Returned, not raised: the session commits the counted try (or the cancellation) before answering.
        return await domain_error_handler(request, result.error)
    return JSONResponse(payment_out(result.payment))


@router.get("/sales/{sale_id}/payments", summary="The buyer's payments of the sale (staff, the buyer)")
async def list_payments(sale_id: Id, db: DbSession, actor: CurrentUser) -> list[dict[str, Any]]:
    sale = await views.viewable_sale(db, actor, sale_id)
    rows = await payments.payments_of(db, sale.id, None if actor.is_staff else actor.user_id)
    return [payment_out(p) for p in rows]


@router.get("/sales/{sale_id}/payment-refunds", summary="Refunds of the buyer's payments (staff)")
async def list_payment_refunds(sale_id: Id, db: DbSession, actor: StaffUser) -> list[dict[str, Any]]:
    sale = await views.viewable_sale(db, actor, sale_id)
    return [{"id": r.id, "payment_id": r.payment_id, "kind": r.kind, "reason": r.reason, "amount": str(r.amount),
             "status": r.status, "due_by": r.due_by.isoformat(), "provider_ref": r.provider_ref}
            for r in await payment_refunds.refunds_of(db, sale.id)]


@router.post("/sales/{sale_id}/fesih", status_code=201,
             summary="Record an ihalenin feshi complaint the court reports (S-14; A-80 … A-82) (staff)")
async def record_fesih(sale_id: Id, body: FesihCreate, db: DbSession, actor: StaffUser,
                       runtime: RuntimeDep) -> dict[str, Any]:
    return _fesih_out(await fesih.record(db, runtime, actor, sale_id, body))


@router.get("/sales/{sale_id}/fesih", summary="The ihalenin feshi complaints of the sale (staff)")
async def list_fesih(sale_id: Id, db: DbSession, actor: StaffUser) -> list[dict[str, Any]]:
    sale = await views.viewable_sale(db, actor, sale_id)
    return [_fesih_out(a) for a in await fesih.applications_of(db, sale.id)]


@router.post("/fesih/{application_id}/decision",
             summary="The court's final decision on a complaint: rejected (S-15) or annulled (S-16) (müdür)")
async def decide_fesih(application_id: Id, body: FesihDecision, db: DbSession, actor: ManagerUser,
                       runtime: RuntimeDep) -> dict[str, Any]:
    return _fesih_out(await fesih.decide(db, runtime, actor, application_id, body))


def _fesih_out(a: Any) -> dict[str, Any]:
    money = {k: (str(getattr(a, k)) if getattr(a, k) is not None else None)
             for k in ("harc_total", "harc_upfront", "teminat_due", "harc_paid", "teminat_paid", "fine_amount",
                       "nema_amount")}
    return {"id": a.id, "sale_id": a.sale_id, "applicant_name": a.applicant_name, "applicant_kind": a.applicant_kind,
            "filed_on": a.filed_on.isoformat(), "late": a.late, "court": a.court, "court_file_no": a.court_file_no,
            "status": a.status, "decided_on": a.decided_on.isoformat() if a.decided_on else None,
            "final_on": a.final_on.isoformat() if a.final_on else None, "rules": a.rules, **money}


@router.post("/sales/{sale_id}/finality",
             summary="Staff confirm no fesih complaint (or its rejection): the sale becomes final (S-18)")
async def confirm_finality(sale_id: Id, db: DbSession, actor: StaffUser, runtime: RuntimeDep,
                           body: FinalityConfirm | None = None) -> dict[str, Any]:
    sale = await finality.confirm(db, runtime, actor, sale_id, body or FinalityConfirm())
    return {"sale_id": sale.id, "status": sale.status, "finalised_at": sale.finalised_at.isoformat()
            if sale.finalised_at else None, "tax_due_at": sale.tax_due_at.isoformat() if sale.tax_due_at else None}


@router.post("/sales/{sale_id}/tahliye", status_code=201, summary="Serve the 15-day tahliye emri (A-93, TM-21)")
async def tahliye(sale_id: Id, body: TahliyeCreate, db: DbSession, actor: StaffUser,
                  runtime: RuntimeDep) -> dict[str, Any]:
    h = await handover.tahliye(db, runtime, actor, sale_id, body)
    return {"sale_id": h.sale_id, "occupied_by": h.occupied_by, "tahliye_until": h.tahliye_until.isoformat()
            if h.tahliye_until else None}


@router.post("/sales/{sale_id}/handover",
             summary="Tapu letter sent (taşınmaz) or goods delivered / ready (taşınır): handover → distributing (S-21)")
async def record_handover(sale_id: Id, body: HandoverCreate, db: DbSession, actor: StaffUser,
                          runtime: RuntimeDep) -> dict[str, Any]:
    sale = await handover.record(db, runtime, actor, sale_id, body)
    return {"sale_id": sale.id, "status": sale.status, "handed_over_at": sale.handed_over_at.isoformat()
            if sale.handed_over_at else None}


@router.post("/sales/{sale_id}/annul",
             summary="The müdür cancels the ihale: taxes unpaid after the muhtıra (S-20) or handover impossible (S-22)")
async def annul(sale_id: Id, body: AnnulCreate, db: DbSession, actor: ManagerUser,
                runtime: RuntimeDep) -> dict[str, Any]:
    sale = await handover.annul_for(db, runtime, actor, sale_id, body)
    return {"sale_id": sale.id, "status": sale.status, "end_reason": sale.end_reason}


@router.put("/sales/{sale_id}/buyer-tax-status", summary="T-06: the buyer is a bank under KDVK 17/4-r (staff)")
async def buyer_tax_status(sale_id: Id, body: BuyerTaxStatus, db: DbSession, actor: StaffUser) -> dict[str, Any]:
    sale = await declarations.set_bank_exemption(db, actor, sale_id, body)
    return {"sale_id": sale.id, "bank_17_4_r": sale.bank_17_4_r}


@router.post("/sales/{sale_id}/mahsup", status_code=201,
             summary="A creditor bids against its claim (alacağa mahsuben, A-57), before the tutanak (staff)")
async def declare_mahsup(sale_id: Id, body: MahsupCreate, db: DbSession, actor: StaffUser) -> dict[str, Any]:
    d = await declarations.record_mahsup(db, actor, sale_id, body)
    return {"sale_id": d.sale_id, "user_id": d.user_id, "creditor_id": d.creditor_id}


@router.get("/sales/{sale_id}/documents", summary="The sale's documents after the award (staff; the buyer his own)")
async def list_documents(sale_id: Id, db: DbSession, actor: CurrentUser) -> list[dict[str, Any]]:
    sale = await views.viewable_sale(db, actor, sale_id)
    return [{"id": d.id, "kind": d.kind, "title": d.title, "sha256": d.sha256, "created_at": d.created_at.isoformat(),
             "html": f"/api/v1/sale-documents/{d.id}", "pdf": f"/api/v1/sale-documents/{d.id}/pdf"}
            for d in await views.documents_for(db, actor, sale)]


@router.get("/sale-documents/{document_id}", response_class=HTMLResponse, summary="A document (HTML)")
async def document_as_html(document_id: Id, db: DbSession, actor: CurrentUser) -> HTMLResponse:
    return document_html((await documents.get_for(db, actor, document_id)).html)


@router.get("/sale-documents/{document_id}/pdf", summary="A document (PDF)",
            responses={200: {"content": {"application/pdf": {}}}})
async def document_as_pdf(document_id: Id, db: DbSession, actor: CurrentUser, runtime: RuntimeDep) -> Response:
    doc = await documents.get_for(db, actor, document_id)
    pdf = await stored_or_rendered_pdf(runtime.settings, doc.pdf_key, doc.html)
    return document_pdf(pdf, f"{doc.kind}-{doc.sale_id}-{doc.id}.pdf")
