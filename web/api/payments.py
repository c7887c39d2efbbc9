"""The payment provider's signed callback (Standard Webhooks; ESATIS_PAYMENT_CALLBACK_SECRET)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from auction.aftersale import callbacks
from web.deps import DbSession, Public, RuntimeDep

router = APIRouter(tags=["payments"])


@router.post("/payments/callback", summary="A bank reports a teminat or a price/tax payment (signed, idempotent)")
async def payment_callback(request: Request, db: DbSession, runtime: RuntimeDep, _: Public) -> dict[str, Any]:
    """Body `{"type": "payment.succeeded"|"payment.failed", "data": {"reference", "amount", "paid_at"}}` with the
    headers `webhook-id`, `webhook-timestamp`, `webhook-signature` (v1, HMAC-SHA256). `dep_…` references are
    teminat, `pay_…` payments of the price or the taxes after the award."""
    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    return await callbacks.handle(db, runtime, body, headers)
