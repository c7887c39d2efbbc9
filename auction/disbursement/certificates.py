"""Aciz vesikası (D-45, İİK 143) and rehin açığı belgesi (D-46, İİK 152) as documents, one per creditor the
current version of the sale's cetvel leaves short (the engine's `certificate`, `shortfall` and
`certificate_amount`; OP-35: the aciz vesikası amount includes the tahsil harcı withheld from the
creditor's share). HTML, and PDF through the same WeasyPrint helper as the sale's other documents.

A certificate is the definitive word on a shortfall: it is marked TASLAK (draft) while the figure can
still change — the cetvel not finalised (D-52), or the creditor's line held by an objection (D-53) — and
carries the müdür who finalised the cetvel once it is final for that creditor. Staff read every one of
their office's; a party reads its own creditor's, and the borçlu's side a copy of each (D-45). With a forfeited teminat
(D-60) the sale's run already counts what the teminat paid, so its shortfall is what is left after both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.calendar import local_date
from auction.cases.models import Case
from auction.cases.parties import standing_in
from auction.disbursement import versions
from auction.disbursement.errors import CertificateNotFound
from auction.disbursement.models import Cetvel
from auction.disbursement.views import certificates, party_cetvel, staff_cetvel
from auction.lots.models import Lot
from auction.money import amount_in_words_tr, fmt_tr
from auction.sales.documents import render_pdf as html_to_pdf
from auction.sales.models import Sale
from auction.users.models import Office, Role, User
from auction.users.principal import Principal, requires_role

_TITLE = {"aciz_vesikasi": "Aciz Vesikası", "rehin_acigi_belgesi": "Rehin Açığı Belgesi"}
_BASIS = {"aciz_vesikasi": "İİK m.143", "rehin_acigi_belgesi": "İİK m.152"}


@dataclass(frozen=True)
class Certificate:
    kind: str
    rule: str
    creditor_ref: str
    creditor_name: str
    shortfall: Decimal
    amount: Decimal
    draft: bool
    office_name: str
    file_no: str
    debtor: str
    lot_title: str
    cetvel_no: int
    version: int
    issued_on: date
    mudur_name: str | None

    @property
    def filename(self) -> str:
        return f"{self.kind.replace('_', '-')}-{self.cetvel_no}-{self.creditor_ref}.pdf"


async def _readable(session: AsyncSession, actor: Principal, cetvel_id: int, ref: str) -> Cetvel:
    """Staff: their office's cetvel. A party: a served cetvel of a file it is linked to (404 otherwise), and
    only a certificate its standing reaches — the creditor it is or represents, or any creditor's for the
    borçlu's side, who gets a copy (D-45: "copies to the creditor and the borçlu"; İİK 143). Another
    creditor's certificate is a 404 like every party read of what is not its own."""
    if actor.role != Role.party:
        return await staff_cetvel(session, actor, cetvel_id)
    cetvel = await party_cetvel(session, actor, cetvel_id)
    standing = await standing_in(session, actor, cetvel.case_id)
    if not standing.debtor_side:
        v = await versions.current_version(session, cetvel)
        if v.creditor_ids.get(ref) not in standing.creditor_ids:
            raise CertificateNotFound(details={"distribution_id": cetvel_id, "creditor": ref})
    return cetvel


@requires_role(Role.staff, Role.manager, Role.admin, Role.party)
async def of_creditor(session: AsyncSession, actor: Principal, cetvel_id: int, ref: str) -> Certificate:
    """The certificate due to the creditor `ref` (the case id, `cr12`) under the current version."""
    cetvel = await _readable(session, actor, cetvel_id, ref)
    v = await versions.current_version(session, cetvel)
    found = [c for c in certificates(v.result) if c["creditor_id"] == ref]
    if not found:
        raise CertificateNotFound(details={"distribution_id": cetvel_id, "creditor": ref})
    c = found[0]
    rows = await versions.current_lines(session, cetvel)
    mine = [ln for ln in rows if ln.ref == ref and ln.kind in ("creditor", "harc")]
    final = cetvel.status in ("partly_final", "final", "paid") and all(ln.state in ("final", "paid") for ln in mine)
    office = await session.get(Office, cetvel.office_id)
    case = await session.get(Case, cetvel.case_id)
    sale = await session.get(Sale, cetvel.sale_id)
    lot = await session.get(Lot, sale.lot_id) if sale else None
    mudur = await session.get(User, cetvel.finalised_by) if cetvel.finalised_by else None
    return Certificate(kind=c["kind"], rule=c["rule"], creditor_ref=ref, creditor_name=c["name"],
                       shortfall=Decimal(c["shortfall"]), amount=Decimal(c["amount"]), draft=not final,
                       office_name=office.name if office else "", file_no=case.file_no if case else "",
                       debtor=case.debtor if case else "", lot_title=lot.title if lot else "",
                       cetvel_no=cetvel.id, version=cetvel.version,
                       issued_on=local_date(cetvel.finalised_at) if final and cetvel.finalised_at else
                       local_date(clock.now()),
                       mudur_name=mudur.full_name if mudur and final else None)


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(loader=PackageLoader("auction.disbursement", "templates"),
                       autoescape=select_autoescape(["html"]), undefined=StrictUndefined)


def render_html(c: Certificate) -> str:
    return _env().get_template("certificate.html").render(
        c=c, title=_TITLE[c.kind], basis=_BASIS[c.kind], amount=fmt_tr(c.amount), shortfall=fmt_tr(c.shortfall),
        harc=fmt_tr(c.amount - c.shortfall), words=amount_in_words_tr(c.amount),
        issued_on=c.issued_on.strftime("%d.%m.%Y"))


def render_pdf(c: Certificate) -> bytes:
    """Blocking and CPU-bound: call it in a thread."""
    return html_to_pdf(render_html(c))


def as_json(c: Certificate) -> dict[str, Any]:
    return {"kind": c.kind, "rule": c.rule, "creditor_id": c.creditor_ref, "name": c.creditor_name,
            "shortfall": str(c.shortfall), "amount": str(c.amount), "draft": c.draft}
