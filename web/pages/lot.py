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
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Form, Query, Request
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from auction import clock
from auction.bidding import eligibility
from auction.bidding import service as bidding
from auction.bidding.models import LotAlias, Participant
from auction.calendar import local_date
from auction.cases.models import Case
from auction.db import rollback
from auction.deposits import service as deposits
from auction.deposits.models import Deposit, Refund
from auction.distribution.errors import InvalidCase
from auction.errors import DomainError
from auction.lots import service as lots
from auction.lots.models import Lot, LotFile, LotFileKind
from auction.money import ZERO
from auction.runtime import Runtime
from auction.sales import live
from auction.sales import service as sales
from auction.sales.errors import TutanakNotFound
from auction.sales.models import Round, RoundStatus, Sale, SaleStatus
from auction.settlement import settle
from auction.users.models import Office
from auction.users.principal import Principal
from auction.watch import service as watch
from auction.watch.search import parse_amount_input
from web.deps import BidderUser, DbSession, MaybeUser, Public, RuntimeDep
from web.documents import document_html
from web.i18n import translator
from web.pages import texts  # noqa: F401 - registers the texts of these pages
from web.pages.common import error_text, is_htmx
from web.templating import render, request_lang

router = APIRouter()

# The confirmation step warns (it never refuses) when an amount is far above the minimum: the typo guard
# against an extra zero, the most common mistaken bid.
TYPO_RATIO = Decimal("1.2")
TYPO_STEPS = 10


class BidAmountInvalid(DomainError):
    code = "bid_amount_invalid"
    status = 422
    default_message = "Teklif tutarı anlaşılamadı."


@dataclass
class LotState:
    """Everything the lot page shows, for one viewer."""

    lot: Lot
    office: Office
    file_no: str
    now: datetime
    seq: int
    sale: Sale | None = None
    rounds: list[Round] = field(default_factory=list)
    current: Round | None = None
    photos: list[LotFile] = field(default_factory=list)
    documents: list[LotFile] = field(default_factory=list)
    bids: list[dict[str, Any]] = field(default_factory=list)
    earlier_bids: int = 0
    viewer: Principal | None = None
    part: Participant | None = None
    deposit: Deposit | None = None
    deposits: list[Deposit] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    teminat_due: Decimal | None = None
    my_alias: str | None = None
    leader_alias: str | None = None
    is_leader: bool = False
    block: str | None = None  # why the viewer cannot bid now (None = he can)
    tutanak_posted: bool = False
    watching: bool = False
    threshold: Decimal | None = None
    # the parts of `max(0.50 × M, R) + C` the texts show with the figure.
    threshold_half: Decimal | None = None
    threshold_r: Decimal | None = None
    threshold_c: Decimal | None = None
    kdv_rate: Decimal | None = None
    kdv_rate_source: str = "sartname"
    accepting_deposits: bool = False
    self_outbid: bool = False

    @property
    def is_bidder(self) -> bool:
        return self.viewer is not None and not self.viewer.is_staff

    @property
    def can_bid(self) -> bool:
        return self.block is None

    @property
    def min_next_bid(self) -> Decimal | None:
        if self.current is None or self.current.status not in (RoundStatus.open, RoundStatus.scheduled):
            return None
        return sales.min_next_bid(self.current)

    @property
    def price_now(self) -> Decimal | None:
        if self.current is None:
            return None
        return self.current.current_price

    @property
    def countdown_target(self) -> datetime | None:
        """What the timer counts to: the close of an open round, the start of a coming one."""
        if self.current is None:
            return None
        if self.current.status == RoundStatus.open:
            return self.current.ends_at
        if self.current.status == RoundStatus.scheduled:
            return self.current.starts_at
        return None

    @property
    def phase(self) -> str:
        """none | upcoming | open | closed (the round the page shows)."""
        if self.current is None:
            return "none"
        if self.current.status == RoundStatus.open:
            return "open"
        if self.current.status == RoundStatus.scheduled:
            return "upcoming"
        return "closed"

    @property
    def won(self) -> bool:
        return (self.sale is not None and self.viewer is not None and self.sale.winner_user_id == self.viewer.user_id
                and self.sale.price is not None)


def _block(state: LotState) -> str | None:
    viewer, cur = state.viewer, state.current
    if viewer is None:
        return "login"
    if viewer.is_staff:
        return "staff"
    if state.sale is None or cur is None:
        return "no_sale"
    if cur.status in (RoundStatus.closed, RoundStatus.cancelled):
        return "closed"
    part = state.part
    if part is not None and part.excluded:
        return "excluded"
    if part is not None and part.withdrawn_at is not None:
        return "withdrawn"
    if part is None or not part.teminat_ok:
        return "teminat"
    if part.sartname_accepted_at is None:
        return "sartname"
    if cur.status == RoundStatus.scheduled or state.now < cur.starts_at:
        return "not_open"
    return None


