"""The documents after the award (Turkish, local time, the law cited in words, and a marked annex with the
machine trail: rule ids, rule rows, record ids and hashes): payment receipt, iptal tutanağı, kesinleşme
şerhi, tapu yazısı, teslim tutanağı, tahliye emri. Each is issued once per subject (an insert keyed on
kind + subject), stored as HTML with its SHA-256; the worker renders its PDF with WeasyPrint."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auction.aftersale.errors import DocumentNotFound
from auction.aftersale.models import SaleDocument
from auction.calendar import to_local
from auction.cases.models import Case
from auction.dbutil import get_one, insert_ignore
from auction.lots.models import Lot, LotKind
from auction.money import fmt_tr
from auction.sales import documents as sale_documents
from auction.sales.models import Sale
from auction.users.models import Office, User
from auction.users.principal import Principal
from auction.users.scope import get_of_office

TITLES = {
    "payment_receipt": "Ödeme makbuzu",
    "iptal_tutanagi": "İhalenin iptali (bozulması) tutanağı",
    "kesinlesme_serhi": "İhalenin kesinleşme şerhi",
    "tapu_yazisi": "Tapu müdürlüğüne tescil ve terkin yazısı",
    "teslim_tutanagi": "Teslim tutanağı",
    "tahliye_emri": "Tahliye emri",
    "durdurma_tutanagi": "Satışın durdurulması (iptali) tutanağı",  # S-02, S-06: auction/desk/cancel.py
}


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(loader=PackageLoader("auction.aftersale", "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    env.globals["money"] = fmt_tr
    env.filters["upper_tr"] = upper_tr
    return env


def upper_tr(text: str) -> str:
    """Turkish capitals: i → İ, ı → I (str.upper() turns "ihale" into "IHALE")."""
    return text.replace("i", "İ").replace("ı", "I").upper()


def local(dt: datetime | None) -> str:
    return to_local(dt).strftime("%d.%m.%Y %H:%M") if dt is not None else "—"


def money(value: Any) -> str:
    return sale_documents.money_or_dash(value)


async def base_data(session: AsyncSession, sale: Sale, kind: str, now: datetime) -> dict[str, Any]:
    """The parts every document shares: office, file, sale, lot, buyer."""
    office = await session.get(Office, sale.office_id)
    case = await session.get(Case, sale.case_id)
    lot = await session.get(Lot, sale.lot_id)
    buyer = await session.get(User, sale.winner_user_id) if sale.winner_user_id else None
    assert office is not None and case is not None and lot is not None
    return {
        "title": TITLES[kind], "issued_at": local(now),
        "office": {"name": office.name, "sales_bureau_name": office.sales_bureau_name or ""},
        "case": {"file_no": case.file_no},
        "sale": {"id": sale.id, "price": money(sale.price),
                 "ihale_date": sale.ihale_date.strftime("%d.%m.%Y") if sale.ihale_date else "—"},
        "lot": {"id": lot.id, "title": lot.title, "kind": lot.kind,
                "kind_text": "taşınmaz" if lot.kind == LotKind.tasinmaz else "taşınır",
                "where": lot.address or lot.location or ", ".join(x for x in (lot.district, lot.province) if x)},
        "buyer": {"name": buyer.full_name if buyer else "—", "user_id": buyer.id if buyer else None},
        "signer_left": "Satış bürosu", "signer_right": "İcra müdürü",
        "trail": {"rules": [], "rows": [], "records": {"sale_id": sale.id, "lot_id": lot.id}, "hashes": {
            "şartname": sale.sartname_hash}},
    }


async def issue(session: AsyncSession, sale: Sale, kind: str, subject_key: str, data: dict[str, Any], *,
                user_id: int | None, now: datetime) -> SaleDocument:
    """Render and store the document once (a second call for the same kind and subject returns the first)."""
    html = _env().get_template(f"{kind}.html").render(d=data)
    digest = sale_documents.sha256_text(html)
    await insert_ignore(session, SaleDocument, {
        "sale_id": sale.id, "office_id": sale.office_id, "user_id": user_id, "kind": kind,
        "subject_key": subject_key, "title": data.get("title", TITLES[kind]), "html": html, "sha256": digest,
        "data": data, "created_at": now}, ["kind", "subject_key"])
    stmt = select(SaleDocument).where(SaleDocument.kind == kind, SaleDocument.subject_key == subject_key)
    return (await session.scalars(stmt.execution_options(populate_existing=True))).one()


async def documents_of(session: AsyncSession, sale_id: int) -> list[SaleDocument]:
    stmt = select(SaleDocument).where(SaleDocument.sale_id == sale_id).order_by(SaleDocument.id)
    return list((await session.scalars(stmt)).all())


async def get_for(session: AsyncSession, actor: Principal, document_id: int) -> SaleDocument:
    """Staff of the office, or the person the document concerns."""
    if actor.is_staff:
        return await get_of_office(session, actor, SaleDocument, document_id, DocumentNotFound, "document_id")
    doc = await get_one(session, SaleDocument, document_id, DocumentNotFound, "document_id")
    if doc.user_id != actor.user_id:
        raise DocumentNotFound(details={"document_id": document_id})
    return doc


async def for_user(session: AsyncSession, user_id: int, sale_id: int | None = None) -> list[SaleDocument]:
    stmt = select(SaleDocument).where(SaleDocument.user_id == user_id).order_by(SaleDocument.id)
    if sale_id is not None:
        stmt = stmt.where(SaleDocument.sale_id == sale_id)
    return list((await session.scalars(stmt)).all())


async def pending_pdfs(session: AsyncSession, limit: int = 5) -> list[SaleDocument]:
    stmt = select(SaleDocument).where(SaleDocument.pdf_key.is_(None)).order_by(SaleDocument.id).limit(limit)
    return list((await session.scalars(stmt)).all())


async def store_pdf(session: AsyncSession, document_id: int, key: str) -> None:
    await session.execute(update(SaleDocument).where(SaleDocument.id == document_id).values(pdf_key=key)
                          .execution_options(synchronize_session=False))
