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
| Forklift (taşınır) | `distributing` (delivered) |
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
from auction.calendar import add_working_days, local_date, local_datetime, next_working_day
from auction.cases.schemas import CaseCreate
from auction.cases.service import create_case
from auction.deposits import service as deposits
from auction.lots.schemas import LotCreate
from auction.lots.service import create_lot
from auction.runtime import Runtime
from auction.sales import outage, state
from auction.sales import service as sales
from auction.sales.demo import _at, _close, _decide, _lot, _principal, _run_opener
from auction.sales.models import Sale
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


def _close_on(day: date) -> datetime:
    return local_datetime(day, time(14))


async def _sold(session: AsyncSession, runtime: Runtime, staff: Principal, mudur: Principal, title: str,
                close: datetime, winner: Principal, loser: Principal, **sale: object) -> int:
    """Replay a sale whose round 1 closed at `close` and was awarded to `winner` (posted the next working
    day at 10:00)."""
    lot = await _lot(session, title)
    r1s = close - timedelta(days=7)
    with _at(r1s - timedelta(days=16)):
        sale_id = await _decide(session, runtime, staff, lot, r1s, **sale)
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
    posted = local_datetime(next_working_day(local_date(close)), time(10))
    with _at(posted):
        await outage.review(session, runtime, mudur, sale_id, OutageReview())
        await sales.post_tutanak(session, runtime, mudur, sale_id)
    return sale_id


async def _pay(session: AsyncSession, runtime: Runtime, sale_id: int, when: datetime,
               amount: Decimal | None = None) -> None:
    """A payment as it would have been received (the SMS code step is the buyer's at run time)."""
    with _at(when) as mc:
        sale = await sales.get_sale(session, sale_id)
        st = await statement_for(session, sale, runtime.policy)
        assert st is not None and st.phase != "none"
        due = st.due_now if amount is None else amount
        guard = "payment_received" if st.phase == "price" else "taxes_paid"
        assert await state.lock_if(session, sale.id, guard, now=mc.now())
        assert sale.winner_user_id is not None
        p = SalePayment(sale_id=sale.id, office_id=sale.office_id, user_id=sale.winner_user_id, purpose=st.phase,
                        amount=due, status=PaymentState.awaiting_code.value,
                        provider=provider_for(runtime.settings).name, reference=payments._reference(),
                        payment={"demo": "replayed"}, code_confirmed_at=mc.now(), created_at=mc.now(),
                        updated_at=mc.now())
        session.add(p)
        await session.flush()
        await payments.receive(session, runtime, sale, p, mc.now())


async def _run_timers(session: AsyncSession, runtime: Runtime, sale_id: int, when: datetime) -> None:
    with _at(when) as mc:
        await finality.close_window(session, sale_id, mc.now())
        await finality.to_check(session, runtime, sale_id, mc.now())


