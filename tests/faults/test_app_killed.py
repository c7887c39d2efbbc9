"""The app process killed in the middle of a bid (SIGKILL, a real `esatis serve`).

- killed after the bid's writes but before the commit: nothing of the bid is stored (no bid, no price
  change, no live event, no idempotency record); the same request sent again to a restarted server is
  taken as new, once;
- killed after the commit but before the answer left: the bid stands, and the bidder's retry with the same
  Idempotency-Key gets the same bid back (`Idempotent-Replayed: true`), never a second one.
Either way the lot holds exactly one bid afterwards and its receipt chain verifies.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from tests.faults.support import bid_facts, open_round_now, process_env, wait_in_log
from tests.livesupport import start_server

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("fault", ["bid.before_commit", "bid.after_commit"])
async def test_app_killed_mid_bid_loses_nothing_and_doubles_nothing(env, settings, tmp_path: Path, fault: str):
    lot_id, round_id, (bidder,) = await open_round_now(env, settings, 1)
    before = await bid_facts(env.runtime, lot_id, round_id)
    assert before["bids"] == [] and before["bid_count"] == 0
    amount = Decimal((await env.get_lot(lot_id))["min_next_bid"])
    extra = {k: v for k, v in process_env(settings, tmp_path / "var", fault=f"{fault}:60",
                                          ESATIS_RATE_LIMITS="off").items()
             if k.startswith(("ESATIS_", "REDIS_"))}
    server = await asyncio.to_thread(start_server, tmp_path / "first", database_url=settings.database_url,
                                     redis_url=settings.redis_url, demo=False, extra_env=extra)
    headers = {**bidder.headers, "Idempotency-Key": "kill-me-1"}
    body = {"amount": f"{amount:.2f}"}
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        request = asyncio.create_task(http.post(f"/api/v1/lots/{lot_id}/bids", headers=headers, json=body))
        try:
            await wait_in_log(server.log_path, f"FAULT {fault}")
            server.process.kill()  # SIGKILL: no shutdown, no rollback by the app, no answer
            await asyncio.to_thread(server.process.wait, 10)
            with pytest.raises(httpx.TransportError):
                await request  # the bidder got no answer
        finally:
            server.stop()
            if not request.done():
                request.cancel()
    after_kill = await bid_facts(env.runtime, lot_id, round_id)
    if fault == "bid.before_commit":
        assert after_kill == before  # nothing half written
    else:
        assert len(after_kill["bids"]) == 1 and after_kill["bid_count"] == 1 and after_kill["bid_events"] == 1
        assert after_kill["chain_ok"]
    # The bidder retries the same request, with the same key, against the restarted server.
    extra.pop("ESATIS_FAULT", None)
    again = await asyncio.to_thread(start_server, tmp_path / "second", database_url=settings.database_url,
                                    redis_url=settings.redis_url, demo=False, extra_env=extra)
    try:
        async with httpx.AsyncClient(base_url=again.url, timeout=60) as http:
            r = await http.post(f"/api/v1/lots/{lot_id}/bids", headers=headers, json=body)
    finally:
        again.stop()
    assert r.status_code == 201, r.text
    replayed = r.headers.get("idempotent-replayed") == "true"
    assert replayed is (fault == "bid.after_commit")
    final = await bid_facts(env.runtime, lot_id, round_id)
    assert final["bids"] == [(r.json()["bid_id"], amount)]  # exactly one bid, the one the bidder holds
    assert final["bid_count"] == 1 and final["bid_events"] == 1 and final["price"] == amount
    assert final["chain_ok"]
