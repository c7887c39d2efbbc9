"""The public receipt check (/makbuz-dogrula): anyone with a bid receipt checks it against the lot's bid
ledger - is this bid in the chain, where, and does the chain still verify up to the final hash printed on
the tutanak. The same question as `GET /api/v1/lots/{id}/ledger?receipt=…` (auction/bidding/ledger.py)."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from fastapi import APIRouter, Request
from starlette.responses import Response

from auction.bidding import ledger
from auction.errors import DomainError
from web.deps import DbSession, MaybeUser
from web.templating import render

router = APIRouter()

_HASH = re.compile(r"^[0-9a-f]{64}$")


@router.get("/makbuz-dogrula")
async def receipt_check(request: Request, db: DbSession, _: MaybeUser, lot: str = "", hash: str = "") -> Response:
    lot_text, wanted = lot.strip(), hash.strip().lower()
    ctx: dict[str, object] = {"lot": lot_text, "hash": wanted, "result": None, "error": None}
    if lot_text or wanted:
        if not lot_text.isascii() or not lot_text.isdigit() or not 1 <= len(lot_text) <= 18 or int(lot_text) < 1:
            ctx["error"] = "rcheck.err.lot"
        elif not _HASH.match(wanted):
            ctx["error"] = "rcheck.err.hash"
        else:
            try:
                result = await ledger.public_ledger(db, int(lot_text), wanted)
            except DomainError:
                ctx["error"] = "rcheck.err.no_lot"
            else:
                ctx["result"] = result
                bid = result["receipt"]["bid"]
                ctx["amount"] = Decimal(bid["amount"]) if bid else None
                ctx["at"] = datetime.fromisoformat(bid["at"].replace("Z", "+00:00")) if bid else None
    status = 422 if ctx["error"] else 200
    return render(request, "receipt_check.html", ctx, status_code=status,
                  headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})
