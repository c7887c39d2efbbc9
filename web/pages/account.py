"""My account (`/hesabim`): bids with receipts, teminat and refunds, won lots with the payment due,
watchlist and saved searches, notification settings, documents. Bidders only: every query is filtered by
the caller's own user id (A-34: nobody sees another bidder's rows). The IBAN page (`/hesabim/iban`) is also
a party's: a creditor's or the borçlu's side is paid from the sıra cetveli to the IBAN its account declared
(D-44), and declares it the same way, with the SMS code (auction.users.refund_iban, audited)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from auction import clock
from auction.bidder import account, papers
from auction.errors import DomainError
from auction.sales import documents
from auction.users import refund_iban
from auction.users import service as users
from auction.users.models import Role
from auction.watch import service as watch
from web.deps import BidderUser, DbSession, PayeeUser, RuntimeDep
from web.documents import document_pdf
from web.i18n import translator
from web.pages import aftersale, channels, notify
from web.pages.common import error_text
from web.params import ID_MAX, Id
from web.templating import render, request_lang

router = APIRouter(prefix="/hesabim")

TABS = ("overview", "bids", "deposits", "won", "watch", "notifications", "documents", "profile")
TAB_URLS = {"overview": "/hesabim", "bids": "/hesabim/teklifler", "deposits": "/hesabim/teminatlar",
            "won": "/hesabim/kazandiklarim", "watch": "/hesabim/izleme", "notifications": "/hesabim/bildirimler",
            "documents": "/hesabim/belgeler", "profile": "/hesabim/profil"}



def _render(request: Request, tab: str, template: str, ctx: dict[str, Any], status: int = 200) -> Response:
    return render(request, template, {"tab": tab, "tabs": TABS, "tab_urls": TAB_URLS, **ctx}, status_code=status,
                  headers={"Cache-Control": "no-store"})


# --- Pages ----------------------------------------------------------------------------------------------


@router.get("")
async def overview(request: Request, db: DbSession, runtime: RuntimeDep, me: BidderUser) -> Response:
    o = await account.overview(db, runtime.policy, me.user_id)
    return _render(request, "overview", "account/overview.html", {
        "active": o.active, "won": o.won, "watched_count": o.watched_count, "user": o.user,
        "recent": await notify.recent(db, me.user_id, limit=5), "bid_lots": o.bid_lots})


@router.get("/teklifler")
async def bids_page(request: Request, db: DbSession, me: BidderUser) -> Response:
    return _render(request, "bids", "account/bids.html", {"lots": await account.my_bids(db, me.user_id)})


@router.get("/teklifler/{bid_id}")
async def receipt_page(request: Request, bid_id: Id, db: DbSession, me: BidderUser) -> Response:
    receipt, lot = await account.my_receipt(db, me, bid_id)
    return _render(request, "bids", "account/receipt.html", {"r": receipt, "lot": lot})


@router.get("/teklifler/{bid_id}/makbuz.pdf")
async def receipt_pdf(bid_id: Id, db: DbSession, me: BidderUser) -> Response:
    """The bid receipt as a PDF: in Turkish and Türkiye time; the hash chain in the marked annex."""
    html = await papers.bid_receipt_html(db, me, bid_id)
    return document_pdf(await papers.pdf_of(html), f"teklif-makbuzu-{bid_id}.pdf", inline=False)


@router.get("/kazandiklarim/{sale_id}/hesap.pdf")
async def statement_pdf(sale_id: Id, db: DbSession, runtime: RuntimeDep, me: BidderUser) -> Response:
    """The won lot's payment statement as a PDF (what is owed, paid and due, by when)."""
    html = await papers.statement_html(db, runtime.policy, me, sale_id)
    return document_pdf(await papers.pdf_of(html), f"odeme-hesabi-{sale_id}.pdf", inline=False)


@router.get("/teminatlar")
async def deposits_page(request: Request, db: DbSession, me: BidderUser) -> Response:
    mine = await account.my_teminat(db, me.user_id)
    return _render(request, "deposits", "account/deposits.html",
                   {"rows": mine.rows, "held": mine.held, "user_iban": mine.user_iban})


@router.get("/kazandiklarim")
async def won_page(request: Request, db: DbSession, runtime: RuntimeDep, me: BidderUser) -> Response:
    return _render(request, "won", "account/won.html", {"won": await account.my_won(db, runtime.policy, me.user_id)})


@router.get("/kazandiklarim/{sale_id}")
async def won_detail(request: Request, sale_id: Id, db: DbSession, runtime: RuntimeDep, me: BidderUser) -> Response:
    won = await account.my_won_sale(db, runtime.policy, me.user_id, sale_id)
    # After the award: what is due now, paying with the SMS code, the steps and documents (web/pages/aftersale.py).
    after = await aftersale.buyer_context(db, runtime, me, won.sale, dict(request.query_params))
    return _render(request, "won", "account/won_detail.html", {"w": won, **after})


@router.get("/izleme")
async def watch_page(request: Request, db: DbSession, me: BidderUser, kaydedildi: str | None = None) -> Response:
    w = await account.watchlist(db, me.user_id, clock.now())
    return _render(request, "watch", "account/watch.html", {
        "cards": w.cards, "watched": w.watched, "searches": w.searches, "search_params": w.search_params,
        "notice": "watch.saved_ok" if kaydedildi else None})


@router.post("/aramalar/{search_id}/sil")
async def delete_search(search_id: Id, db: DbSession, me: BidderUser) -> Response:
    await watch.delete_search(db, me.user_id, search_id)
    return RedirectResponse("/hesabim/izleme", status_code=303)


