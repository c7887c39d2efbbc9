"""Demo data after the award (appended to `auction.demo.DEMO_EXTENSIONS` after the engine's own): one lot
in each state after the award, replayed through the real services as of the day each step happened (the
clock is set back, as auction/sales/demo.py does), so every figure, deadline, document, audit row and
event is what the code produces. The two demo bidders get registered phones (the payment code goes there).

| lot | state |
| --- | --- |
| Merter shop (the engine's awarded lot) | paid, final, taxes paid: `handover` (the tapu letter waits to be sent) |
| Bostancı flat | `awarded`, payment due (alici1 can pay it with the SMS code) |
| Ataşehir office | `awarded`, paid, fesih window open |
| Maltepe flat | `awarded`, paid, a fesih complaint pending (price held with nema) |
| Pendik shop | `awaiting_finality_check` |
| Kartal flat | `final`, KDV and damga due (muhtıra) |
| Forklift (taşınır) | `distributing` (delivered; its cetvel pays a haciz creditor in derece 1) |
| Tuzla plot | defaulted in round 1: `awaiting_round2`, the defaulter barred |
| Beykoz villa | `annulled` (the court annulled the ihale; refunds ordered) |

Under ESATIS_RULESET=demo the periods after the close are 60 s, so these move on by themselves within
minutes of the start; under the law ruleset they stay where they are until their legal deadlines.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.aftersale import default, fesih, finality, handover, payments
from auction.aftersale.schemas import FesihCreate, FesihDecision, FinalityConfirm, HandoverCreate
from auction.bidding import service as bidding
from auction.calendar import add_working_days, local_date, local_datetime, next_working_day, utc_ms
from auction.cases import service as cases
from auction.cases.schemas import CaseCreate, CreditorCreate, HacizCreate, InterestPeriodIn
from auction.cases.service import create_case
from auction.deposits import service as deposits
from auction.lots import claims
from auction.lots.models import Lot
from auction.lots.schemas import LotCreate
from auction.lots.service import create_lot
from auction.runtime import Runtime
from auction.sales import outage, state, tutanak
from auction.sales import reads as sales
from auction.sales.demo import _at, _close, _decide, _lot, _principal, _run_opener, without_rate_limits
from auction.sales.models import Round, Sale, Tutanak
from auction.sales.schemas import OutageReview
from auction.settlement.models import PaymentState, SalePayment
from auction.settlement.providers import provider_for
from auction.settlement.statement import statement_for
from auction.users.models import User
from auction.users.principal import Principal

PHONES = {"alici1@esatis.test": "+905320000001", "alici2@esatis.test": "+905320000002"}

_LOTS = [
    LotCreate(kind="tasinmaz", use="konut", title="Bostancı'da deniz manzaralı 2+1 daire (88 m² net)",
              description="Bostancı Mahallesi'nde 2015 yapımı sitede, 3. kat, 88 m² net mesken.",
              appraised_value=Decimal("4200000.00"), appraisal_date=date(2026, 8, 1), province="İstanbul",
              district="Kadıköy", address="Bostancı Mah. Emin Ali Paşa Cad. No: 40 D: 9", ada="2210", parsel="14",
              net_area_m2=Decimal("88"), permit_date=date(2015, 3, 2), appraisal_final=True),
    LotCreate(kind="tasinmaz", use="isyeri", title="Ataşehir'de ofis katı (210 m²)",
              description="Finans merkezine yakın iş merkezinde 7. kat ofis.", appraised_value=Decimal("9800000.00"),
              appraisal_date=date(2026, 7, 15), province="İstanbul", district="Ataşehir",
              address="Barbaros Mah. Halk Cad. No: 8 Kat: 7", ada="3301", parsel="2", net_area_m2=Decimal("210"),
              appraisal_final=True),
    LotCreate(kind="tasinmaz", use="konut", title="Maltepe'de 3+1 daire (120 m² net)",
              description="Cevizli'de 2010 ruhsatlı binada 5. kat.", appraised_value=Decimal("3600000.00"),
              appraisal_date=date(2026, 7, 20), province="İstanbul", district="Maltepe",
              address="Cevizli Mah. Tugay Yolu Cad. No: 12 D: 14", ada="905", parsel="33", net_area_m2=Decimal("120"),
              permit_date=date(2010, 6, 1), appraisal_final=True),
    LotCreate(kind="tasinmaz", use="isyeri", title="Pendik'te cadde üzeri dükkan (75 m²)",
              description="Çarşı içinde zemin kat dükkan.", appraised_value=Decimal("2800000.00"),
              appraisal_date=date(2026, 7, 1), province="İstanbul", district="Pendik",
              address="Batı Mah. Ankara Cad. No: 55", ada="120", parsel="9", net_area_m2=Decimal("75"),
              appraisal_final=True),
    LotCreate(kind="tasinmaz", use="konut", title="Kartal'da 2+1 daire (95 m² net)",
              description="Yakacık'ta 2018 ruhsatlı binada 2. kat. İçinde borçlu oturmaktadır.",
              appraised_value=Decimal("3100000.00"), appraisal_date=date(2026, 6, 20), province="İstanbul",
              district="Kartal", address="Yakacık Mah. Demokrasi Cad. No: 7 D: 4", ada="77", parsel="18",
              net_area_m2=Decimal("95"), permit_date=date(2018, 9, 3), appraisal_final=True),
    LotCreate(kind="tasinir", use="diger", title="2020 model akülü forklift (2,5 ton)",
              description="Çalışır durumda, 3.100 çalışma saatinde.", appraised_value=Decimal("850000.00"),
              appraisal_date=date(2026, 6, 10), province="İstanbul", district="Tuzla", category="İş makinesi",
              serial_no="FL-2020-88412", location="Tuzla Yediemin Deposu", in_custody=True, appraisal_final=True),
    LotCreate(kind="tasinmaz", use="arsa", title="Tuzla'da imarlı arsa (640 m²)",
              description="Konut imarlı, yola cepheli arsa.", appraised_value=Decimal("5200000.00"),
              appraisal_date=date(2026, 7, 5), province="İstanbul", district="Tuzla", ada="410", parsel="6",
              net_area_m2=Decimal("640"), imar="Konut alanı", appraisal_final=True),
    LotCreate(kind="tasinmaz", use="konut", title="Beykoz'da müstakil villa (240 m² net)",
              description="Bahçeli, 3 katlı müstakil villa.", appraised_value=Decimal("14500000.00"),
              appraisal_date=date(2026, 6, 1), province="İstanbul", district="Beykoz",
              address="Kavacık Mah. Orhan Veli Sok. No: 3", ada="55", parsel="41", net_area_m2=Decimal("240"),
              permit_date=date(2012, 4, 4), appraisal_final=True),
]


def _working_day_before(day: date, n: int) -> date:
    return add_working_days(day, -n)


def _during(start: datetime, end: datetime) -> datetime:
    """A moment a third of the way into a period, and never later than now: inside it under both rulesets
    (days or seconds), and already past when the demo starts (a payment period that began yesterday has its
    third ahead; the demo shows the payment as made a second ago rather than in the future, issue 17)."""
    return min(start + (end - start) / 3, max(start, clock.now() - timedelta(seconds=1)))


class _Timeline:
    """When a replayed sale closed and how far apart its steps are. Law ruleset: on working days before
    today, a step minutes after the moment it waits for. Demo ruleset (every period after the close is
    60 s): seconds before now, so the sales are in their states when the server starts and move on by the
    60-second clocks from there."""

    def __init__(self, runtime: Runtime) -> None:
        self.demo = runtime.settings.ruleset == "demo"
        self.now = clock.now()
        self.today = local_date(self.now)
        self.step = timedelta(seconds=1) if self.demo else timedelta(minutes=5)

    def close(self, working_days_ago: int, demo_seconds_ago: int) -> datetime:
        if self.demo:
            return utc_ms(self.now - timedelta(seconds=demo_seconds_ago)).replace(microsecond=0)
        return local_datetime(_working_day_before(self.today, working_days_ago), time(14))

    def posting(self, close: datetime) -> datetime:
        if self.demo:
            return close + timedelta(seconds=10)  # the system posts it itself (tutanak.auto_post_after)
        return local_datetime(next_working_day(local_date(close)), time(10))


async def _sold(session: AsyncSession, runtime: Runtime, tl: _Timeline, staff: Principal, mudur: Principal,
                title: str, close: datetime, winner: Principal, loser: Principal, **sale: object) -> int:
    """Replay a sale whose round 1 closed at `close` and was awarded to `winner`."""
    lot = await _lot(session, title)
    r1s = close - timedelta(days=7)
    with _at(r1s - timedelta(days=16)):
        sale_id = await _decide(session, runtime, staff, lot, r1s, **sale)
    if tl.demo:
        # The demo round ends when this replay says, not 7 days later (the demo ruleset allows any end).
        await session.execute(update(Round).where(Round.sale_id == sale_id, Round.number == 1).values(
            scheduled_end=close, ends_at=close, window_start=close - timedelta(seconds=20),
            first_extension_end=close + timedelta(seconds=5), cap_at=close + timedelta(seconds=60)))
    with _at(r1s + timedelta(hours=1)) as mc:
        await _run_opener(session, runtime)
        for bidder in (winner, loser):
            await deposits.create_deposit(session, runtime, bidder, lot.id)
        s = await sales.get_sale(session, sale_id)
        mc.advance(hours=3)
        await bidding.place_bid(session, runtime, loser, lot.id, s.opening_price)
        mc.advance(hours=2)
        await bidding.place_bid(session, runtime, winner, lot.id, s.opening_price + 2 * s.min_increment)
    with _at(close + timedelta(seconds=1)):
        await _close(session, runtime, sale_id)
    with _at(tl.posting(close)):
        await outage.review(session, runtime, mudur, sale_id, OutageReview())
        await tutanak.post_tutanak(session, runtime, mudur, sale_id)
    return sale_id


async def _pay(session: AsyncSession, runtime: Runtime, sale_id: int, when: datetime,
               amount: Decimal | None = None) -> datetime:
    """A payment as it would have been received (the SMS code step is the buyer's at run time)."""
    with _at(when) as mc:
        sale = await sales.get_sale(session, sale_id)
        st = await statement_for(session, sale, runtime.policy)
        assert st is not None and st.phase != "none"
        due = st.due_now if amount is None else amount
        guard = "payment_received" if st.phase == "price" else "taxes_paid"
        assert await state.lock_if(session, sale.id, guard, now=mc.now()), (sale_id, guard, when)
        assert sale.winner_user_id is not None
        p = SalePayment(sale_id=sale.id, office_id=sale.office_id, user_id=sale.winner_user_id, purpose=st.phase,
                        amount=due, status=PaymentState.awaiting_code.value,
                        provider=provider_for(runtime.settings).name, reference=payments._reference(),
                        payment={"demo": "replayed"}, code_confirmed_at=mc.now(), created_at=mc.now(),
                        updated_at=mc.now())
        session.add(p)
        await session.flush()
        await payments.receive(session, runtime, sale, p, mc.now())
    return when


async def _pay_price(session: AsyncSession, runtime: Runtime, tl: _Timeline, sale_id: int,
                     amount: Decimal | None = None) -> datetime:
    s = await sales.get_sale(session, sale_id)
    assert s.payment_due_at is not None
    return await _pay(session, runtime, sale_id, _during(await _posted_at(session, sale_id), s.payment_due_at), amount)


async def _posted_at(session: AsyncSession, sale_id: int) -> datetime:
    posted = await session.scalar(select(Tutanak.posted_at).where(Tutanak.sale_id == sale_id,
                                                                  Tutanak.posted_at.is_not(None)))
    assert posted is not None
    return posted


async def _to_finality_check(session: AsyncSession, runtime: Runtime, tl: _Timeline, sale_id: int,
                             paid_at: datetime) -> datetime:
    s = await sales.get_sale(session, sale_id)
    assert s.fesih_until is not None
    when = max(s.fesih_until, paid_at) + tl.step
    with _at(when) as mc:
        await finality.close_window(session, sale_id, mc.now())
        await finality.to_check(session, runtime, sale_id, mc.now())
    return when


async def _finalise(session: AsyncSession, runtime: Runtime, tl: _Timeline, staff: Principal, sale_id: int,
                    checked_at: datetime, *, recent: bool = False) -> datetime:
    """S-18 a third into the grace (or, `recent`, yesterday under the law ruleset: the muhtıra still runs)."""
    s = await sales.get_sale(session, sale_id)
    assert s.finality_alert_at is not None
    when = _during(checked_at, s.finality_alert_at)
    if recent and not tl.demo:
        when = max(when, local_datetime(_working_day_before(tl.today, 1), time(11)))
    with _at(when):
        await finality.confirm(session, runtime, staff, sale_id, FinalityConfirm(note="UYAP sorgusu: şikâyet yok"))
    return when


async def _pay_taxes(session: AsyncSession, runtime: Runtime, sale_id: int, finalised_at: datetime) -> datetime:
    s = await sales.get_sale(session, sale_id)
    assert s.tax_due_at is not None
    return await _pay(session, runtime, sale_id, _during(finalised_at, s.tax_due_at))


async def load_demo_aftersale(session: AsyncSession, runtime: Runtime, staff: Principal) -> None:
    with without_rate_limits(runtime):
        await _load(session, runtime, staff)


async def _haciz_creditor(session: AsyncSession, staff: Principal, lot: Lot) -> None:
    """A creditor of the file with an executive haciz on `lot`, its claim at the kanuni faiz since the takip."""
    today = local_date(clock.now())
    creditor = await cases.add_creditor(session, staff, lot.case_id, CreditorCreate(
        name="Anadolu Yedek Parça A.Ş.", kind="haciz", claim_total=Decimal("272500.00")))
    await claims.add_haciz(session, staff, lot.id, HacizCreate(
        creditor_id=creditor.id, kind="haciz", haciz_date=today - timedelta(days=250),
        takip_date=today - timedelta(days=280), principal=Decimal("250000.00"), costs=Decimal("4500.00"),
        vekalet_ucreti=Decimal("18000.00"),
        interest=[InterestPeriodIn(start=today - timedelta(days=280), rate="kanuni")]))


async def _load(session: AsyncSession, runtime: Runtime, staff: Principal) -> None:
    for email, phone in PHONES.items():
        await session.execute(update(User).where(User.email == email).values(phone=phone))
    mudur = await _principal(session, "mudur@esatis.test")
    a1 = await _principal(session, "alici1@esatis.test")
    a2 = await _principal(session, "alici2@esatis.test")
    case = await create_case(session, staff, CaseCreate(file_no="2026/3307 Esas", debtor="Kaan Aydın",
                                                        takip_type="haciz"))
    for lot_data in _LOTS:
        await create_lot(session, staff, case.id, lot_data)
    tl = _Timeline(runtime)
    costs = {"c_amount": Decimal("21500.00")}

    # The engine's Merter shop (awarded earlier; law ruleset only — under demo its 60-second payment period
    # ran out long ago and the aftersale worker handles it as a default): paid, final, taxes paid.
    shop = await session.scalar(select(Sale.id).where(Sale.status == "awarded").order_by(Sale.id).limit(1))
    if shop is not None and not tl.demo:
        s = await sales.get_sale(session, shop)
        assert s.payment_due_at is not None
        paid = await _pay(session, runtime, shop, s.payment_due_at - timedelta(days=5))
        checked = await _to_finality_check(session, runtime, tl, shop, paid)
        finalised = await _finalise(session, runtime, tl, staff, shop, checked)
        await _pay_taxes(session, runtime, shop, finalised)

    # Bostancı: awarded, payment due (alici1 pays it with the SMS code).
    await _sold(session, runtime, tl, staff, mudur, "Bostancı", tl.close(2, 15), a1, a2, kdv_rate=Decimal("0.01"),
                **costs)

    # Ataşehir: awarded, paid in full, fesih window still open.
    sid = await _sold(session, runtime, tl, staff, mudur, "Ataşehir", tl.close(3, 30), a2, a1,
                      kdv_rate=Decimal("0.20"), **costs)
    await _pay_price(session, runtime, tl, sid)

    # Maltepe: awarded, paid, a complaint recorded (the price held with nema, A-83).
    sid = await _sold(session, runtime, tl, staff, mudur, "Maltepe", tl.close(5, 40), a1, a2, **costs)
    paid = await _pay_price(session, runtime, tl, sid)
    s = await sales.get_sale(session, sid)
    assert s.fesih_until is not None
    filed = min(_during(paid, s.fesih_until), s.fesih_until - timedelta(seconds=1))
    with _at(max(filed, paid + tl.step)):
        await fesih.record(session, runtime, staff, sid, FesihCreate(
            applicant_name="Teklif 1 (ihaleye katılan)", applicant_kind="teklif_veren", filed_at=filed,
            court="İstanbul Anadolu 4. İcra Hukuk Mahkemesi", court_file_no="2026/611 Esas",
            harc_paid=Decimal("61488.00"), teminat_paid=Decimal("90000.00")))

    # Pendik: paid, window closed, waiting for the finality check.
    sid = await _sold(session, runtime, tl, staff, mudur, "Pendik", tl.close(12, 80), a2, a1,
                      kdv_rate=Decimal("0.20"), **costs)
    paid = await _pay_price(session, runtime, tl, sid)
    await _to_finality_check(session, runtime, tl, sid, paid)

    # Kartal: final, the KDV and damga muhtıra running.
    sid = await _sold(session, runtime, tl, staff, mudur, "Kartal", tl.close(14, 90), a1, a2, **costs)
    paid = await _pay_price(session, runtime, tl, sid)
    checked = await _to_finality_check(session, runtime, tl, sid, paid)
    await _finalise(session, runtime, tl, staff, sid, checked, recent=True)

    # Forklift (taşınır): delivered → distributing.
    sid = await _sold(session, runtime, tl, staff, mudur, "2020 model akülü forklift", tl.close(22, 140), a2, a1,
                      kdv_rate=Decimal("0.20"), c_amount=Decimal("8400.00"))
    paid = await _pay_price(session, runtime, tl, sid)
    checked = await _to_finality_check(session, runtime, tl, sid, paid)
    finalised = await _finalise(session, runtime, tl, staff, sid, checked)
    taxed = await _pay_taxes(session, runtime, sid, finalised)
    with _at(taxed + tl.step):
        # The file's haciz creditor on the forklift, so the cetvel built at handover shows a haciz derece.
        await _haciz_creditor(session, staff, await _lot(session, "2020 model akülü forklift"))
        await handover.record(session, runtime, staff, sid, HandoverCreate(mode="delivered"))

    # Tuzla: round 1 awarded to alici2, part paid, not paid in full: default (S-13), round 2 on its dates.
    sid = await _sold(session, runtime, tl, staff, mudur, "Tuzla'da imarlı", tl.close(11, 100), a2, a1,
                      kdv_rate=Decimal("0.20"), **costs)
    await _pay_price(session, runtime, tl, sid, amount=Decimal("400000.00"))
    s = await sales.get_sale(session, sid)
    assert s.payment_due_at is not None
    with _at(s.payment_due_at + tl.step) as mc:
        await default.default(session, runtime, sid, mc.now())

    # Beykoz: paid; the court annulled the ihale on the borçlu's complaint: everything back to the buyer.
    sid = await _sold(session, runtime, tl, staff, mudur, "Beykoz", tl.close(30, 120), a1, a2, **costs)
    s = await sales.get_sale(session, sid)
    assert s.fesih_until is not None
    posted = await _posted_at(session, sid)
    filed = min(posted, s.fesih_until - timedelta(seconds=1))
    with _at(max(filed, posted) + tl.step):
        app = await fesih.record(session, runtime, staff, sid, FesihCreate(
            applicant_name="Kaan Aydın (borçlu)", applicant_kind="borclu", filed_at=filed,
            court="İstanbul Anadolu 2. İcra Hukuk Mahkemesi", court_file_no="2026/540 Esas",
            note="İlan borçluya tebliğ edilmemiş."))
    paid = await _pay_price(session, runtime, tl, sid)
    recorded = paid + tl.step * 3 if tl.demo else local_datetime(_working_day_before(tl.today, 1), time(12))
    final_on = local_date(recorded)
    with _at(recorded):
        await fesih.decide(session, runtime, mudur, app.id, FesihDecision(
            outcome="annulled", decided_on=final_on - timedelta(days=0 if tl.demo else 8), final_on=final_on,
            nema_amount=Decimal("18240.55"), note="Satış ilanı borçluya tebliğ edilmemiştir (İİK 127)."))
