"""The HTTP ceiling of a bid: the same conditional UPDATE as the bid (`BID_STATEMENT`, compiled once) behind
the same server (uvicorn) and the same route and answers as `POST /api/v1/lots/{id}/bids`, with nothing
else — no FastAPI, no middleware, no authentication beyond a dict lookup, no idempotency, no bid, event,
audit or outbox rows. What a Python web process on this machine does for one bid at best; `bench bids`
drives it with the same load generator as esatis and reports esatis beside both ceilings, so the gap
to the database splits into what HTTP in Python costs here and what esatis adds on top.

Run by bench/bids.py as a subprocess:
`python -m bench.http_floor --database-url … --port P --tokens FILE` (FILE: JSON {token: user_id}).
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import uvicorn

from bench.bids import _compiled_bid
from bench.common import pg_dsn

Scope = dict[str, Any]


def _json(status: int, body: dict[str, Any]) -> tuple[int, bytes]:
    return status, json.dumps(body).encode()


class FloorApp:
    """A raw ASGI app: `POST /api/v1/lots/{lot_id}/bids` with `{"amount": "…"}` and a bearer token."""

    def __init__(self, database_url: str, tokens: dict[str, int]) -> None:
        self.database_url = database_url
        self.tokens = tokens
        self.pool: Any = None
        self.round_of: dict[int, int] = {}
        self.step_s: dict[int, int] = {}
        self.increment: dict[int, Decimal] = {}

    async def _startup(self) -> None:
        self.sql, self.order, self.fixed, self.procs = _compiled_bid()
        self.round_key = "round_id"
        self.pool = await asyncpg.create_pool(pg_dsn(self.database_url), min_size=10, max_size=10)
        rows = await self.pool.fetch("SELECT r.id, s.lot_id, r.ext_step_s, r.min_increment FROM rounds r"
                                     " JOIN sales s ON s.id = r.sale_id WHERE r.status = 'open'")
        self.round_of = {r["lot_id"]: r["id"] for r in rows}
        self.step_s = {r["id"]: r["ext_step_s"] for r in rows}
        self.increment = {r["id"]: Decimal(r["min_increment"]) / 100 for r in rows}

    def _args(self, values: dict[str, Any]) -> list[Any]:
        merged = {**self.fixed, **values}
        return [self.procs[n](merged[n]) if n in self.procs else merged[n] for n in self.order]

    async def bid(self, lot_id: int, token: str, body: bytes) -> tuple[int, bytes]:
        user_id = self.tokens.get(token)
        if user_id is None:
            return _json(401, {"error": {"code": "not_authenticated"}})
        round_id = self.round_of.get(lot_id)
        if round_id is None:
            return _json(409, {"error": {"code": "round_not_open"}})
        amount = Decimal(json.loads(body)["amount"])
        t = datetime.now(UTC)
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(self.sql, *self._args({
                "t": t, "t_plus_x": t + timedelta(seconds=self.step_s[round_id]), "amount": amount,
                "user_id": user_id, self.round_key: round_id}))
            if row is not None:
                return _json(201, {"min_next_bid": f"{amount + self.increment[round_id]:.2f}"})
            current = await conn.fetchrow("SELECT current_price, min_increment FROM rounds WHERE id = $1", round_id)
        nxt = Decimal(current["current_price"] + current["min_increment"]) / 100
        return _json(409, {"error": {"code": "bid_too_low", "details": {"min_next_bid": f"{nxt:.2f}"}}})

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await self._startup()
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await self.pool.close()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        parts = scope["path"].strip("/").split("/")
        if scope["path"] == "/readyz":
            status, payload = 200, b'{"status": "ok"}'
        elif scope["method"] == "POST" and len(parts) == 5 and parts[:3] == ["api", "v1", "lots"] \
                and parts[4] == "bids":
            headers = dict(scope["headers"])
            token = headers.get(b"authorization", b"").decode().removeprefix("Bearer ")
            status, payload = await self.bid(int(parts[3]), token, body)
        else:
            status, payload = 404, b'{"error": {"code": "not_found"}}'
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tokens", type=Path, required=True)
    args = parser.parse_args()
    tokens = {k: int(v) for k, v in json.loads(args.tokens.read_text()).items()}
    uvicorn.run(FloorApp(args.database_url, tokens), host="127.0.0.1", port=args.port, log_level="warning",
                lifespan="on")


if __name__ == "__main__":
    main()
