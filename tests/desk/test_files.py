"""A party follows its file (/files, /files/{case_id}): the safahat in order, with the public tutanak;
nobody else reaches it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from auction import clock
from tests.aftersale.conftest import at
from tests.engine import z

HTML = {"Accept": "text/html"}


async def test_a_party_follows_the_safahat_of_its_file(env, manual_clock, make_actor):
    lot = await env.lot()
    debtor = await make_actor("party")
    outsider = await make_actor("party")
    r = await env.client.post(f"/api/v1/cases/{lot['case_id']}/parties", headers=env.staff.headers,
                              json={"email": debtor.email, "capacity": "borclu"})
    assert r.status_code == 201, r.text
    start = clock.now() + timedelta(days=16)
    sale = await env.sale(lot["id"], first_round_start=z(start))
    before = await env.client.get(f"/files/{lot['case_id']}", headers={**HTML, **debtor.headers})
    assert before.text.count('data-event="round_scheduled"') == len(sale["rounds"]) == 2  # both announced
    manual_clock.set(start + timedelta(seconds=1))
    await env.tick()
    bidder = await env.bidder(lot["id"])
    amount = str(Decimal(sale["opening_price"]) + 2 * Decimal(sale["min_increment"]))
    assert (await env.bid(bidder, lot["id"], amount)).status_code == 201
    manual_clock.set(at(sale["rounds"][0]["ends_at"]) + timedelta(seconds=1))
    await env.tick()
    for path in ("outage-report/review", "tutanak/post"):
        r = await env.client.post(f"/api/v1/sales/{sale['id']}/{path}", headers=env.manager.headers)
        assert r.status_code == 200, r.text
    files = await env.client.get("/files", headers={**HTML, **debtor.headers})
    assert files.status_code == 200 and f'href="/files/{lot["case_id"]}"' in files.text
    page = await env.client.get(f"/files/{lot['case_id']}", headers={**HTML, **debtor.headers})
    assert page.status_code == 200 and 'data-testid="safahat"' in page.text
    order = [line.split('"')[1] for line in page.text.split('data-event=')[1:]]
    assert order[:3] == ["file_opened", "lot_added", "appraisal_final"]
    assert order.index("sale_decided") < order.index("round_opened") < order.index("round_closed") \
        < order.index("tutanak_posted")
    assert "round_scheduled" not in order  # sold in round 1: round 2 will never run, so it is not announced
    assert "Artırma sonuç tutanağı yayımlandı" in page.text and f"/api/v1/lots/{lot['id']}/tutanak" in page.text
    assert bidder.email not in page.text  # who bid is not the party's to see
    # Nobody else reaches the file: another party (404, not even its existence), staff and bidders (role).
    assert (await env.client.get(f"/files/{lot['case_id']}", headers={**HTML, **outsider.headers})).status_code == 404
    assert f"/files/{lot['case_id']}" not in (await env.client.get("/files", headers={**HTML, **outsider.headers})).text
    for actor in (env.staff, bidder):
        assert (await env.client.get(f"/files/{lot['case_id']}", headers={**HTML, **actor.headers})).status_code == 403
