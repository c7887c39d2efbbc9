from datetime import timedelta

from auction import clock
from tests.engine import z


async def test_contract_flow_law(env, manual_clock):
    lot = await env.lot()
    now = clock.now()
    start = now + timedelta(days=16)
    sale = await env.sale(lot["id"], first_round_start=z(start))
    assert sale["opening_price"] == "1175000.00"
    assert sale["min_increment"] == "11750.00"
    assert sale["teminat_amount"] == "235000.00"
    assert len(sale["rounds"]) == 2
    b1 = await env.bidder(lot["id"])
    b2 = await env.bidder(lot["id"])
    r = await env.bid(b1, lot["id"], "1175000.00")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "round_not_open"
    manual_clock.set(start + timedelta(seconds=1))
    assert await env.tick() == 1
    r = await env.bid(b1, lot["id"], "1175000.00")
    assert r.status_code == 201, r.text
    r = await env.bid(b1, lot["id"], "1200000.00")
    assert r.json()["error"]["code"] == "already_highest"
    r = await env.bid(b2, lot["id"], "1180000.00")
    assert r.json()["error"]["code"] == "bid_too_low"
    r = await env.bid(b2, lot["id"], "1186750.00")
    assert r.status_code == 201, r.text
    view = await env.get_lot(lot["id"])
    assert view["current_price"] == "1186750.00"
    assert view["min_next_bid"] == "1198500.00"
    manual_clock.set(start + timedelta(days=7, seconds=1))
    assert await env.tick() == 1
    view = await env.get_lot(lot["id"])
    assert view["round"]["status"] == "closed"
