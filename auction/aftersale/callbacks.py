"""The bank's signed report, verified once (auction.bankcallback) and applied by the owner of the
reference: a teminat (`dep_…`, auction.deposits) or a payment of the price or the taxes (`pay_…`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from auction.aftersale import payments
from auction.bankcallback import verify
from auction.deposits import service as deposits
from auction.runtime import Runtime


async def handle(session: AsyncSession, runtime: Runtime, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    report = verify(runtime.settings, body, headers)
    if report.reference.startswith("pay_"):
        return await payments.apply_report(session, runtime, report)
    return await deposits.apply_report(session, report)
