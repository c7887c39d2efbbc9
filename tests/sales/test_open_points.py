"""G-03: a test pins the default of every open point the engine applies (docs/law/open-points.md). Changing a
default is a configuration change: these fail so the change is deliberate."""

from auction.rules.policy import make_policy

DEFAULTS = {
    "extension.first_base": "scheduled_end",  # OP-02, ESATIS_EXTENSION_BASE
    "auction.r_includes_hacizler": False,  # OP-06
    "auction.r_includes_asset_taxes": False,  # OP-07
    "auction.first_bid_min": "opening_price",  # OP-08
    "auction.show_threshold": True,  # OP-09
    "tutanak.mask_buyer": True,  # OP-10
    "auction.allow_self_outbid": False,  # OP-11
    "teminat.allow_card": False,  # OP-13
    "teminat.exemption_basis": "claim_total_or_share",  # OP-15
    "teminat.allow_withdraw_when_not_highest": True,  # OP-16
    "teminat.refund_trigger": "tutanak_posted",  # OP-17
    "teminat.credit_winner": True,  # OP-18
    "auction.block_debtor": True,  # OP-20
}


def test_open_point_defaults_are_pinned():
    policy = make_policy()
    assert {k: policy.value(k) for k in DEFAULTS} == DEFAULTS


async def test_a_sale_records_the_open_points_it_used(env, manual_clock):
    from datetime import timedelta

    from tests.engine import z

    lot = await env.lot()
    sale = await env.sale(lot["id"], first_round_start=z(manual_clock.now() + timedelta(days=16)))
    assert {k: sale["policy"][k]["value"] for k in DEFAULTS} == DEFAULTS
    assert sale["policy"]["teminat.refund_trigger"]["op"] == "OP-17"


async def test_op11_self_outbid_can_be_configured(env, manual_clock, runtime):
    """With `auction.allow_self_outbid` = true the leader may raise his own bid (one code path)."""
    from tests.engine import open_lot

    runtime.policy = make_policy(None, {"auction.allow_self_outbid": True})
    lot, _ = await open_lot(env, manual_clock)
    a = await env.bidder(lot["id"])
    assert (await env.bid(a, lot["id"], "1175000.00")).status_code == 201
    assert (await env.bid(a, lot["id"], "1186750.00")).status_code == 201


async def test_op17_refunds_at_the_close_when_configured(env, manual_clock, runtime):
    from tests.engine import open_lot

    runtime.policy = make_policy(None, {"teminat.refund_trigger": "round_closed"})
    lot, _sale = await open_lot(env, manual_clock)
    a = await env.bidder(lot["id"])
    b = await env.bidder(lot["id"])
    await env.bid(a, lot["id"], "1175000.00")
    await env.bid(b, lot["id"], "1186750.00")
    manual_clock.advance(days=7, seconds=1)
    await env.tick()
    assert await env.refunds() == 1
