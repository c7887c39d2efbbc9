"""A lot he won, after the award (`/hesabim/kazandiklarim/{id}`): what is due now and by when, the payment
waiting for its SMS code, his payments, the steps of the sale and his documents (docs/aftersale.md).
Every read is his own: the payments are filtered by his user id, the documents by the person they name."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction.aftersale import payments, views
from auction.aftersale.models import SaleDocument
from auction.aftersale.payments import OTP_PURPOSE
from auction.otp.models import OneTimeCode
from auction.otp.service import current as current_code
from auction.rules.policy import Policy
from auction.sales.models import Sale
from auction.settlement.models import PaymentState, SalePayment
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


async def after_award(session: AsyncSession, policy: Policy, me: Principal, sale: Sale) -> AfterAward:
    """The won-lot page's part after the award, for its buyer (`sale` is his: `account.my_won_sale`)."""
    mine = await payments.payments_of(session, sale.id, me.user_id)
    awaiting = next((p for p in reversed(mine) if p.status == PaymentState.awaiting_code), None)
    return AfterAward(
        statement=await statement_for(session, sale, policy), payments=mine, awaiting=awaiting,
        code=await current_code(session, OTP_PURPOSE, awaiting.id) if awaiting is not None else None,
        phone=await session.scalar(select(User.phone).where(User.id == me.user_id)),
        steps=await views.timeline(session, sale), documents=await views.documents_for(session, me, sale))
