"""The lot's papers for people: the satış ilanı (A-23) and the artırma şartnamesi (A-20) as documents a
bidder downloads and prints, in Turkish, in Türkiye time, the law cited in words.

The şartname is exactly the text the sale decision fixed (`Sale.sartname_html`, the one a bidder
accepts, A-24) inside a printable page; its SHA-256 goes in the annex so the printed copy can be checked
against the one on the portal. The ilan is built from the same records the lot page shows (the lot, the
sale's figures and its rounds); the rule rows behind the figures go in the annex, never in the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.aftersale import payments
from auction.bidder import account
from auction.bidder.errors import StatementUnavailable
from auction.bidder.won import default_of
from auction.bidding import service as bidding
from auction.calendar import format_local, to_local
from auction.cases.models import Case
from auction.lots import service as lots
from auction.lots.models import Lot
from auction.money import amount_in_words_tr, fmt_tr
from auction.rules.policy import Policy
from auction.sales import documents, reads
from auction.sales.models import Round, Sale
from auction.settlement.statement import statement_for
from auction.users.models import Office
from auction.users.principal import Principal


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(loader=PackageLoader("auction.bidder", "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    env.globals["money"] = fmt_tr
    env.globals["local"] = lambda dt: format_local(dt) if dt is not None else "—"
    return env


def render(template: str, **context: Any) -> str:
    return _env().get_template(template).render(**context)


@dataclass(frozen=True)
class LotPapers:
    lot: Lot
    sale: Sale
    rounds: list[Round]
    office: Office
    case: Case


async def _load(session: AsyncSession, lot_id: int) -> LotPapers:
    lot = await lots.get_lot(session, lot_id)
    sale = await reads.require_sale_of_lot(session, lot_id)  # 404 while there is no published sale
    office = await session.get(Office, lot.office_id)
    case = await session.get(Case, lot.case_id)
    assert office is not None and case is not None
    return LotPapers(lot=lot, sale=sale, rounds=await reads.rounds_of(session, sale.id), office=office, case=case)


def _rule_rows(sale: Sale) -> list[str]:
    return sorted({str(v.get("ref")) for v in sale.rules.values() if isinstance(v, dict) and v.get("ref")})


async def ilan_html(session: AsyncSession, lot_id: int, *, public_url: str) -> str:
    """The satış ilanı of the lot's current sale (A-23)."""
    p = await _load(session, lot_id)
    snap = reads.snapshot_of(p.sale)
    window = p.rounds[0].ext_window_s if p.rounds else None
    kdv = documents.percent_tr(p.sale.kdv_rate) if p.sale.kdv_rate is not None else "satış bürosunca bildirilecek"
    return render(
        "ilan.html", title="Satış ilanı", lot=p.lot, sale=p.sale, rounds=p.rounds, office=p.office,
        file_no=p.case.file_no, issued_at=format_local(clock.now()),
        area=documents.number_tr(p.lot.net_area_m2) if p.lot.net_area_m2 else None, kdv=kdv,
        teminat_percent=documents.percent_tr(snap.decimal("auction.teminat.rate")),
        payment_days=snap.integer("payment.deadline_days"),
        window=documents.window_text(window) if window is not None else "—",
        lot_url=f"{public_url.rstrip('/')}/lots/{p.lot.id}",
        annex=[f"Satış kararının kural satırları: {', '.join(_rule_rows(p.sale))}",
               f"Şartname özeti (SHA-256): {p.sale.sartname_hash}"])


async def sartname_html(session: AsyncSession, lot_id: int) -> str:
    """The şartname the sale decision fixed, on a printable page, with its hash in the annex."""
    p = await _load(session, lot_id)
    return render(
        "sartname_paper.html", title="Artırma şartnamesi", sale=p.sale, office=p.office, file_no=p.case.file_no,
        issued_at=format_local(clock.now()),
        sartname=Markup(p.sale.sartname_html),  # noqa: S704 - rendered by our own template at the decision
        annex=[f"Bu şartname satış kararıyla {format_local(p.sale.created_at)} tarihinde düzenlenmiştir; "
               f"portaldaki metnin özeti (SHA-256): {p.sale.sartname_hash}"])


async def bid_receipt_html(session: AsyncSession, viewer: Principal, bid_id: int) -> str:
    """One of the viewer's bids as a receipt for people (his own, else 404): what he offered, for what,
    when, in words; the hash chain that proves the bid was recorded goes in the annex."""
    r = await bidding.receipt(session, viewer, bid_id)
    lot = await lots.get_lot(session, r["lot_id"])
    office = await session.get(Office, lot.office_id)
    case = await session.get(Case, lot.case_id)
    assert office is not None and case is not None
    at = to_local(r["at"])
    return render(
        "bid_receipt.html", title="Teklif makbuzu", r=r, lot=lot, office=office, file_no=case.file_no, sale=None,
        issued_at=format_local(clock.now()), day=at.strftime("%d.%m.%Y"), time=at.strftime("%H:%M:%S"),
        words=amount_in_words_tr(r["amount"]),
        annex=[f"Sunucu zamanı (UTC): {clock.iso_ms(r['at'])}",
               f"Bu teklifin özeti (SHA-256): {r['hash']}",
               f"Önceki teklifin özeti: {r['prev_hash']}",
               f"Özet şöyle hesaplanır: {r['algorithm']}. Her teklif bir öncekine bağlı olduğundan kayıtlı bir "
               "teklif değiştirilir, silinir ya da sırası bozulursa sonraki bütün özetler tutmaz."])


async def statement_html(session: AsyncSession, policy: Policy, viewer: Principal, sale_id: int) -> str:
    """What the buyer of a won lot owes and has paid (the settlement statement, T-01), for people: the
    lines in Turkish, the deadline in Türkiye time; the rule of each line in the annex."""
    won = await account.my_won_sale(session, policy, viewer.user_id, sale_id)  # his own, else not found
    st = await statement_for(session, won.sale, policy)
    if st is None:
        raise StatementUnavailable(details={"sale_id": sale_id})
    mine = await payments.payments_of(session, won.sale.id, viewer.user_id)
    return render(
        "statement.html", title="Ödeme hesabı", st=st, lot=won.lot, office=won.office, file_no=won.file_no,
        sale=won.sale, issued_at=format_local(clock.now()),
        default=await default_of(session, won.sale, viewer.user_id, mine),
        # The machine trail: each line's rule ids and rule rows (and a payment's reference), one a line.
        annex=[f"{line.label}: {line.rule}" for line in st.lines])


async def pdf_of(html: str) -> bytes:
    """HTML → PDF in the renderer process (WeasyPrint is CPU-bound)."""
    return await documents.render_pdf_apart(html)
