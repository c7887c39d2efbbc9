"""The committed price floor of a round (auction/admission.py `PriceFloors`): a bid below what the round
was last seen to accept next is refused before the round's write - never accepted on its say-so."""

from __future__ import annotations

from decimal import Decimal

import pytest

from auction.admission import Floor, PriceFloors
from tests.bidding.test_query_counts import counting
from tests.engine import open_lot

D = Decimal
A, B = 1, 2


@pytest.mark.parametrize(("notes", "round_id", "amount", "user", "refused_at"), [
    ([], 7, D("10"), A, None),  # nothing known of the round: the database decides
    ([(7, Floor(D("110"), D("100"), B))], 7, D("105"), A, D("110")),  # below: refused
    ([(7, Floor(D("110"), D("100"), B))], 7, D("110"), A, None),  # at the floor: to the database
    ([(7, Floor(D("110"), D("100"), B))], 8, D("105"), A, None),  # another round knows nothing of it
    ([(7, Floor(D("110"), D("100"), A))], 7, D("105"), A, None),  # the leader: maybe already_highest
    ([(7, Floor(D("130"), D("120"), B)), (7, Floor(D("110"), D("100"), A))], 7, D("125"), A, D("130")),  # never lowers
    ([(7, Floor(D("110"), D("100"), B)), (7, Floor(D("130"), D("120"), B))], 7, D("125"), A, D("130")),  # rises
])
def test_a_bid_is_refused_only_below_the_highest_floor_seen(notes, round_id, amount, user, refused_at):
    floors = PriceFloors()
    for rid, floor in notes:
        floors.note(rid, floor)
    found = floors.below(round_id, amount, user)
    assert (found.min_next_bid if found else None) == refused_at


def test_the_least_recently_noted_rounds_are_forgotten_first():
    floors = PriceFloors(size=2)
    for rid in (1, 2, 3):
        floors.note(rid, Floor(D("10"), None, None))
    assert [rid for rid in (1, 2, 3) if floors.below(rid, D("5"), A)] == [2, 3]


async def test_a_stale_bid_is_refused_with_the_committed_minimum_without_the_rounds_write(env, manual_clock, runtime):
    lot, _ = await open_lot(env, manual_clock)
    a, b = await env.bidder(lot["id"]), await env.bidder(lot["id"])
    first = await env.bid(a, lot["id"], "1175000.00")
    assert first.status_code == 201, first.text
    with counting(runtime) as q:
        stale = await env.bid(b, lot["id"], "1175000.00")  # what b saw before a's bid
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "bid_too_low"
    assert stale.json()["error"]["details"] == {"min_next_bid": first.json()["min_next_bid"],
                                                "current_price": "1175000.00"}
    assert not [s for s in q.sql if s.startswith("UPDATE rounds SET")], q.sql
    # The leader bidding low is told he already leads (OP-11): the floor leaves him to the row.
    again = await env.bid(a, lot["id"], "1175000.00")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_highest")
    # At the floor the bid goes to the database and is accepted there.
    ok = await env.bid(b, lot["id"], first.json()["min_next_bid"])
    assert ok.status_code == 201, ok.text
