"""`auction.sales.live.heads`: the last committed seq of each lot, as the live hub polls it (web/live)."""

from auction.sales import live
from tests.engine import open_lot


async def test_heads_is_the_last_seq_of_each_lot_and_zero_otherwise(env, manual_clock):
    opened, _ = await open_lot(env, manual_clock)
    quiet = await env.lot()  # no sale: no events yet
    bidder = await env.bidder(opened["id"])
    r = await env.bid(bidder, opened["id"], "1175000.00")
    assert r.status_code == 201, r.text

    async with env.runtime.db.session() as session:
        last = await live.last_seq(session, opened["id"])
        assert last >= 2  # round_opened, bid
        assert await live.heads(session, [opened["id"], quiet["id"], 10**9]) == {
            opened["id"]: last, quiet["id"]: 0, 10**9: 0}
        assert await live.heads(session, []) == {}
