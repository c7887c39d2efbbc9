"""Kesinleşme (A-85; TM-17, TM-19; S-17, S-18).

- TM-17: when the A-80 window runs out with no complaint recorded, `fesih_status` becomes `none`.
- S-17: a paid sale whose window closed without complaint (or whose complaint was rejected) waits in
  `awaiting_finality_check`, because complaints are filed at the court and reach the office later; staff
  are alerted once the OP-25 grace has passed (TM-19, auction/aftersale/timers.py).
- S-18: staff confirm from UYAP that no complaint was filed: the sale is `final` (`sale.finalised`), the
  kesinleşme şerhi is issued and the KDV and damga muhtıra is served on the buyer through his account,
  with its deadline (TM-20, OP-26).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.aftersale import documents, handover
from auction.aftersale.annulment import cancel_open_rounds
from auction.aftersale.fesih import applications_of
from auction.audit import service as audit
from auction.clock import iso_ms
from auction.errors import DomainError
from auction.events import service as events
from auction.money import ZERO, fmt, fmt_tr
from auction.runtime import Runtime
from auction.sales import deadlines, state
from auction.sales import reads as sales
from auction.sales.errors import InvalidTransition
from auction.sales.models import FesihStatus, Sale
from auction.settlement.statement import statement_for
from auction.users.principal import Principal

from .schemas import FinalityConfirm


async def close_window(session: AsyncSession, sale_id: int, now: datetime) -> bool:
    """TM-17 (A-80): no complaint was recorded in the window."""
    try:
        await state.apply(session, sale_id, "fesih_window_closed", now=now)
    except InvalidTransition:
        return False
    audit.record(session, "fesih.window_closed", "sale", sale_id, data={"rule": "TM-17", "at": iso_ms(now)})
    return True


async def to_check(session: AsyncSession, runtime: Runtime, sale_id: int, now: datetime) -> bool:
    """S-17: paid, the window closed (or the complaint rejected): the finality check, alert after TM-19."""
    sale = await sales.get_sale(session, sale_id)
    base = sale.fesih_until if sale.fesih_until is not None and sale.fesih_until > now else now
    if sale.fesih_status == FesihStatus.rejected:
        base = now  # the grace runs from the day the rejection reached the office
    alert_at = deadlines.finality_alert_at(sale, base, runtime.policy)
    try:
        await state.apply(session, sale_id, "window_passed", now=now, values={"finality_alert_at": alert_at})
    except InvalidTransition:
        return False
    audit.record(session, "sale.finality_check", "sale", sale_id, office_id=sale.office_id, data={
        "rule": "S-17", "alert_at": iso_ms(alert_at), "fesih_status": sale.fesih_status})
    return True


async def confirm(session: AsyncSession, runtime: Runtime, actor: Principal, sale_id: int,
                  body: FinalityConfirm) -> Sale:
    """S-18 (`POST /sales/{id}/finality`, staff)."""
    sale = await sales.get_sale_for(session, actor, sale_id)
    now = clock.now()
    tax_due = deadlines.tax_due_at(sale, now, runtime.policy)
    await state.apply(session, sale.id, "finality_confirmed", now=now, values={
        "finalised_at": now, "finalised_by": actor.user_id, "tax_demand_at": now, "tax_due_at": tax_due})
    await session.refresh(sale)
    await cancel_open_rounds(session, sale.id, now)
    st = await statement_for(session, sale, runtime.policy)
    if st is None:
        raise DomainError("Vergiler hesaplanamıyor (T-09: konutun net alanı dosyada yok).", code="taxes_not_computable")
    data = await documents.base_data(session, sale, "kesinlesme_serhi", now)
    rejected = [a for a in await applications_of(session, sale.id) if a.status == "rejected"]
    data["finality"] = {
        "paid_at": documents.local(sale.paid_at), "final_at": documents.local(now),
        "tax_due_at": documents.local(tax_due), "tapu": fmt_tr(st.settlement.tapu_harci_alici)
        if st.settlement.tapu_harci_alici > ZERO else None,
        "fesih_text": ("İhalenin feshi için yapılan şikâyet(ler) kesin olarak reddedilmiştir (" + ", ".join(
            f"{a.court} {a.court_file_no or ''}".strip() + f", kesinleşme {a.final_on:%d.%m.%Y}" for a in rejected
            if a.final_on) + ").") if rejected else
        (f"İhalenin feshi için şikâyet süresi {documents.local(sale.fesih_until)} tarihinde dolmuş; "
         f"UYAP sorgusunda şikâyet bulunmadığı {actor.full_name} tarafından doğrulanmıştır"
         + (f" ({body.note})" if body.note else "") + "."),
    }
    data["taxes"] = [{"label": ln.label, "amount": fmt_tr(ln.amount)} for ln in st.lines
                     if ln.key in ("kdv", "damga", "taxes_due")]
    data["trail"]["rules"] = ["S-18", "A-85", "A-90", "A-91", "OP-25", "OP-26", "TM-20", "T-02", "T-10"]
    data["trail"]["rows"] = sorted({ln.rule for ln in st.lines if ln.key in ("kdv", "damga")}
                                   | {deadlines.sale_policy(sale, runtime.policy, "tax_demand.days").ref})
    data["trail"]["records"].update({"finalised_by": actor.user_id, "tax_due_at": iso_ms(tax_due)})
    await documents.issue(session, sale, "kesinlesme_serhi", f"sale:{sale.id}", data, user_id=sale.winner_user_id,
                          now=now)
    audit.record(session, "sale.finalised", "sale", sale.id, actor=actor, office_id=sale.office_id, data={
        "rule": "S-18", "note": body.note, "kdv": fmt(st.settlement.kdv), "damga": fmt(st.settlement.damga_vergisi),
        "tax_due_at": iso_ms(tax_due)})
    events.emit(session, "sale.finalised", {
        "sale_id": sale.id, "lot_id": sale.lot_id, "buyer_user_id": sale.winner_user_id, "finalised_at": iso_ms(now),
        "price": fmt(st.price), "kdv": fmt(st.settlement.kdv), "damga_vergisi": fmt(st.settlement.damga_vergisi),
        "taxes_due": fmt(st.taxes_due), "tax_due_at": iso_ms(tax_due)}, subject_type="sale", subject_id=sale.id,
        office_id=sale.office_id)
    if st.taxes_due <= ZERO:
        # Nothing to collect (e.g. a mahsup buyer who already paid them): S-19 at once.
        await state.apply(session, sale.id, "taxes_paid", now=now, values={"taxes_paid_at": now})
        await session.refresh(sale)
        await handover.start(session, runtime, sale, now)
    return sale

