"""The work queue (/staff): each registered source finds its work in the actor's office only, most urgent
first; the count endpoint and the navigation badge agree with it; other roles are refused."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from auction import clock
from auction.desk import queue
from tests.aftersale.conftest import at, calm_week
from tests.engine import z

HTML = {"Accept": "text/html"}


async def _other_office_staff(runtime, make_actor):
    from auction.users import service as users

    async with runtime.db.session() as s:
        await users.create_office(s, code="ANK-02", name="Ankara 2. İcra Dairesi", city="Ankara")
    return await make_actor("staff", "ANK-02")


async def test_a_closed_round_puts_the_outage_review_and_the_tutanak_on_the_queue(env, manual_clock, runtime,
                                                                                  make_actor):
    calm_week(manual_clock)
    waiting = await env.lot()  # appraisal final, no sale yet
    lot = await env.lot()
    start = clock.now() + timedelta(days=16)
    sale = await env.sale(lot["id"], first_round_start=z(start))
    manual_clock.set(start + timedelta(seconds=1))
    await env.tick()
    bidder = await env.bidder(lot["id"])
    amount = str(Decimal(sale["opening_price"]) + 2 * Decimal(sale["min_increment"]))
    assert (await env.bid(bidder, lot["id"], amount)).status_code == 201
    manual_clock.set(at(sale["rounds"][0]["ends_at"]) - timedelta(minutes=30))
    r = await env.client.get("/api/v1/staff/queue", headers=env.staff.headers)
    assert r.status_code == 200
    kinds = {(i["kind"], i["object_id"]) for i in r.json()}
    assert ("sale_to_schedule", waiting["id"]) in kinds
    assert ("round_closing", sale["id"]) in kinds  # it closes today (İstanbul)
    assert ("sale_to_schedule", lot["id"]) not in kinds  # a sale owns it
    manual_clock.set(at(sale["rounds"][0]["ends_at"]) + timedelta(seconds=1))
    await env.tick()
    items = (await env.client.get("/api/v1/staff/queue", headers=env.staff.headers)).json()
    mine = [i for i in items if i["sale_id"] == sale["id"]]
    assert {i["kind"] for i in mine} == {"outage_review", "tutanak_to_post"}
    assert all(i["role"] == "manager" and i["href"] == f"/staff/sales/{sale['id']}" for i in mine)
    assert {i["rule"] for i in mine} == {"A-43", "A-60"}
    # The filter by who decides, and by kind.
    staff_only = (await env.client.get("/api/v1/staff/queue?role=staff", headers=env.staff.headers)).json()
    assert [i for i in staff_only if i["role"] != "staff"] == [] and staff_only
    only = (await env.client.get("/api/v1/staff/queue?kind=tutanak_to_post", headers=env.staff.headers)).json()
    assert [i["kind"] for i in only] == ["tutanak_to_post"]
    count = (await env.client.get("/api/v1/staff/queue/count", headers=env.staff.headers)).json()
    assert count["total"] == len(items) and count["by_kind"]["tutanak_to_post"] == 1
    assert set(count["by_kind"]) == set(queue.KINDS)
    # Past the TM-14 deadline the tutanak is overdue and comes first.
    manual_clock.advance(days=5)
    items = (await env.client.get("/api/v1/staff/queue", headers=env.staff.headers)).json()
    assert items[0]["overdue"] and items[0]["kind"] in ("outage_review", "tutanak_to_post")
    # Posted: off the queue.
    for path in ("outage-report/review", "tutanak/post"):
        r = await env.client.post(f"/api/v1/sales/{sale['id']}/{path}", headers=env.manager.headers)
        assert r.status_code == 200, r.text
    items = (await env.client.get("/api/v1/staff/queue", headers=env.staff.headers)).json()
    assert {i["kind"] for i in items if i["sale_id"] == sale["id"]} == {"payment_due"}
    # Another office sees none of it; an admin sees it all.
    other = await _other_office_staff(runtime, make_actor)
    assert (await env.client.get("/api/v1/staff/queue", headers=other.headers)).json() == []
    admin = await make_actor("admin")
    seen = (await env.client.get("/api/v1/staff/queue", headers=admin.headers)).json()
    assert {i["object_id"] for i in seen} >= {waiting["id"], sale["id"]}


async def test_the_desk_page_lists_the_queue_with_links(env, manual_clock, make_actor):
    lot = await env.lot()
    page = await env.client.get("/staff", headers={**HTML, **env.staff.headers})
    assert page.status_code == 200
    assert 'data-testid="work-queue"' in page.text and f'href="/staff/lots/{lot["id"]}"' in page.text
    assert "Satış kararı alınacak" in page.text
    filtered = await env.client.get("/staff?kind=tutanak_to_post", headers={**HTML, **env.staff.headers})
    assert f'href="/staff/lots/{lot["id"]}"' not in filtered.text and "Bekleyen iş yok." in filtered.text
    admin = await make_actor("admin")
    page = await env.client.get("/staff", headers={**HTML, **admin.headers})
    assert "<td>IST-01</td>" in page.text  # an admin's queue says whose each row is
    badge = await env.client.get("/staff/count", headers={**HTML, **env.staff.headers})
    assert 'data-testid="queue-count"' in badge.text and ">1<" in badge.text
    old = await env.client.get("/buro", headers={**HTML, **env.staff.headers})
    assert (old.status_code, old.headers["location"]) == (308, "/staff")
    bidder = await make_actor("bidder")
    for path in ("/staff", "/staff/count", "/api/v1/staff/queue", "/api/v1/staff/queue/count"):
        r = await env.client.get(path, headers=bidder.headers)
        assert (r.status_code, r.json()["error"]["code"]) == (403, "role_required"), path
        assert (await env.client.get(path)).status_code == 401, path


async def test_the_desk_speaks_english_on_request(env, manual_clock):
    lot = await env.lot()
    sale = await env.sale(lot["id"], first_round_start=z(clock.now() + timedelta(days=16)))
    env.client.cookies.set("lang", "en")
    try:
        page = await env.client.get("/staff", headers={**HTML, **env.staff.headers})
        assert page.status_code == 200 and "Work queue" in page.text and "İş listesi" not in page.text
        page = await env.client.get(f"/staff/sales/{sale['id']}", headers={**HTML, **env.staff.headers})
        assert page.status_code == 200 and "Record R and C" in page.text
    finally:
        env.client.cookies.delete("lang")
