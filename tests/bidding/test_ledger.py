"""The bid ledger (auction/bidding/ledger.py): `esatis ledger verify`, `GET /api/v1/lots/{id}/ledger`, the
public receipt check (/makbuz-dogrula) and the final hash on the tutanak. Each tampering test edits the
database directly, as a staff member with database access would, and checks the verifier names the bid."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select, update

from auction.bidding import ledger
from auction.bidding.models import Bid
from auction.bidding.service import GENESIS, receipt_hash
from auction.sales.models import Tutanak
from tests.engine import open_lot


async def _three_bids(env: Any, manual_clock: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    lot, _ = await open_lot(env, manual_clock)
    a = await env.bidder(lot["id"])
    b = await env.bidder(lot["id"])
    receipts = []
    for who, amount in ((a, "1175000.00"), (b, "1186750.00"), (a, "1200000.00")):
        r = await env.bid(who, lot["id"], amount)
        assert r.status_code == 201, r.text
        receipts.append(r.json())
        manual_clock.advance(seconds=1)
    return lot, receipts


async def _problems(runtime: Any, lot_id: int) -> set[tuple[str, int | None]]:
    async with runtime.db.session() as s:
        result = await ledger.verify_lot(s, lot_id)
    return {(p.kind, p.bid_id) for p in result.problems}


@dataclass
class CliResult:
    exit_code: int
    output: str


async def _cli(settings: Any, *args: str) -> CliResult:
    """`esatis ledger verify` in a real process (the CLI configures logging for its own process)."""
    env = dict(os.environ, DATABASE_URL=settings.database_url, ESATIS_VAR_DIR=str(settings.var_dir),
               ESATIS_SECRET_KEY="t" * 48, ESATIS_LOG_LEVEL="WARNING")
    env.pop("REDIS_URL", None)
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "web.cli", "ledger", "verify", *args, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return CliResult(proc.returncode, out.decode())


async def test_an_untouched_ledger_verifies_everywhere(env, manual_clock, runtime, settings, client):
    lot, receipts = await _three_bids(env, manual_clock)
    assert await _problems(runtime, lot["id"]) == set()
    result = await _cli(settings, str(lot["id"]))
    assert result.exit_code == 0, result.output
    assert f"lot {lot['id']}: 3 bids, final hash {receipts[-1]['receipt']['hash']}: ok" in result.output
    everything = await _cli(settings)
    assert everything.exit_code == 0 and f"lot {lot['id']}: 3 bids" in everything.output

    body = (await client.get(f"/api/v1/lots/{lot['id']}/ledger")).json()  # public, anonymous
    assert body["verified"] is True and body["problems"] == [] and body["bid_count"] == 3
    assert body["final_hash"] == receipts[-1]["receipt"]["hash"]
    assert [b["amount"] for b in body["bids"]] == ["1175000.00", "1186750.00", "1200000.00"]
    assert all("hash" not in b and "user_id" not in b for b in body["bids"])  # no per-bid hashes (see module)
    first = receipts[0]["receipt"]
    found = (await client.get(f"/api/v1/lots/{lot['id']}/ledger", params={"receipt": first["hash"]})).json()
    assert found["receipt"]["found"] is True and found["receipt"]["later_bids"] == 2
    assert found["receipt"]["bid"]["seq"] == first["seq"] and found["receipt"]["bid"]["amount"] == "1175000.00"
    missing = (await client.get(f"/api/v1/lots/{lot['id']}/ledger", params={"receipt": "ab" * 32})).json()
    assert missing["receipt"]["found"] is False
    bad = await client.get(f"/api/v1/lots/{lot['id']}/ledger", params={"receipt": "not-a-hash"})
    assert bad.status_code == 422
    assert (await client.get("/api/v1/lots/999999/ledger")).status_code == 404

    page = await client.get("/makbuz-dogrula", params={"lot": str(lot["id"]), "hash": first["hash"].upper()},
                            headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert 'data-found="true"' in page.text and 'data-verified="true"' in page.text
    assert receipts[-1]["receipt"]["hash"] in page.text
    assert (await client.get("/makbuz-dogrula", headers={"Accept": "text/html"})).status_code == 200  # the form
    for params in ({"lot": "١٢", "hash": first["hash"]}, {"lot": str(lot["id"]), "hash": "xyz"},
                   {"lot": "99999999", "hash": first["hash"]}):
        r = await client.get("/makbuz-dogrula", params=params, headers={"Accept": "text/html"})
        assert r.status_code == 422 and 'data-testid="receipt-error"' in r.text


async def test_an_edited_bid_is_named(env, manual_clock, runtime, settings, client):
    lot, receipts = await _three_bids(env, manual_clock)
    middle = receipts[1]["bid_id"]
    async with runtime.db.session() as s:
        await s.execute(update(Bid).where(Bid.id == middle).values(amount=Decimal("1180000.00")))
    problems = await _problems(runtime, lot["id"])
    assert {("edited", middle), ("audit_mismatch", middle), ("event_mismatch", middle)} <= problems
    assert {bid_id for _, bid_id in problems} == {middle}  # only the edited one is named
    result = await _cli(settings, str(lot["id"]))
    assert result.exit_code == 1
    assert f"edited: bid {middle} (seq {receipts[1]['seq']})" in result.output
    body = (await client.get(f"/api/v1/lots/{lot['id']}/ledger")).json()
    assert body["verified"] is False and "edited" in body["problems"]
    page = await client.get("/makbuz-dogrula", params={"lot": str(lot["id"]), "hash": receipts[0]["receipt"]["hash"]},
                            headers={"Accept": "text/html"})
    assert 'data-found="true"' in page.text and 'data-verified="false"' in page.text


async def test_an_edit_with_the_chain_recomputed_is_still_named(env, manual_clock, runtime):
    """Whoever edits a bid and recomputes every later hash keeps the chain consistent, but not the audit
    log, the live events or the receipts the bidders hold."""
    lot, receipts = await _three_bids(env, manual_clock)
    edited = receipts[0]["bid_id"]
    async with runtime.db.session() as s:
        bids = (await s.scalars(select(Bid).where(Bid.lot_id == lot["id"]).order_by(Bid.seq))).all()
        prev = GENESIS
        for bid in bids:
            if bid.id == edited:
                bid.amount = Decimal("1175500.00")
            bid.prev_hash = prev
            bid.hash = receipt_hash(prev, bid.lot_id, bid.round_id, bid.seq, bid.amount, bid.at, bid.user_id)
            prev = bid.hash
    problems = await _problems(runtime, lot["id"])
    assert ("edited", edited) not in problems and not any(kind == "broken_link" for kind, _ in problems)
    assert ("audit_mismatch", edited) in problems and ("event_mismatch", edited) in problems
    async with runtime.db.session() as s:
        assert (await ledger.verify_lot(s, lot["id"])).final_hash != receipts[-1]["receipt"]["hash"]


async def test_a_deleted_bid_is_named(env, manual_clock, runtime, settings):
    lot, receipts = await _three_bids(env, manual_clock)
    gone, after = receipts[1], receipts[2]
    async with runtime.db.session() as s:
        await s.execute(delete(Bid).where(Bid.id == gone["bid_id"]))
    problems = await _problems(runtime, lot["id"])
    assert ("broken_link", after["bid_id"]) in problems  # the next bid no longer follows its predecessor
    assert ("bid_missing", None) in problems  # the live event log still has it
    result = await _cli(settings, str(lot["id"]))
    assert result.exit_code == 1
    assert f"bid_missing: seq {gone['seq']}" in result.output
    # The last bid deleted: no later bid to break, the event log and the round row still tell.
    async with runtime.db.session() as s:
        await s.execute(delete(Bid).where(Bid.id == after["bid_id"]))
    problems = await _problems(runtime, lot["id"])
    assert ("bid_missing", None) in problems and any(kind == "round_mismatch" for kind, _ in problems)


async def test_reordered_bids_are_named(env, manual_clock, runtime):
    lot, receipts = await _three_bids(env, manual_clock)
    first, second = receipts[0], receipts[1]
    async with runtime.db.session() as s:  # swap their places in the sequence
        await s.execute(update(Bid).where(Bid.id == first["bid_id"]).values(seq=-1))
        await s.execute(update(Bid).where(Bid.id == second["bid_id"]).values(seq=first["seq"]))
        await s.execute(update(Bid).where(Bid.id == first["bid_id"]).values(seq=second["seq"]))
    problems = await _problems(runtime, lot["id"])
    assert ("broken_link", second["bid_id"]) in problems and ("edited", second["bid_id"]) in problems
    assert ("audit_mismatch", first["bid_id"]) in problems and ("audit_mismatch", second["bid_id"]) in problems


async def test_the_tutanak_prints_the_final_hash(env, manual_clock, runtime):
    lot, receipts = await _three_bids(env, manual_clock)
    manual_clock.advance(days=7, seconds=1)
    await env.tick()  # closes the round and drafts its tutanak
    async with runtime.db.session() as s:
        tutanak = (await s.scalars(select(Tutanak).where(Tutanak.lot_id == lot["id"]))).one()
    final = receipts[-1]["receipt"]["hash"]
    assert tutanak.data["ledger"]["final_hash"] == final and tutanak.data["ledger"]["bids"] == 3
    assert final in tutanak.html and final in tutanak.html_public
