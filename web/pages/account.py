"""My account (`/hesabim`): bids with receipts, teminat and refunds, won lots with the payment due,
watchlist and saved searches, notification settings, documents. Bidders only: every query is filtered by
the caller's own user id (A-34: nobody sees another bidder's rows)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Form, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from auction import clock
from auction.bidding import service as bidding
from auction.bidding.models import Bid
from auction.deposits.models import Deposit, Refund
from auction.lots.models import Lot
from auction.money import ZERO
from auction.sales import documents
from auction.sales.errors import TutanakNotFound
from auction.sales.models import Round, RoundStatus, Sale, SaleStatus, Tutanak
from auction.settlement import Settlement, settlement_for_sale
from auction.users.models import Office, User
from auction.watch import service as watch
from auction.watch.search import cards_for_lots
from web.deps import BidderUser, DbSession, RuntimeDep
from web.documents import document_pdf
from web.i18n import add_messages
from web.pages import (
    aftersale,
    notify,
    texts,  # noqa: F401 - registers the texts of these pages
)
from web.templating import render

router = APIRouter(prefix="/hesabim")

TABS = ("overview", "bids", "deposits", "won", "watch", "notifications", "documents", "profile")
TAB_URLS = {"overview": "/hesabim", "bids": "/hesabim/teklifler", "deposits": "/hesabim/teminatlar",
            "won": "/hesabim/kazandiklarim", "watch": "/hesabim/izleme", "notifications": "/hesabim/bildirimler",
            "documents": "/hesabim/belgeler", "profile": "/hesabim/profil"}

add_messages({
    "account.tab.profile": {"tr": "Profil", "en": "Profile"},
    "profile.intro": {
        "tr": "Teminat iadeleri bu IBAN'a yapılır (İİK 9/2; A-55). Teklif vermek için doğrulanmış kimlik, kayıtlı "
              "IBAN ve Türkiye'de bir adres gerekir (A-37).",
        "en": "Teminat refunds are paid to this IBAN (A-55). To bid you need a verified identity, a registered "
              "IBAN and an address in Türkiye (A-37).",
    },
    "profile.iban": {"tr": "IBAN (TR ile başlar)", "en": "IBAN (starts with TR)"},
    "profile.iban_hint": {"tr": "26 karakter; boşluk bırakabilirsiniz. Kontrol basamakları denetlenir.",
                          "en": "26 characters; spaces are fine. The check digits are verified."},
    "profile.address": {"tr": "Adres", "en": "Address"},
    "profile.phone": {"tr": "Telefon", "en": "Phone"},
    "profile.save": {"tr": "Kaydet", "en": "Save"},
    "profile.saved": {"tr": "Profiliniz kaydedildi.", "en": "Your profile was saved."},
})


def _render(request: Request, tab: str, template: str, ctx: dict[str, Any], status: int = 200) -> Response:
    return render(request, template, {"tab": tab, "tabs": TABS, "tab_urls": TAB_URLS, **ctx}, status_code=status,
                  headers={"Cache-Control": "no-store"})


# --- Reading the bidder's own rows ----------------------------------------------------------------------


@dataclass
class LotBids:
    lot_id: int
    title: str
    sale_status: str
    round_number: int | None
    round_status: str | None
    ends_at: Any
    leader: bool
    current_price: Decimal | None
    bids: list[Bid] = field(default_factory=list)

    @property
    def state(self) -> str:
        """leading | outbid | ended (for the bidder, in the round he bid last)."""
        if self.round_status == RoundStatus.open:
            return "leading" if self.leader else "outbid"
        return "ended"


async def my_bids(db: AsyncSession, uid: int) -> list[LotBids]:
    rows = (await db.execute(
        select(Bid, Lot.title, Round.number, Round.status, Round.ends_at, Round.leader_user_id, Round.current_price,
               Sale.status)
        .join(Lot, Lot.id == Bid.lot_id).join(Round, Round.id == Bid.round_id).join(Sale, Sale.id == Bid.sale_id)
        .where(Bid.user_id == uid).order_by(Bid.id.desc()))).all()
    out: dict[int, LotBids] = {}
    for bid, title, number, rstatus, ends_at, leader, price, sstatus in rows:
        item = out.get(bid.lot_id)
        if item is None:
            item = out[bid.lot_id] = LotBids(bid.lot_id, title, sstatus, number, rstatus, ends_at, leader == uid,
                                              price)
        item.bids.append(bid)
    return list(out.values())


@dataclass
class DepositRow:
    deposit: Deposit
    lot_title: str
    sale_status: str
    refunds: list[Refund]


async def my_deposits(db: AsyncSession, uid: int) -> list[DepositRow]:
    rows = (await db.execute(select(Deposit, Lot.title, Sale.status).join(Lot, Lot.id == Deposit.lot_id)
                             .join(Sale, Sale.id == Deposit.sale_id).where(Deposit.user_id == uid)
                             .order_by(Deposit.id.desc()))).all()
    refunds = (await db.scalars(select(Refund).where(Refund.user_id == uid).order_by(Refund.id))).all()
    by_deposit: dict[int, list[Refund]] = {}
    for r in refunds:
        by_deposit.setdefault(r.deposit_id, []).append(r)
    return [DepositRow(d, title, status, by_deposit.get(d.id, [])) for d, title, status in rows]


@dataclass
class Won:
    sale: Sale
    lot: Lot
    office: Office
    settlement: Settlement | None

    @property
    def overdue(self) -> bool:
        due = self.settlement.payment_due_at if self.settlement else None
        return due is not None and clock.now() > due and self.sale.status == SaleStatus.awarded


async def my_won(db: AsyncSession, runtime: Any, uid: int, sale_id: int | None = None) -> list[Won]:
    stmt = (select(Sale, Lot, Office).join(Lot, Lot.id == Sale.lot_id).join(Office, Office.id == Sale.office_id)
            .where(Sale.winner_user_id == uid, Sale.price.is_not(None))
            .order_by(Sale.ihale_date.desc(), Sale.id.desc()))
    if sale_id is not None:
        stmt = stmt.where(Sale.id == sale_id)
    out = []
    for sale, lot, office in (await db.execute(stmt)).all():
        out.append(Won(sale, lot, office, await settlement_for_sale(db, sale, policy=runtime.policy)))
    return out


async def my_tutanaklar(db: AsyncSession, uid: int) -> list[tuple[Tutanak, str]]:
    """The posted tutanaklar (public copies) of the lots I bid on or deposited for."""
    lot_ids = set((await db.scalars(select(Bid.lot_id).where(Bid.user_id == uid).distinct())).all())
    lot_ids |= set((await db.scalars(select(Deposit.lot_id).where(Deposit.user_id == uid).distinct())).all())
    if not lot_ids:
        return []
    rows = (await db.execute(select(Tutanak, Lot.title).join(Lot, Lot.id == Tutanak.lot_id)
                             .where(Tutanak.lot_id.in_(lot_ids), Tutanak.posted_at.is_not(None))
                             .order_by(Tutanak.posted_at.desc()))).all()
    return [(t, title) for t, title in rows]


# --- Pages ----------------------------------------------------------------------------------------------


@router.get("")
async def overview(request: Request, db: DbSession, runtime: RuntimeDep, me: BidderUser) -> Response:
    bids = await my_bids(db, me.user_id)
    active = [b for b in bids if b.round_status == RoundStatus.open]
    won = [w for w in await my_won(db, runtime, me.user_id) if w.sale.status == SaleStatus.awarded]
    watched = await watch.watched_lot_ids(db, me.user_id)
    user = await db.get(User, me.user_id)
    recent = await notify.recent(db, me.user_id, limit=5)
    return _render(request, "overview", "account/overview.html", {
        "active": active, "won": won, "watched_count": len(watched), "user": user, "recent": recent,
        "bid_lots": len(bids)})


@router.get("/teklifler")
async def bids_page(request: Request, db: DbSession, me: BidderUser) -> Response:
    return _render(request, "bids", "account/bids.html", {"lots": await my_bids(db, me.user_id)})


@router.get("/teklifler/{bid_id}")
async def receipt_page(request: Request, bid_id: int, db: DbSession, me: BidderUser) -> Response:
    receipt = await bidding.receipt(db, me, bid_id)
    lot = await db.get(Lot, receipt["lot_id"])
    return _render(request, "bids", "account/receipt.html", {"r": receipt, "lot": lot})


@router.get("/teminatlar")
async def deposits_page(request: Request, db: DbSession, me: BidderUser) -> Response:
    rows = await my_deposits(db, me.user_id)
    held = sum((r.deposit.amount for r in rows if r.deposit.status in ("confirmed", "refunding")), ZERO)
    user_iban = await db.scalar(select(User.iban).where(User.id == me.user_id))
    return _render(request, "deposits", "account/deposits.html", {"rows": rows, "held": held, "user_iban": user_iban})


@router.get("/kazandiklarim")
async def won_page(request: Request, db: DbSession, runtime: RuntimeDep, me: BidderUser) -> Response:
    return _render(request, "won", "account/won.html", {"won": await my_won(db, runtime, me.user_id)})


@router.get("/kazandiklarim/{sale_id}")
async def won_detail(request: Request, sale_id: int, db: DbSession, runtime: RuntimeDep, me: BidderUser) -> Response:
    rows = await my_won(db, runtime, me.user_id, sale_id)
    if not rows:
        from auction.sales.errors import SaleNotFound

        raise SaleNotFound(details={"sale_id": sale_id})
    # After the award: what is due now, paying with the SMS code, the steps and documents (web/pages/aftersale.py).
    after = await aftersale.buyer_context(db, runtime, me, rows[0].sale, dict(request.query_params))
    return _render(request, "won", "account/won_detail.html", {"w": rows[0], **after})


@router.get("/izleme")
async def watch_page(request: Request, db: DbSession, me: BidderUser, kaydedildi: str | None = None) -> Response:
    ids = await watch.watched_lot_ids(db, me.user_id)
    cards = await cards_for_lots(db, ids, clock.now())
    searches = await watch.saved_searches(db, me.user_id)
    return _render(request, "watch", "account/watch.html", {
        "cards": [cards[i] for i in ids if i in cards], "watched": set(ids), "searches": searches,
        "search_params": {s.id: watch.search_params(s) for s in searches},
        "notice": "watch.saved_ok" if kaydedildi else None})


@router.post("/aramalar/{search_id}/sil")
async def delete_search(search_id: int, db: DbSession, me: BidderUser) -> Response:
    await watch.delete_search(db, me.user_id, search_id)
    return RedirectResponse("/hesabim/izleme", status_code=303)


@router.post("/aramalar/{search_id}/uyari")
async def search_alerts(search_id: int, db: DbSession, me: BidderUser, on: str = Form("0")) -> Response:
    await watch.set_search_alerts(db, me.user_id, search_id, on == "1")
    return RedirectResponse("/hesabim/izleme", status_code=303)


@router.get("/bildirimler")
async def notifications_page(request: Request, db: DbSession, me: BidderUser,
                             kaydedildi: str | None = None) -> Response:
    return _render(request, "notifications", "account/notifications.html", {
        "prefs": await watch.prefs(db, me.user_id), "items": await notify.recent(db, me.user_id, limit=50),
        "notice": "notif.saved" if kaydedildi else None, "delivery": notify.available(),
        "unread": await notify.unread(db, me.user_id)})


@router.post("/bildirimler/okundu")
async def mark_read(db: DbSession, me: BidderUser, up_to_seq: int | None = Form(None, ge=0)) -> Response:
    await notify.mark_all_read(db, me.user_id, up_to_seq)
    return RedirectResponse("/hesabim/bildirimler", status_code=303)


@router.post("/bildirimler")
async def save_prefs(request: Request, db: DbSession, me: BidderUser) -> Response:
    form = await request.form()
    await watch.set_prefs(db, me.user_id, {k: form.get(k) == "1" for k in watch.PREF_FLAGS})
    return RedirectResponse("/hesabim/bildirimler?kaydedildi=1", status_code=303)


@router.get("/belgeler")
async def documents_page(request: Request, db: DbSession, runtime: RuntimeDep, me: BidderUser) -> Response:
    return _render(request, "documents", "account/documents.html", {
        "lots": await my_bids(db, me.user_id), "tutanaklar": await my_tutanaklar(db, me.user_id),
        "won": await my_won(db, runtime, me.user_id)})


@router.get("/belgeler/tutanak/{tutanak_id}.pdf")
async def tutanak_pdf(tutanak_id: int, db: DbSession, me: BidderUser) -> Response:
    """The public copy (OP-10) of a posted tutanak of one of my lots, as a PDF."""
    mine = {t.id: t for t, _ in await my_tutanaklar(db, me.user_id)}
    tutanak = mine.get(tutanak_id)
    if tutanak is None:
        raise TutanakNotFound(details={"tutanak_id": tutanak_id})
    pdf = await asyncio.to_thread(documents.render_pdf, tutanak.html_public)
    return document_pdf(pdf, f"tutanak-{tutanak.sale_id}-{tutanak.round_id}.pdf", inline=True)


@router.get("/profil")
async def profile_page(request: Request, db: DbSession, me: BidderUser) -> Response:
    user = await db.get(User, me.user_id)
    return _render(request, "profile", "account/profile.html", {"user": user, "form": None})


@router.post("/profil")
async def profile_save(request: Request, db: DbSession, me: BidderUser, iban: str = Form("", max_length=40),
                       address: str = Form("", max_length=600), phone: str = Form("", max_length=30)) -> Response:
    from auction.errors import DomainError
    from auction.users import service as users

    try:
        user = await users.update_profile(db, me, iban=iban, address=address, phone=phone)
    except DomainError as exc:
        await db.rollback()
        current = await db.get(User, me.user_id)
        return _render(request, "profile", "account/profile.html", {
            "user": current, "error": exc, "form": {"iban": iban, "address": address, "phone": phone}},
            status=exc.status)
    return _render(request, "profile", "account/profile.html", {"user": user, "form": None,
                                                                 "notice": "profile.saved"})