async def load_demo_aftersale(session: AsyncSession, runtime: Runtime, staff: Principal) -> None:
    enabled = runtime.limiter.enabled
    runtime.limiter.enabled = False
    try:
        await _load(session, runtime, staff)
    finally:
        runtime.limiter.enabled = enabled


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
    today = local_date(clock.now())
    costs = {"c_amount": Decimal("21500.00")}

    # The engine's Merter shop (awarded 17 days ago): paid, final, taxes paid → handover.
    shop = await session.scalar(select(Sale.id).where(Sale.status == "awarded").order_by(Sale.id).limit(1))
    if shop is not None:
        s = await sales.get_sale(session, shop)
        assert s.payment_due_at is not None and s.fesih_until is not None
        await _pay(session, runtime, shop, s.payment_due_at - timedelta(days=5))
        check_at = s.fesih_until + timedelta(minutes=5)
        await _run_timers(session, runtime, shop, check_at)
        with _at(local_datetime(add_working_days(local_date(check_at), 1), time(11))):
            await finality.confirm(session, runtime, staff, shop, FinalityConfirm(note="UYAP sorgusu: şikâyet yok"))
        s = await sales.get_sale(session, shop)
        assert s.tax_due_at is not None
        await _pay(session, runtime, shop, s.tax_due_at - timedelta(days=3))

    # Bostancı: awarded yesterday-ish, payment due (alici1 pays with the code at run time).
    d = _working_day_before(today, 1)
    await _sold(session, runtime, staff, mudur, "Bostancı", _close_on(d), a1, a2, kdv_rate=Decimal("0.01"), **costs)

    # Ataşehir: awarded, paid in full, fesih window still open.
    d = _working_day_before(today, 3)
    sid = await _sold(session, runtime, staff, mudur, "Ataşehir", _close_on(d), a2, a1, kdv_rate=Decimal("0.20"),
                      **costs)
    await _pay(session, runtime, sid, local_datetime(today, time(9)) - timedelta(hours=2))

    # Maltepe: awarded, paid, a complaint recorded (the price held with nema, A-83).
    d = _working_day_before(today, 5)
    sid = await _sold(session, runtime, staff, mudur, "Maltepe", _close_on(d), a1, a2, **costs)
    s = await sales.get_sale(session, sid)
    assert s.fesih_until is not None
    await _pay(session, runtime, sid, s.fesih_until - timedelta(days=2))
    with _at(s.fesih_until - timedelta(days=1)):
        await fesih.record(session, runtime, staff, sid, FesihCreate(
            applicant_name="Teklif 1 (ihaleye katılan)", applicant_kind="teklif_veren",
            court="İstanbul Anadolu 4. İcra Hukuk Mahkemesi", court_file_no="2026/611 Esas",
            harc_paid=Decimal("61488.00"), teminat_paid=Decimal("90000.00")))

    # Pendik: paid, window closed, waiting for the finality check.
    d = _working_day_before(today, 12)
    sid = await _sold(session, runtime, staff, mudur, "Pendik", _close_on(d), a2, a1, kdv_rate=Decimal("0.20"),
                      **costs)
    s = await sales.get_sale(session, sid)
    assert s.fesih_until is not None and s.payment_due_at is not None
    await _pay(session, runtime, sid, s.payment_due_at - timedelta(days=2))
    await _run_timers(session, runtime, sid, s.fesih_until + timedelta(minutes=5))

    # Kartal: final, the KDV and damga muhtıra running.
    d = _working_day_before(today, 14)
    sid = await _sold(session, runtime, staff, mudur, "Kartal", _close_on(d), a1, a2, **costs)
    s = await sales.get_sale(session, sid)
    assert s.fesih_until is not None and s.payment_due_at is not None
    await _pay(session, runtime, sid, s.payment_due_at - timedelta(days=3))
    await _run_timers(session, runtime, sid, s.fesih_until + timedelta(minutes=5))
    with _at(local_datetime(_working_day_before(today, 1), time(11))):
        await finality.confirm(session, runtime, staff, sid, FinalityConfirm(note="UYAP sorgusu: şikâyet yok"))

    # Forklift (taşınır): delivered → distributing.
    d = _working_day_before(today, 22)
    sid = await _sold(session, runtime, staff, mudur, "2020 model akülü forklift", _close_on(d), a2, a1,
                      kdv_rate=Decimal("0.20"), c_amount=Decimal("8400.00"))
    s = await sales.get_sale(session, sid)
    assert s.fesih_until is not None and s.payment_due_at is not None
    await _pay(session, runtime, sid, s.payment_due_at - timedelta(days=4))
    await _run_timers(session, runtime, sid, s.fesih_until + timedelta(minutes=5))
    fin_day = add_working_days(local_date(s.fesih_until), 2)
    with _at(local_datetime(fin_day, time(11))):
        await finality.confirm(session, runtime, staff, sid, FinalityConfirm(note="UYAP sorgusu: şikâyet yok"))
    s = await sales.get_sale(session, sid)
    assert s.tax_due_at is not None
    await _pay(session, runtime, sid, s.tax_due_at - timedelta(days=4))
    with _at(local_datetime(add_working_days(fin_day, 4), time(15))):
        await handover.record(session, runtime, staff, sid, HandoverCreate(mode="delivered"))

    # Tuzla: round 1 awarded to alici2, not paid: default (S-13), round 2 on its announced dates.
    d = _working_day_before(today, 11)
    sid = await _sold(session, runtime, staff, mudur, "Tuzla'da imarlı", _close_on(d), a2, a1,
                      kdv_rate=Decimal("0.20"), **costs)
    s = await sales.get_sale(session, sid)
    assert s.payment_due_at is not None
    await _pay(session, runtime, sid, s.payment_due_at - timedelta(days=2), amount=Decimal("400000.00"))
    with _at(s.payment_due_at + timedelta(minutes=1)) as mc:
        await default.default(session, runtime, sid, mc.now())

    # Beykoz: paid; the court annulled the ihale on a complaint: everything back to the buyer.
    d = _working_day_before(today, 30)
    sid = await _sold(session, runtime, staff, mudur, "Beykoz", _close_on(d), a1, a2, **costs)
    s = await sales.get_sale(session, sid)
    assert s.fesih_until is not None and s.payment_due_at is not None
    with _at(s.fesih_until - timedelta(days=3)):
        app = await fesih.record(session, runtime, staff, sid, FesihCreate(
            applicant_name="Kaan Aydın (borçlu)", applicant_kind="borclu",
            court="İstanbul Anadolu 2. İcra Hukuk Mahkemesi", court_file_no="2026/540 Esas",
            note="İlan borçluya tebliğ edilmemiş."))
    await _pay(session, runtime, sid, s.payment_due_at - timedelta(days=1))
    decided = local_date(s.fesih_until) + timedelta(days=10)
    with _at(local_datetime(_working_day_before(today, 1), time(12))):
        await fesih.decide(session, runtime, mudur, app.id, FesihDecision(
            outcome="annulled", decided_on=decided, final_on=decided + timedelta(days=8),
            nema_amount=Decimal("18240.55"), note="Satış ilanı borçluya tebliğ edilmemiştir (İİK 127)."))
