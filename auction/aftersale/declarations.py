"""Staff records that change what the buyer owes: the alacağa mahsuben declaration (A-57) and the KDVK
17/4-r bank exemption (T-06, OP-29). Both are audited with who recorded them and why."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.audit import service as audit
from auction.cases.models import Creditor
from auction.errors import Conflict
from auction.sales import reads as sales
from auction.sales.models import Sale, SaleStatus
from auction.settlement.errors import MahsupInvalid
from auction.settlement.models import MahsupDeclaration
from auction.users.models import Role, User
from auction.users.principal import Principal

from .schemas import BuyerTaxStatus, MahsupCreate

# rule: A-57 - the creditor declares the mahsup before the tutanak is posted.
_BEFORE_TUTANAK = frozenset({SaleStatus.announced, SaleStatus.round_open, SaleStatus.round_closed,
                             SaleStatus.extension_scheduled, SaleStatus.awaiting_round2})


async def record_mahsup(session: AsyncSession, actor: Principal, sale_id: int, body: MahsupCreate) -> MahsupDeclaration:
    sale = await sales.get_sale_for(session, actor, sale_id)
    if SaleStatus(sale.status) not in _BEFORE_TUTANAK:
        raise MahsupInvalid("Alacağa mahsuben alım, tutanak ilan edilmeden önce bildirilir (A-57).",
                            code="mahsup_too_late", details={"status": sale.status})
    creditor = await session.get(Creditor, body.creditor_id)
    if creditor is None or creditor.case_id != sale.case_id:
        raise MahsupInvalid("Alacaklı bu dosyaya ait değil.", code="creditor_not_in_case")
    user = await session.get(User, body.user_id)
    if user is None or user.role != Role.bidder:
        raise MahsupInvalid("Teklif veren (bidder) hesabı bulunamadı.", code="bidder_not_found")
    now = clock.now()
    existing = (await session.scalars(select(MahsupDeclaration).where(
        MahsupDeclaration.sale_id == sale.id, MahsupDeclaration.user_id == body.user_id))).first()
    if existing is None:
        existing = MahsupDeclaration(sale_id=sale.id, user_id=body.user_id, created_at=now)
        session.add(existing)
    existing.creditor_id = creditor.id
    existing.recorded_by = actor.user_id
    existing.note = body.note
    existing.updated_at = now
    await session.flush()
    audit.record(session, "mahsup.declared", "sale", sale.id, actor=actor, office_id=sale.office_id, data={
        "user_id": body.user_id, "creditor_id": creditor.id, "note": body.note, "rule": "A-57"})
    return existing


async def set_bank_exemption(session: AsyncSession, actor: Principal, sale_id: int, body: BuyerTaxStatus) -> Sale:
    """T-06: only before the KDV is demanded (S-18)."""
    sale = await sales.get_sale_for(session, actor, sale_id)
    if sale.status not in (SaleStatus.awarded, SaleStatus.awaiting_finality_check):
        raise Conflict("KDV istisnası ihale kesinleşmeden önce belirlenir.", code="invalid_state",
                       details={"status": sale.status})
    before = sale.bank_17_4_r
    sale.bank_17_4_r = body.bank_17_4_r
    sale.updated_at = clock.now()
    audit.record(session, "sale.kdv_17_4_r", "sale", sale.id, actor=actor, office_id=sale.office_id, data={
        "before": before, "after": body.bank_17_4_r, "reason": body.reason, "rule": "T-06", "op": "OP-29"})
    return sale
