"""What outside systems learn: ids, amounts, times and pseudonyms, with links to the API — never who a
bidder is. Run through a real sale (bids, close, tutanak) with an endpoint subscribed to everything."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

from auction.events.service import EVENT_TYPES
from auction.webhooks import payloads
from tests.web.conftest import awarded
from tests.webhooks.conftest import PUBLIC_URL


def test_scrub_drops_identities_and_keeps_pseudonyms():
    data = {"lot_id": 2, "sale_id": 1, "user_id": 10, "buyer_user_id": 11, "party_user_ids": [3, 4],
            "reference": "TEM-1", "iban": "TR00", "amount": "5.00",
            "lines": [{"party": "Banka A.Ş.", "email": "x@y", "amount": "1.00", "leader_user_id": 10}]}
    out = payloads.scrub(data, 2, {(2, 10): 1})
    assert out == {"lot_id": 2, "sale_id": 1, "bidder": "Teklif 1", "amount": "5.00",
                   "lines": [{"amount": "1.00", "leader": "Teklif 1"}]}
    assert payloads.links("payment.due", data, "https://x.test") == {
        "sale": "https://x.test/api/v1/sales/1", "lot": "https://x.test/api/v1/lots/2",
        "settlement": "https://x.test/api/v1/sales/1/settlement"}


async def test_a_real_sale_leaves_no_bidder_identity_in_any_webhook(env, manual_clock, hooks, receiver):
    ep = await hooks.endpoint(receiver.url("/all"), events=tuple(sorted(EVENT_TYPES)))
    _lot, sale, winner, loser = await awarded(env, manual_clock)
    await hooks.deliver()
    while await hooks.deliver():
        pass
    bodies = [json.loads(r.body) for r in receiver.requests]
    types = [b["type"] for b in bodies]
    assert {"sale.scheduled", "round.opened", "deposit.confirmed", "round.closed", "sale.won",
            "payment.due"} <= set(types)
    raw = b" ".join(r.body for r in receiver.requests).decode()
    for person in (winner, loser):
        for secret in (person.email, person.user.full_name, f'"user_id":{person.user.id}'):
            assert secret not in raw
    assert "user_id" not in raw and '"reference"' not in raw
    won = next(b for b in bodies if b["type"] == "sale.won")
    assert won["data"]["buyer"].startswith("Teklif ") and won["data"]["price"]
    assert won["data"]["links"]["sale"] == f"{PUBLIC_URL}/api/v1/sales/{sale['id']}"
    assert won["data"]["links"]["settlement"].endswith("/settlement")
    for r in receiver.requests:  # signed with the endpoint's secret (the clock is 16 days ahead: check by hand)
        ts = datetime.fromtimestamp(int(r.headers["webhook-timestamp"]), UTC)
        assert Webhook(ep["secret"]).sign(r.headers["webhook-id"], ts, r.body) == r.headers["webhook-signature"]
