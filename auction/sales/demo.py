"""Demo sales for `esatis serve --demo` (listed in `auction.demo.DEMO_EXTENSIONS`).

Four of the demo lots are put on sale through the real services, each as of the day it would have
happened (the clock is set back while a past step is replayed), so every figure, deadline, audit row and
event is what the engine itself produces, and the timetable is legal under the `law` ruleset too:

- the Kadıköy flat: round 1 opened 7 days ago and closes about 20 minutes after the demo is loaded;
  alici1 and alici2 hold confirmed teminat (paid before the A-52 deadline) and can bid at once;
- the Fiat Egea: announced today, round 1 starts in 16 days (ilan ≥ 15 days before, A-21);
- the Merter shop: round 1 closed 17 days ago above the threshold, tutanak posted: awarded (S-09);
- the Çatalca field: round 1 failed against the rüçhanlı alacaklar (Ex 2 style, S-10), round 2 ahead.
Under `ESATIS_RULESET=demo` the same timetable is used (the ends are given explicitly); anti-sniping
then runs on the demo durations and the system posts the tutanak itself shortly after the close.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.bidding import service as bidding
from auction.calendar import local_date, local_datetime, round_end, to_local, utc_ms, validate_schedule
from auction.deposits import service as deposits
from auction.lots.models import Lot, LotStatus
from auction.runtime import Runtime
from auction.sales import decision, outage, reads, rounds, tutanak
from auction.sales.schemas import OutageReview, SaleCreate
from auction.users import service as users
from auction.users.models import User
from auction.users.principal import Principal


@contextmanager
def _at(when: datetime) -> Iterator[clock.ManualClock]:
    """Replay a past step as of `when` (only while the demo is loaded, before the server starts)."""
    mc = clock.ManualClock(when)
    previous = clock.set_clock(mc)
    try:
        yield mc
    finally:
        clock.set_clock(previous)


async def _principal(session: AsyncSession, email: str) -> Principal:
    user = await session.scalar(select(User).where(User.email == email))
    assert user is not None, email
    return users.principal_for(user, via="cli")


async def _lot(session: AsyncSession, title_prefix: str) -> Lot:
    lot = await session.scalar(select(Lot).where(Lot.title.startswith(title_prefix)))
    assert lot is not None, title_prefix
    return lot


def _second_round(ilan_day: date, r1s: datetime, r1e: datetime, runtime: Runtime) -> datetime:
    """The first day (same local hour as round 1's end) that A-21 accepts for round 2."""
    hour = to_local(r1e).time().replace(tzinfo=None)
    for days in range(14, 31):
        r2s = local_datetime(local_date(r1e) + timedelta(days=days), hour)
        r2e = round_end(r2s, "law")
        if not validate_schedule(ilan_day, r1s, r1e, r2s, r2e, "law", policy=runtime.policy):
            return r2s
    raise RuntimeError("no valid round-2 date for the demo sale")


async def _decide(session: AsyncSession, runtime: Runtime, staff: Principal, lot: Lot, r1s: datetime,
                  **extra: object) -> int:
    lot.status = LotStatus.appraised.value  # the demo lots' appraisals are kesin (A-04)
    lot.appraisal_final_at = clock.now()
    lot.appraisal_final_basis = "staff_confirmed"
    r1e = round_end(r1s, "law")
    ilan = local_date(clock.now())
    r2s = _second_round(ilan, r1s, r1e, runtime)
    body = SaleCreate(first_round_start=r1s, second_round_start=r2s, **extra)
    if runtime.settings.ruleset == "demo":
        body.first_round_end = r1e
        body.second_round_end = round_end(r2s, "law")
    sale = await decision.decide_sale(session, runtime, staff, lot.id, body)
    return sale.id


async def _close(session: AsyncSession, runtime: Runtime, sale_id: int) -> None:
    for r in await reads.rounds_of(session, sale_id):
        if r.status == "open":
            now = clock.now()
            await rounds.close_round(session, runtime, r.id, now, now)


@contextmanager
def without_rate_limits(runtime: Runtime) -> Iterator[None]:
    """The loader runs in its own event loop before the server starts: keep the rate limiter (whose Redis
    connection would be bound to this loop) out of it; these replayed steps are not user traffic."""
    enabled = runtime.limiter.enabled
    runtime.limiter.enabled = False
    try:
        yield
    finally:
        runtime.limiter.enabled = enabled


async def load_demo_sales(session: AsyncSession, runtime: Runtime, staff: Principal) -> None:
    with without_rate_limits(runtime):
        await _load(session, runtime, staff)


async def _load(session: AsyncSession, runtime: Runtime, staff: Principal) -> None:
    now = clock.now()
    mudur = await _principal(session, "mudur@esatis.test")
    alici1 = await _principal(session, "alici1@esatis.test")
    alici2 = await _principal(session, "alici2@esatis.test")
    kdv = {"kdv_rate": Decimal("0.01"), "c_amount": Decimal("18400.00")}

    # 1. Live: round 1 ends ~20 minutes from now; it started 7 days ago, announced 15 days before that.
    flat = await _lot(session, "Kadıköy")
    r1e = utc_ms(now + timedelta(minutes=20)).replace(second=0, microsecond=0)
    r1s = utc_ms(to_local(r1e) - timedelta(days=7))
    with _at(r1s - timedelta(days=15, hours=1)):
        await _decide(session, runtime, staff, flat, r1s, **kdv)
    with _at(r1s + timedelta(hours=2)) as mc:
        await _run_opener(session, runtime)
        for bidder in (alici1, alici2):
            await deposits.create_deposit(session, runtime, bidder, flat.id)
        mc.advance(hours=1)
        await bidding.place_bid(session, runtime, alici2, flat.id, Decimal("1175000.00"))
    # 2. Announced today; round 1 in 16 days at 14:00.
    car = await _lot(session, "2018 model Fiat")
    car.in_custody = True  # yediemin otoparkında
    await _decide(session, runtime, staff, car, local_datetime(local_date(now) + timedelta(days=16), time(14)),
                  kdv_rate=Decimal("0.20"), c_amount=Decimal("9600.00"))
    # 3. Awarded: round 1 ended 17 days ago above the threshold; the müdür posted the tutanak next day.
    shop = await _lot(session, "Merter")
    s_r1e = local_datetime(local_date(now) - timedelta(days=17), time(14))
    s_r1s = utc_ms(to_local(s_r1e) - timedelta(days=7))
    with _at(s_r1s - timedelta(days=16)):
        shop_sale = await _decide(session, runtime, staff, shop, s_r1s, kdv_rate=Decimal("0.20"),
                                  c_amount=Decimal("24500.00"))
    with _at(s_r1s + timedelta(hours=1)) as mc:
        await _run_opener(session, runtime)
        for bidder in (alici1, alici2):
            await deposits.create_deposit(session, runtime, bidder, shop.id)
        price = Decimal("3400000.00")
        step = Decimal("34000.00")
        for i, bidder in enumerate((alici1, alici2, alici1, alici2, alici1)):
            mc.advance(hours=5)
            await bidding.place_bid(session, runtime, bidder, shop.id, price + step * i)
    with _at(s_r1e + timedelta(seconds=1)):
        await _close(session, runtime, shop_sale)
    with _at(s_r1e + timedelta(hours=20)):
        await outage.review(session, runtime, mudur, shop_sale, OutageReview())
        await tutanak.post_tutanak(session, runtime, mudur, shop_sale)
    # 4. Round 1 failed against R (S-10): round 2 on its announced dates.
    field = await _lot(session, "Çatalca")
    f_r1e = local_datetime(local_date(now) - timedelta(days=4), time(11))
    f_r1s = utc_ms(to_local(f_r1e) - timedelta(days=7))
    with _at(f_r1s - timedelta(days=18)):
        field_sale = await _decide(session, runtime, staff, field, f_r1s, kdv_rate=Decimal("0.20"),
                                   r_amount=Decimal("1450000.00"), c_amount=Decimal("12300.00"))
    with _at(f_r1s + timedelta(hours=3)) as mc:
        await _run_opener(session, runtime)
        await deposits.create_deposit(session, runtime, alici1, field.id)
        mc.advance(hours=2)
        await bidding.place_bid(session, runtime, alici1, field.id, Decimal("1100000.00"))
    with _at(f_r1e + timedelta(seconds=1)):
        await _close(session, runtime, field_sale)
    with _at(f_r1e + timedelta(hours=22)):
        await outage.review(session, runtime, mudur, field_sale, OutageReview())
        await tutanak.post_tutanak(session, runtime, mudur, field_sale)


async def _run_opener(session: AsyncSession, runtime: Runtime) -> None:
    now = clock.now()
    while (round_id := await rounds.claim_due_opening(session, now)) is not None:
        await rounds.open_round(session, runtime, round_id, now)