async def load_state(db: AsyncSession, runtime: Runtime, lot_id: int, viewer: Principal | None) -> LotState:
    lot = await lots.get_lot(db, lot_id)
    office = await db.get(Office, lot.office_id)
    case_ = await db.get(Case, lot.case_id)
    assert office is not None and case_ is not None
    now = clock.now()
    state = LotState(lot=lot, office=office, file_no=case_.file_no, now=now, seq=await live.last_seq(db, lot.id),
                     viewer=viewer)
    files = await lots.list_files(db, lot.id, None)  # the public face only, also for staff
    state.photos = [f for f in files if f.kind == LotFileKind.photo]
    state.documents = [f for f in files if f.kind != LotFileKind.photo]
    if viewer is not None and not viewer.is_staff:
        state.watching = await watch.is_watching(db, viewer.user_id, lot.id)
    sale = await sales.latest_sale_of_lot(db, lot.id)
    if sale is None or sale.status == SaleStatus.draft:
        state.block = _block(state)
        return state
    state.sale = sale
    state.rounds = await sales.rounds_of(db, sale.id)
    state.current = sales.current_round(state.rounds, sale.status)
    state.accepting_deposits = SaleStatus(sale.status) in deposits.ACCEPTING
    snap = sales.snapshot_of(sale)
    cur = state.current
    if cur is not None:
        state.self_outbid = cur.allow_self_outbid
        # UNCERTAIN(OP-09): the threshold is shown once R and C are locked at the round's start.
        if snap.pol("auction.show_threshold") and cur.threshold is not None:
            state.threshold = cur.threshold
            state.threshold_r = cur.r_amount
            state.threshold_c = cur.c_amount
    # rule: A-31 - the texts say what the engine checks: highest > max(ratio × M, R) + C (İİK 115/1).
    state.threshold_half = snap.decimal("auction.threshold.appraisal_ratio") * sale.appraised_value
    # Staff never get identities here: the public page is the same for everyone; the bürosu has
    # its own, audited view. A bidder's own bids come back marked.
    bid_viewer = viewer if viewer is not None and not viewer.is_staff else None
    all_bids = await bidding.list_bids(db, lot.id, bid_viewer)
    if cur is not None:
        state.bids = [b for b in all_bids if b["round"] == cur.number]
        state.earlier_bids = len(all_bids) - len(state.bids)
        state.leader_alias = state.bids[-1]["bidder"] if state.bids else None
    state.bids.reverse()  # newest first
    state.kdv_rate = sale.kdv_rate if sale.kdv_rate is not None else lot.kdv_rate
    if state.kdv_rate is None:
        # T-09: no şartname rate - the rate the law gives this asset, from the distribution engine.
        try:
            derived = settle(sale_id=sale.id, lot=lot, price=sale.appraised_value, ihale_date=local_date(now),
                             kdv_rate=None, teminat_credit=ZERO, tutanak_posted_on=None, policy=runtime.policy)
            state.kdv_rate, state.kdv_rate_source = derived.kdv_rate, "derived"
        except InvalidCase:
            # The asset lacks what the law's rate depends on (a konut's area): say "KDV hariç" without a rate.
            state.kdv_rate, state.kdv_rate_source = None, "unknown"
    try:
        await sales.public_tutanak(db, lot.id)
        state.tutanak_posted = True
    except TutanakNotFound:
        state.tutanak_posted = False
    if viewer is not None and not viewer.is_staff:
        uid = viewer.user_id
        state.part = await eligibility.find(db, sale.id, uid)
        state.deposits = await deposits.deposits_of(db, sale.id, uid)
        state.deposit = await deposits.current_deposit(db, sale.id, uid)
        state.refunds = [r for r in await deposits.refunds_of(db, sale.id) if r.user_id == uid]
        state.teminat_due = await deposits.teminat_due(db, sale, uid)
        number = await db.scalar(select(LotAlias.number).where(LotAlias.lot_id == lot.id, LotAlias.user_id == uid))
        state.my_alias = f"Teklif {number}" if number is not None else None
        state.is_leader = cur is not None and cur.leader_user_id == uid
    state.block = _block(state)
    return state


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
async def lot_page(request: Request, lot_id: int, db: DbSession, runtime: RuntimeDep, viewer: MaybeUser) -> Response:
    state = await load_state(db, runtime, lot_id, viewer)
    return render(request, "lot/page.html", _ctx(state), headers={"Cache-Control": "no-store"})


@router.get("/lots/{lot_id}/panel")
async def live_panel(request: Request, lot_id: int, db: DbSession, runtime: RuntimeDep, viewer: MaybeUser) -> Response:
    """The live panel alone: live.js reloads it when a round opens or closes (the state changes shape)."""
    state = await load_state(db, runtime, lot_id, viewer)
    return render(request, "lot/_panel.html", _ctx(state), headers={"Cache-Control": "no-store"})


