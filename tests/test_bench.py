"""The benchmark's ceiling sends the bid's own statement: it must keep compiling as the bid's statement
changes (the suite itself runs outside the tests; `python -m bench all --smoke` checks it end to end)."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

from auction.bidding.service import BID_STATEMENT
from bench.bids import _compiled_bid


def test_the_ceiling_sends_the_bids_own_statement_with_every_value_bound_per_bid():
    sql, order, fixed, _procs = _compiled_bid()
    assert sql == BID_STATEMENT.compile(dialect=asyncpg_dialect()).string
    assert sql.startswith("UPDATE rounds SET")
    assert {"round_id", "user_id", "amount", "t", "t_plus_x"} <= set(order)
    assert fixed["status_1"] == "open"  # the statement's own constants travel with it
