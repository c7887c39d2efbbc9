"""The cetvel's work on the queue (docs/desk.md): a draft to serve (D-40), a served cetvel whose window ended
to finalise (D-52), an objection to decide (D-53), payouts awaiting a different müdür's approval (D-44);
each links to the sale's cetvel page, and another office sees none of it."""

from __future__ import annotations

from datetime import timedelta

from tests.desk.test_queue import _other_office_staff
from tests.disbursement.conftest import at, distributing
from tests.disbursement.test_cetvel_flow import _second_manager

CETVEL_KINDS = {"cetvel_to_serve", "cetvel_to_finalise", "objection_to_decide", "payout_to_approve"}


async def _mine(env, actor, sid):
    r = await env.client.get("/api/v1/staff/queue", headers=actor.headers)
    assert r.status_code == 200, r.text
    return {i["kind"]: i for i in r.json() if i["sale_id"] == sid and i["kind"] in CETVEL_KINDS}


async def test_the_cetvel_and_its_payouts_on_the_queue(env, manual_clock, runtime, make_actor, sms_file, no_pdf):
    d = await distributing(env, manual_clock, sms_file)
    sid = d.sale_id
    did = (await env.client.get(f"/api/v1/sales/{sid}/distribution", headers=env.staff.headers)).json()[
        "distribution_id"]
    href = f"/staff/sales/{sid}/cetvel"
    items = await _mine(env, env.staff, sid)
    assert set(items) == {"cetvel_to_serve"}
    assert (items["cetvel_to_serve"]["role"], items["cetvel_to_serve"]["rule"],
            items["cetvel_to_serve"]["href"]) == ("staff", "D-40", href)
    page = await env.client.get("/staff", headers={"Accept": "text/html", **env.staff.headers})
    assert f'href="{href}"' in page.text and "Sıra cetveli tebliğ edilecek" in page.text

    r = await env.client.post(f"/api/v1/distributions/{did}/serve", headers=env.staff.headers)
    assert r.status_code == 200, r.text
    until = at(r.json()["objection_until"])
    assert await _mine(env, env.staff, sid) == {}  # served, the window runs: nothing to do yet
    r = await env.client.post(f"/api/v1/distributions/{did}/objections", headers=d.parties[1].headers, json={
        "kind": "itiraz", "lines": [f"cr{d.creditors[0]}"], "reason": "Birinci derece alacağın bir kısmı ödenmiştir"})
    assert r.status_code == 201, r.text
    objection_id = r.json()["id"]
    items = await _mine(env, env.manager, sid)
    assert set(items) == {"objection_to_decide"}
    assert (items["objection_to_decide"]["object_type"], items["objection_to_decide"]["object_id"],
            items["objection_to_decide"]["role"], items["objection_to_decide"]["href"]) == (
        "objection", objection_id, "manager", href)

    manual_clock.set(until + timedelta(seconds=1))
    items = await _mine(env, env.manager, sid)
    assert set(items) == {"objection_to_decide", "cetvel_to_finalise"}
    fin = items["cetvel_to_finalise"]
    assert (fin["rule"], fin["object_id"], at(fin["due"]), fin["overdue"]) == ("D-52", did, until, True)
    r = await env.client.post(f"/api/v1/distributions/{did}/finalise", headers=env.manager.headers)
    assert r.status_code == 200 and r.json()["status"] == "partly_final", r.text
    assert set(await _mine(env, env.manager, sid)) == {"objection_to_decide"}

    # Four eyes (D-44): prepared by one müdür, the row waits for another; he who prepared does not see it.
    r = await env.client.post(f"/api/v1/distributions/{did}/payouts", headers=env.manager.headers)
    assert r.status_code == 201, r.text
    prepared = r.json()
    assert set(await _mine(env, env.manager, sid)) == {"objection_to_decide"}
    other = await _second_manager(env)
    items = await _mine(env, other, sid)
    assert set(items) == {"objection_to_decide", "payout_to_approve"}
    pay = items["payout_to_approve"]
    assert (pay["rule"], pay["object_id"], pay["href"]) == ("D-44", did, href)
    assert at(pay["due"]) == min(at(p["due_by"]) for p in prepared)
    count = (await env.client.get("/api/v1/staff/queue/count", headers=other.headers)).json()
    assert count["by_kind"]["payout_to_approve"] == 1 and count["by_kind"]["objection_to_decide"] == 1

    # Another office sees none of it; an admin sees it all.
    stranger = await _other_office_staff(runtime, make_actor)
    assert await _mine(env, stranger, sid) == {}
    admin = await make_actor("admin")
    assert set(await _mine(env, admin, sid)) == {"objection_to_decide", "payout_to_approve"}

    # Decided and approved: off the queue.
    for p in prepared:
        r = await env.client.post(f"/api/v1/payouts/{p['id']}/approve", headers=other.headers)
        assert r.status_code == 200, r.text
    r = await env.client.post(f"/api/v1/objections/{objection_id}/decision", headers=env.manager.headers,
                              json={"outcome": "rejected", "note": "İtiraz davası reddedildi"})
    assert r.status_code == 200, r.text
    assert await _mine(env, other, sid) == {}