def _problem(request: Request, state: LotState, exc: DomainError, *, status: int | None = None,
             target_result: bool = True) -> Response:
    t = translator(request_lang(request))
    ctx = _ctx(state, error=exc, error_text=error_text(t, exc))
    headers = {"HX-Retarget": "#bid-result", "HX-Reswap": "innerHTML"} if target_result else None
    if is_htmx(request):
        return render(request, "lot/_bid_result.html", ctx, status_code=status or exc.status, headers=headers)
    return render(request, "lot/page.html", ctx, status_code=status or exc.status)


@router.get("/lots/{lot_id}/teklif/onay")
async def confirm_bid(request: Request, lot_id: int, db: DbSession, runtime: RuntimeDep, viewer: BidderUser,
                      amount: str = Query("", max_length=40)) -> Response:
    """The confirmation step: nothing is written; the answer carries the key the bid will use."""
    state = await load_state(db, runtime, lot_id, viewer)
    value = parse_amount_input(amount)
    if value is None or value <= 0:
        return _problem(request, state, BidAmountInvalid(details={"amount": amount}))
    if state.block is not None:
        return _problem(request, state, _block_error(state))
    minimum = state.min_next_bid
    if minimum is not None and value < minimum:
        from auction.bidding.errors import BidTooLow

        return _problem(request, state, BidTooLow(details={"min_next_bid": str(minimum)}), status=409)
    base = state.price_now if state.price_now is not None else (minimum or value)
    assert state.current is not None
    steps = (value - base) / state.current.min_increment if state.current.min_increment else Decimal(0)
    typo = minimum is not None and (value >= minimum * TYPO_RATIO or steps > TYPO_STEPS)
    ctx = _ctx(state, amount=value, key=uuid.uuid4().hex, typo=typo, steps=int(steps),
               over_min=(value - minimum) if minimum is not None else None)
    if is_htmx(request):
        return render(request, "lot/_confirm.html", ctx)
    return render(request, "lot/confirm_page.html", ctx)


def _block_error(state: LotState) -> DomainError:
    from auction.bidding.errors import BidderExcluded, RoundClosed, RoundNotOpen, SartnameNotAccepted, TeminatRequired
    from auction.deposits.errors import Withdrawn

    mapping: dict[str, type[DomainError]] = {
        "closed": RoundClosed, "not_open": RoundNotOpen, "teminat": TeminatRequired, "sartname": SartnameNotAccepted,
        "excluded": BidderExcluded, "withdrawn": Withdrawn, "no_sale": RoundNotOpen,
    }
    return mapping.get(state.block or "", RoundNotOpen)()


@router.post("/lots/{lot_id}/teklif")
async def place_bid(request: Request, lot_id: int, db: DbSession, runtime: RuntimeDep, viewer: BidderUser,
                    amount: str = Form(..., max_length=40),
                    idempotency_key: str = Form(..., min_length=8, max_length=64)) -> Response:
    value = parse_amount_input(amount)
    if value is None or value <= 0:
        state = await load_state(db, runtime, lot_id, viewer)
        return _problem(request, state, BidAmountInvalid(details={"amount": amount}))
    try:
        answer = await bidding.place_bid(db, runtime, viewer, lot_id, value, idempotency_key)
    except DomainError as exc:
        # The engine's partial writes (the claimed idempotency key) must not survive a refusal.
        await rollback(db)
        state = await load_state(db, runtime, lot_id, viewer)
        return _problem(request, state, exc)
    if is_htmx(request):
        return render(request, "lot/_bid_result.html", {"accepted": answer.body, "replayed": answer.replayed,
                                                        "lot_id": lot_id})
    state = await load_state(db, runtime, lot_id, viewer)
    return render(request, "lot/page.html", _ctx(state, accepted=answer.body, replayed=answer.replayed),
                  status_code=201)


@router.post("/lots/{lot_id}/sartname/kabul")
async def accept_sartname(request: Request, lot_id: int, db: DbSession, viewer: BidderUser,
                          accept: str = Form("")) -> Response:
    if accept == "1":
        await bidding.accept_sartname(db, viewer, lot_id)
    return RedirectResponse(f"/lots/{lot_id}#teklif", status_code=303)


@router.get("/lots/{lot_id}/sartname")
async def sartname_page(request: Request, lot_id: int, db: DbSession, _: Public) -> Response:
    """The şartname inside the site's layout (the API's copy is a bare fragment), with its hash: what a
    bidder accepts is exactly this text (A-23)."""
    lot = await lots.get_lot(db, lot_id)
    sale = await sales.require_sale_of_lot(db, lot_id)
    return render(request, "lot/sartname.html", {"lot": lot, "sale": sale,
                                                 "sartname": Markup(sale.sartname_html)})  # noqa: S704


@router.get("/lots/{lot_id}/tutanak")
async def tutanak_page(lot_id: int, db: DbSession, _: Public) -> Response:
    """The latest posted tutanak, public copy (OP-10), as the standalone document it is (its own styles,
    so it gets the documents' CSP, not the site's)."""
    t = await sales.public_tutanak(db, lot_id)
    return document_html(t.html_public)
