"""The lot page `/lots/{id}` and bidding from the browser.

Bidding is two steps, both server-rendered: the amount form asks for the confirmation step
(`GET /lots/{id}/teklif/onay`, read-only), which repeats the amount in figures and in words and carries a
fresh Idempotency-Key; its button posts the bid (`POST /lots/{id}/teklif`) to the engine's
`place_bid` with that key, so a double click or a retried request can never bid twice. Everything works
without JavaScript (full pages); with it, htmx swaps the fragments and `live.js` keeps the price, the bid
list and the countdown current from the WebSocket.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Form, Query, Request
from markupsafe import Markup
from starlette.responses import RedirectResponse, Response

from auction.bidder import lot as bidder_lot
from auction.bidder import papers
from auction.bidder.lot import LotState, lot_state
from auction.bidding import service as bidding
from auction.bidding.errors import BidAmountInvalid
from auction.db import rollback
from auction.errors import DomainError
from auction.lots import service as lots
from auction.sales import reads
from auction.watch.search import parse_amount_input
from web.deps import BidAdmission, BidderUser, DbSession, MaybeUser, Public, RuntimeDep, bid_ip_limit
from web.documents import document_html, document_pdf
from web.i18n import translator
from web.pages.common import error_text, is_htmx
from web.params import Id
from web.templating import render, request_lang

router = APIRouter()


def duration_words(t: Callable[..., str], seconds: int | None) -> str:
    if seconds is None:
        return t("dur.none")
    if seconds % 3600 == 0 and seconds >= 3600:
        return t("dur.hours", n=seconds // 3600)
    if seconds % 60 == 0 and seconds >= 60:
        return t("dur.minutes", n=seconds // 60)
    return t("dur.seconds", n=seconds)


def _ctx(state: LotState, **extra: Any) -> dict[str, Any]:
    return {"s": state, "lot": state.lot, "sale": state.sale, "cur": state.current, "duration_words": duration_words,
            **extra}


@router.get("/lots/{lot_id}")
async def lot_page(request: Request, lot_id: Id, db: DbSession, runtime: RuntimeDep, viewer: MaybeUser) -> Response:
    state = await lot_state(db, runtime, lot_id, viewer)
    return render(request, "lot/page.html", _ctx(state), headers={"Cache-Control": "no-store"})


@router.get("/lots/{lot_id}/panel")
async def live_panel(request: Request, lot_id: Id, db: DbSession, runtime: RuntimeDep, viewer: MaybeUser) -> Response:
    """The live panel alone: live.js reloads it when a round opens or closes (the state changes shape)."""
    state = await lot_state(db, runtime, lot_id, viewer)
    return render(request, "lot/_panel.html", _ctx(state), headers={"Cache-Control": "no-store"})


def _problem(request: Request, state: LotState, exc: DomainError, *, target_result: bool = True) -> Response:
    t = translator(request_lang(request))
    ctx = _ctx(state, error=exc, error_text=error_text(t, exc))
    headers = {"HX-Retarget": "#bid-result", "HX-Reswap": "innerHTML"} if target_result else None
    if is_htmx(request):
        return render(request, "lot/_bid_result.html", ctx, status_code=exc.status, headers=headers)
    return render(request, "lot/page.html", ctx, status_code=exc.status)


@router.get("/lots/{lot_id}/teklif/onay")
async def confirm_bid(request: Request, lot_id: Id, db: DbSession, runtime: RuntimeDep, viewer: BidderUser,
                      amount: str = Query("", max_length=40)) -> Response:
    """The confirmation step: nothing is written; the answer carries the key the bid will use."""
    state = await lot_state(db, runtime, lot_id, viewer)
    try:
        checked = bidder_lot.confirm_bid(state, parse_amount_input(amount), amount)
    except DomainError as exc:
        return _problem(request, state, exc)
    ctx = _ctx(state, amount=checked.amount, key=uuid.uuid4().hex, typo=checked.typo, steps=checked.steps,
               over_min=checked.over_min)
    if is_htmx(request):
        return render(request, "lot/_confirm.html", ctx)
    return render(request, "lot/confirm_page.html", ctx)


@router.post("/lots/{lot_id}/teklif")
async def place_bid(request: Request, lot_id: Id, _admitted: BidAdmission, db: DbSession, runtime: RuntimeDep,
                    viewer: BidderUser,
                    amount: str = Form(..., max_length=40),
                    idempotency_key: str = Form(..., min_length=8, max_length=64)) -> Response:
    value = parse_amount_input(amount)
    if value is None or value <= 0:
        state = await lot_state(db, runtime, lot_id, viewer)
        return _problem(request, state, BidAmountInvalid(details={"amount": amount}))
    try:
        await bid_ip_limit(request, runtime)  # per client IP; refused like the per-user limit, on the page
        answer = await bidding.place_bid(db, runtime, viewer, lot_id, value, idempotency_key)
    except DomainError as exc:
        # The engine's partial writes (the claimed idempotency key) must not survive a refusal.
        await rollback(db)
        state = await lot_state(db, runtime, lot_id, viewer)
        return _problem(request, state, exc)
    if is_htmx(request):
        return render(request, "lot/_bid_result.html", {"accepted": answer.body, "replayed": answer.replayed,
                                                        "lot_id": lot_id})
    state = await lot_state(db, runtime, lot_id, viewer)
    return render(request, "lot/page.html", _ctx(state, accepted=answer.body, replayed=answer.replayed),
                  status_code=201)


@router.post("/lots/{lot_id}/sartname/kabul")
async def accept_sartname(request: Request, lot_id: Id, db: DbSession, viewer: BidderUser,
                          accept: str = Form("")) -> Response:
    if accept == "1":
        await bidding.accept_sartname(db, viewer, lot_id)
    return RedirectResponse(f"/lots/{lot_id}#teklif", status_code=303)


@router.get("/lots/{lot_id}/sartname")
async def sartname_page(request: Request, lot_id: Id, db: DbSession, _: Public) -> Response:
    """The şartname inside the site's layout (the API's copy is a bare fragment), with its hash: what a
    bidder accepts is exactly this text (A-23)."""
    lot = await lots.get_lot(db, lot_id)
    sale = await reads.require_sale_of_lot(db, lot_id)
    return render(request, "lot/sartname.html", {"lot": lot, "sale": sale,
                                                 "sartname": Markup(sale.sartname_html)})  # noqa: S704


@router.get("/lots/{lot_id}/tutanak")
async def tutanak_page(lot_id: Id, db: DbSession, _: Public) -> Response:
    """The latest posted tutanak, public copy (OP-10), as the standalone document it is (its own styles,
    so it gets the documents' CSP, not the site's)."""
    t = await reads.public_tutanak(db, lot_id)
    return document_html(t.html_public)


@router.get("/lots/{lot_id}/ilan.pdf")
async def ilan_pdf(request: Request, lot_id: Id, db: DbSession, runtime: RuntimeDep, _: Public) -> Response:
    """The satış ilanı as a PDF to download (A-23): Turkish, Türkiye time, the law in words."""
    base = runtime.settings.public_url or str(request.base_url)
    html = await papers.ilan_html(db, lot_id, public_url=base)
    return document_pdf(await papers.pdf_of(html), f"satis-ilani-{lot_id}.pdf", inline=False)


@router.get("/lots/{lot_id}/sartname.pdf")
async def sartname_pdf(lot_id: Id, db: DbSession, _: Public) -> Response:
    """The şartname as a PDF to download: the text the sale decision fixed, its hash in the annex."""
    html = await papers.sartname_html(db, lot_id)
    return document_pdf(await papers.pdf_of(html), f"sartname-{lot_id}.pdf", inline=False)