@router.post("/aramalar/{search_id}/uyari")
async def search_alerts(search_id: Id, db: DbSession, me: BidderUser, on: str = Form("0")) -> Response:
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
async def mark_read(db: DbSession, me: BidderUser, up_to_seq: int | None = Form(None, ge=0, le=ID_MAX)) -> Response:
    await notify.mark_all_read(db, me.user_id, up_to_seq)
    return RedirectResponse("/hesabim/bildirimler", status_code=303)


@router.post("/bildirimler")
async def save_prefs(request: Request, db: DbSession, me: BidderUser) -> Response:
    form = await request.form()
    await watch.set_prefs(db, me.user_id, {k: form.get(k) == "1" for k in watch.PREF_FLAGS})
    return RedirectResponse("/hesabim/bildirimler?kaydedildi=1", status_code=303)


@router.get("/belgeler")
async def documents_page(request: Request, db: DbSession, runtime: RuntimeDep, me: BidderUser) -> Response:
    docs = await account.my_documents(db, runtime.policy, me.user_id)
    return _render(request, "documents", "account/documents.html",
                   {"lots": docs.lots, "tutanaklar": docs.tutanaklar, "won": docs.won})


@router.get("/belgeler/tutanak/{tutanak_id}.pdf")
async def tutanak_pdf(tutanak_id: Id, db: DbSession, me: BidderUser) -> Response:
    """The public copy (OP-10) of a posted tutanak of one of my lots, as a PDF."""
    tutanak = await account.my_tutanak(db, me.user_id, tutanak_id)
    pdf = await documents.render_pdf_apart(tutanak.html_public)
    return document_pdf(pdf, f"tutanak-{tutanak.sale_id}-{tutanak.round_id}.pdf", inline=True)


@router.get("/profil")
async def profile_page(request: Request, db: DbSession, me: BidderUser, kanallar: str | None = None) -> Response:
    return _render(request, "profile", "account/profile.html", {"user": await users.get_user(db, me.user_id),
                                                                 "form": None, "channels_saved": bool(kanallar),
                                                                 **await channels.section(request, db, me.user_id)})


@router.post("/profil")
async def profile_save(request: Request, db: DbSession, me: BidderUser,
                       address: str = Form("", max_length=600), phone: str = Form("", max_length=30)) -> Response:
    """Address and phone; the refund IBAN has its own page with an SMS code (`/hesabim/iban`)."""
    try:
        user = await users.update_profile(db, me, iban=None, address=address, phone=phone)
    except DomainError as exc:
        await db.rollback()
        current = await users.get_user(db, me.user_id)
        return _render(request, "profile", "account/profile.html", {
            "user": current, "error": exc, "form": {"address": address, "phone": phone},
            **await channels.section(request, db, me.user_id)}, status=exc.status)
    return _render(request, "profile", "account/profile.html", {"user": user, "form": None,
                                                                 "notice": "profile.saved",
                                                                 **await channels.section(request, db, me.user_id)})


# --- The refund IBAN, changed only with an SMS code (auction.users.refund_iban) ---------------------------


async def _iban_page(request: Request, db: DbSession, me: PayeeUser, *, change: Any = None, phone_hint: str = "",
                     error: DomainError | None = None, typed: str = "", notice: str | None = None) -> Response:
    user = await users.get_user(db, me.user_id)
    if change is None and error is None:
        change = await refund_iban.open_change(db, me.user_id)
    t = translator(request_lang(request))
    # A party has none of the bidder's tabs (bids, teminat, won lots …): its way back is its files.
    party = me.role == Role.party
    if party and notice == "iban.changed":
        notice = "iban.changed_party"
    return render(request, "account/iban.html", {
        "tab": "profile", "tabs": () if party else TABS, "tab_urls": TAB_URLS, "party": party,
        "user": user, "change": change, "phone_hint": phone_hint, "error": error, "typed": typed, "notice": notice,
        "error_text": error_text(t, error) if error is not None else ""}, status_code=error.status if error else 200,
        headers={"Cache-Control": "no-store"})


@router.get("/iban")
async def iban_page(request: Request, db: DbSession, me: PayeeUser, degisti: str | None = None) -> Response:
    return await _iban_page(request, db, me, notice="iban.changed" if degisti else None)


@router.post("/iban")
async def iban_request(request: Request, db: DbSession, runtime: RuntimeDep, me: PayeeUser,
                       iban: str = Form("", max_length=40)) -> Response:
    try:
        await runtime.limiter.hit("otp", me.user_id)
        req = await refund_iban.request_change(db, me, iban, secret=runtime.settings.resolved_secret_key(),
                                               sms_setting=runtime.settings.sms)
    except DomainError as exc:
        await db.rollback()
        return await _iban_page(request, db, me, error=exc, typed=iban)
    return await _iban_page(request, db, me, change=req.change, phone_hint=req.phone_hint)


@router.post("/iban/{change_id}/onay")
async def iban_confirm(request: Request, change_id: Id, db: DbSession, runtime: RuntimeDep, me: PayeeUser,
                       code: str = Form("", max_length=12)) -> Response:
    await runtime.limiter.hit("otp", me.user_id)
    result = await refund_iban.confirm_change(db, me, change_id, code.strip(),
                                              secret=runtime.settings.resolved_secret_key())
    if result.error is not None:
        # The counted try is committed with this response (never rolled back).
        still_open = result.change if result.change.status == "awaiting_code" else None
        return await _iban_page(request, db, me, change=still_open, error=result.error)
    return RedirectResponse("/hesabim/iban?degisti=1", status_code=303)
