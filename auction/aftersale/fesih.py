"""İhalenin feshi (S-14 … S-16; A-80 … A-85, T-31, TM-17, TM-18).

The complaint is filed at the icra mahkemesi; the office records what the court reports: the applicant,
when it was filed, and — for an applicant other than the creditor, the borçlu, the registered ilgililer
and the holders of limited real rights (in practice a bidder) — the nispi harç (half up front) and the
5 % teminat (A-82). Recording the first complaint blocks kesinleşme (S-14) and moves the price, paid or
still to come, to a nema account (A-83). When the decision is final the office records it: rejected
(S-15: the sale goes on to the finality check) or annulled (S-16: everything goes back to the buyer,
with the nema the bank reports).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.aftersale.annulment import annul
from auction.aftersale.errors import FesihInvalid, FesihNotFound, FesihOutOfTime
from auction.aftersale.models import FesihApplication
from auction.audit import service as audit
from auction.calendar import add_months, local_date, local_datetime, period_end, to_local
from auction.clock import iso_ms
from auction.events import service as events
from auction.money import ZERO, fmt, round_half_up
from auction.rules.table import RuleError, rulebook
from auction.runtime import Runtime
from auction.sales import reads as sales
from auction.sales import state
from auction.sales.deadlines import sale_policy
from auction.sales.errors import ManagerRequired
from auction.sales.models import FesihStatus, Sale, SaleStatus, Tutanak
from auction.settlement.models import PaymentState, SalePayment
from auction.users.models import Role
from auction.users.principal import Principal, requires_role

from .schemas import FesihCreate, FesihDecision

# who may complain without harç and teminat; everyone else pays them (T-31). Since 7571 an
# application by someone outside İİK 134/2's list is dismissed on the file; the office still records it
# (the sale waits for the court either way).
ENTITLED = frozenset({"alacakli", "borclu", "tapu_ilgilisi", "sinirli_ayni_hak"})
OUTSIDE = frozenset({"teklif_veren", "diger"})


def outside_costs(price: Decimal, harc_rate: Decimal, upfront_share: Decimal,
                  teminat_rate: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """A-82 / T-31 (pure): the nispi harç on the ihale bedeli, the part paid up front, and the teminat;
    each rounded half up to the kuruş once, where it is computed (G-07)."""
    harc = round_half_up(price * harc_rate)
    return harc, round_half_up(harc * upfront_share), round_half_up(price * teminat_rate)


async def _posting(session: AsyncSession, sale: Sale) -> datetime | None:
    return await session.scalar(select(Tutanak.posted_at).where(Tutanak.sale_id == sale.id,
                                                                Tutanak.posted_at.is_not(None))
                                .order_by(Tutanak.posted_at.desc()).limit(1))


async def _in_time(session: AsyncSession, runtime: Runtime, sale: Sale, body: FesihCreate, filed_at: datetime) -> str:
    """Which rule admits the complaint (A-80 in the window, A-81 late), or FesihOutOfTime."""
    assert sale.fesih_until is not None
    if filed_at <= sale.fesih_until:
        return "A-80"
    if not body.late or body.learned_on is None:
        raise FesihOutOfTime(details={"fesih_until": iso_ms(sale.fesih_until), "filed_at": iso_ms(filed_at)})
    # rule: A-81 - 7 days from learning, never beyond one year from the posting of the ihale (TM-18).
    posted = await _posting(session, sale)
    assert posted is not None
    months = rulebook().row("fesih.late_outer_limit_months", local_date(posted)).integer()
    outer = local_datetime(add_months(local_date(posted), months), to_local(posted).time().replace(tzinfo=None))
    days = rulebook().row("fesih.window_days", body.learned_on).integer()
    from_learning = period_end(body.learned_on, days=days, policy=runtime.policy)
    if filed_at > from_learning or filed_at > outer:
        raise FesihOutOfTime(details={"from_learning_until": iso_ms(from_learning), "outer_limit": iso_ms(outer),
                                      "filed_at": iso_ms(filed_at)})
    return "A-81"


async def record(session: AsyncSession, runtime: Runtime, actor: Principal, sale_id: int,
                 body: FesihCreate) -> FesihApplication:
    sale = await sales.get_sale_for(session, actor, sale_id)
    if sale.status not in (SaleStatus.awarded, SaleStatus.awaiting_finality_check) or sale.price is None:
        raise FesihInvalid("İhalenin feshi şikâyeti yalnızca ihale kesinleşmeden kaydedilebilir.",
                           details={"status": sale.status})
    now = clock.now()
    filed_at = body.filed_at or now
    if filed_at > now + timedelta(minutes=5):
        raise FesihInvalid("Şikâyet tarihi gelecekte olamaz.", details={"filed_at": iso_ms(filed_at)})
    if sale.ihale_date is not None and local_date(filed_at) < sale.ihale_date:
        raise FesihInvalid("Şikâyet tarihi ihale tarihinden önce olamaz.", code="filed_at_before_ihale",
                           details={"filed_at": iso_ms(filed_at), "ihale_date": sale.ihale_date.isoformat()})
    if body.late and body.learned_on is None:
        raise FesihInvalid("Geç öğrenilen sebepte öğrenme tarihi yazılmalıdır (İİK 134).", code="learned_on_required")
    if body.learned_on is not None and (body.learned_on > local_date(filed_at) or (
            sale.ihale_date is not None and body.learned_on < sale.ihale_date)):
        raise FesihInvalid("Öğrenme tarihi ihale ile şikâyet tarihleri arasında olmalıdır.", code="learned_on_invalid",
                           details={"learned_on": body.learned_on.isoformat()})
    basis = await _in_time(session, runtime, sale, body, filed_at)
    rules: dict[str, object] = {"admitted_by": basis}
    harc_total = harc_upfront = teminat_due = None
    if body.applicant_kind in OUTSIDE:
        # rule: A-82 / T-31 - nispi harç on the ihale bedeli, half up front; teminat 5 % of it.
        # UNCERTAIN(OP-23): `fesih.harc_rate` = binde 68,31.
        on = local_date(filed_at)
        rate = sale_policy(sale, runtime.policy, "fesih.harc_rate")
        half = rulebook().row("fesih.harc_upfront_share", on)
        tem = rulebook().row("fesih.outside_teminat_rate", on)
        harc_total, harc_upfront, teminat_due = outside_costs(sale.price, Decimal(str(rate.value)), half.decimal(),
                                                              tem.decimal())
        rules.update({"harc_rate": rate.ref, "harc_upfront": half.ref, "teminat_rate": tem.ref})
        if (body.harc_paid is not None and body.harc_paid < harc_upfront) or (
                body.teminat_paid is not None and body.teminat_paid < teminat_due):
            # rule: A-82 - since 7571 the court gives a final period to complete them, then dismisses: the
            # shortfall is recorded, never refused here. Before 7571 there is no such period (no row).
            try:
                cure = rulebook().row("fesih.cure_period_days", on)
                rules["short"] = (f"harç ya da teminat eksik: mahkeme {cure.integer()} günlük kesin süre verir "
                                  "(İİK 134/3)")
                rules["cure_period"] = cure.ref
            except RuleError:
                rules["short"] = "harç ya da teminat eksik (İİK 134/3)"
    app = FesihApplication(
        sale_id=sale.id, office_id=sale.office_id, applicant_name=body.applicant_name,
        applicant_kind=body.applicant_kind, filed_on=local_date(filed_at), learned_on=body.learned_on,
        late=basis == "A-81",
        court=body.court, court_file_no=body.court_file_no, harc_total=harc_total, harc_upfront=harc_upfront,
        teminat_due=teminat_due, harc_paid=body.harc_paid, teminat_paid=body.teminat_paid, status="pending",
        rules=rules, recorded_by=actor.user_id, note=body.note, created_at=now, updated_at=now)
    session.add(app)
    await session.flush()
    if sale.fesih_status in (FesihStatus.window, FesihStatus.none):
        await state.apply(session, sale.id, "fesih_recorded", now=now)  # S-14
        # rule: A-83 - the price is kept in a bank account earning nema until the decision is final.
        await session.execute(update(SalePayment).where(
            SalePayment.sale_id == sale.id, SalePayment.purpose == "price",
            SalePayment.status == PaymentState.received.value).values(nema=True, updated_at=now)
            .execution_options(synchronize_session=False))
    audit.record(session, "fesih.recorded", "sale", sale.id, actor=actor, office_id=sale.office_id, data={
        "application_id": app.id, "applicant_kind": app.applicant_kind, "filed_on": app.filed_on.isoformat(),
        "basis": basis, "harc_total": fmt(harc_total) if harc_total is not None else None,
        "teminat_due": fmt(teminat_due) if teminat_due is not None else None, "rule": "S-14"})
    events.emit(session, "sale.fesih", {"sale_id": sale.id, "lot_id": sale.lot_id, "action": "recorded",
                                        "application_id": app.id, "buyer_user_id": sale.winner_user_id},
                subject_type="sale", subject_id=sale.id, office_id=sale.office_id)
    return app


async def applications_of(session: AsyncSession, sale_id: int) -> list[FesihApplication]:
    stmt = select(FesihApplication).where(FesihApplication.sale_id == sale_id).order_by(FesihApplication.id)
    return list((await session.scalars(stmt)).all())


@requires_role(Role.manager, Role.admin, error=ManagerRequired)
async def decide(session: AsyncSession, runtime: Runtime, actor: Principal, application_id: int,
                 body: FesihDecision) -> FesihApplication:
    """Record the court's final decision on one complaint (S-15 when no other is pending, S-16)."""
    app = await session.get(FesihApplication, application_id)
    if app is None:
        raise FesihNotFound(details={"application_id": application_id})
    sale = await sales.get_sale_for(session, actor, app.sale_id)
    if app.status != "pending":
        raise FesihInvalid("Bu başvuru için karar zaten kaydedildi.", code="fesih_decided",
                           details={"status": app.status})
    if body.final_on < body.decided_on:
        raise FesihInvalid("Kesinleşme tarihi karar tarihinden önce olamaz.", code="fesih_dates")
    now = clock.now()
    app.status = body.outcome
    app.decided_on = body.decided_on
    app.final_on = body.final_on
    app.fine_amount = body.fine_amount
    app.nema_amount = body.nema_amount
    app.decided_by = actor.user_id
    app.note = "\n".join(x for x in (app.note, body.note) if x) or None
    app.updated_at = now
    await session.flush()
    nema = body.nema_amount or ZERO
    if body.outcome == "annulled":
        # rule: A-83 / S-16 - the price with its nema and the teminat go back to the buyer.
        await annul(session, sale, event="fesih_annulled", reason="annulled_fesih", actor=actor, now=now, nema=nema,
                    note=body.note)
    else:
        others = await session.scalar(select(FesihApplication.id).where(
            FesihApplication.sale_id == sale.id, FesihApplication.status == "pending").limit(1))
        if others is None:
            await state.apply(session, sale.id, "fesih_rejected", now=now)  # S-15
    audit.record(session, "fesih.decided", "sale", sale.id, actor=actor, office_id=sale.office_id, data={
        "application_id": app.id, "outcome": body.outcome, "final_on": body.final_on.isoformat(),
        "nema": fmt(nema), "fine": fmt(body.fine_amount) if body.fine_amount is not None else None,
        "rule": "S-16" if body.outcome == "annulled" else "S-15"})
    events.emit(session, "sale.fesih", {"sale_id": sale.id, "lot_id": sale.lot_id, "action": body.outcome,
                                        "application_id": app.id, "buyer_user_id": sale.winner_user_id},
                subject_type="sale", subject_id=sale.id, office_id=sale.office_id)
    return app
