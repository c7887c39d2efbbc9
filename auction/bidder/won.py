"""A lot he won, after the award (`/hesabim/kazandiklarim/{id}`): what is due now and by when, the payment
waiting for its SMS code, his payments, the steps of the sale and his documents (docs/aftersale.md).
Every read is his own: the payments are filtered by his user id, the documents by the person they name.

One source for the amounts: the page's summary, the statement's lines, the pay form and the PDF all read
the settlement statement (`auction.settlement.statement`), which already counts his payments; none of
them recomputes a balance. A defaulted sale (S-13) owes nothing: the page says what happened instead
(the teminat forfeited, his part payments and their refunds, the bar from the later rounds)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from auction.aftersale import payments, refunds, views
from auction.aftersale.models import Forfeiture, SaleDocument
from auction.aftersale.payments import OTP_PURPOSE
from auction.bidding.models import Participant
from auction.money import ZERO
from auction.otp.models import OneTimeCode
from auction.otp.service import current as current_code
from auction.rules.policy import Policy
from auction.sales.deadlines import Period, payment_period
from auction.sales.models import PaymentStatus, Sale
from auction.settlement.models import PaymentRefund, PaymentState, SalePayment
from auction.settlement.statement import Statement, statement_for
from auction.users.models import User
from auction.users.principal import Principal


@dataclass(frozen=True)
class AfterAward:
    statement: Statement | None  # None when the taxes cannot be computed from the file (T-09)
    payments: list[SalePayment]
    awaiting: SalePayment | None  # the payment waiting for its code (the code form shows)
    code: OneTimeCode | None  # where its code went and until when
    phone: str | None
    steps: list[views.Step]
    documents: list[SaleDocument]
    period: Period  # the payment period the deadline was computed from (days, or demo seconds)
    default: Default | None = None  # S-13 only


@dataclass(frozen=True)
class Default:
    """What a defaulted sale (S-13, A-70: İİK 115/3) left him: the forfeited teminat (A-70), the refunds of his part
    payments with their state (OP-22), and whether he is barred from the sale's later rounds."""

    forfeited: Decimal
    refunds: list[tuple[int | None, PaymentRefund]]  # (the payment's place among his payments, its refund)
    barred: bool


async def default_of(session: AsyncSession, sale: Sale, user_id: int, mine: list[SalePayment]) -> Default | None:
    if sale.payment_status != PaymentStatus.defaulted:
        return None
    forfeited = await session.scalar(select(func.sum(Forfeiture.amount)).where(
        Forfeiture.sale_id == sale.id, Forfeiture.user_id == user_id))
    barred = await session.scalar(select(Participant.excluded).where(
        Participant.sale_id == sale.id, Participant.user_id == user_id))
    ordinal = {p.id: n for n, p in enumerate(mine, start=1)}  # as the statement numbers them (by id)
    return Default(forfeited=forfeited if forfeited is not None else ZERO,
                   refunds=[(ordinal.get(r.payment_id or 0), r) for r in await refunds.refunds_of(session, sale.id)
                            if r.user_id == user_id],
                   barred=bool(barred))


async def after_award(session: AsyncSession, policy: Policy, me: Principal, sale: Sale) -> AfterAward:
    """The won-lot page's part after the award, for its buyer (`sale` is his: `account.my_won_sale`)."""
    mine = await payments.payments_of(session, sale.id, me.user_id)
    awaiting = next((p for p in reversed(mine) if p.status == PaymentState.awaiting_code), None)
    return AfterAward(
        statement=await statement_for(session, sale, policy), payments=mine, awaiting=awaiting,
        code=await current_code(session, OTP_PURPOSE, awaiting.id) if awaiting is not None else None,
        phone=await session.scalar(select(User.phone).where(User.id == me.user_id)),
        steps=await views.timeline(session, sale), documents=await views.documents_for(session, me, sale),
        period=payment_period(sale), default=await default_of(session, sale, me.user_id, mine))
