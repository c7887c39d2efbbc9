"""The sale's threshold (A-31): R proposed from the pledges on the lot (creditors and pledges entered
through the cases and lots API), R and C entered before a round and locked at its start."""

from sqlalchemy import select

from tests.engine import local, z


async def _creditor(env, case_id, **body):
    r = await env.client.post(f"/api/v1/cases/{case_id}/creditors", headers=env.staff.headers, json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def _pledge(env, lot_id, creditor_id, degree, limit, claim):
    r = await env.client.post(f"/api/v1/lots/{lot_id}/pledges", headers=env.staff.headers, json={
        "creditor_id": creditor_id, "degree": degree, "limit_amount": limit, "claim_amount": claim})
    assert r.status_code == 201, r.text


async def test_r_is_proposed_from_the_pledges_ranking_ahead_of_the_requester(env, manual_clock):
    """Ex 2: a haciz creditor requests → both mortgages count (2nd up to its limit); had the 1st-degree
    mortgagee requested, R would be 0 (A-31, OP-06)."""
    manual_clock.set(local(2026, 2, 13, 10))
    lot = await env.lot()
    bank1 = await _creditor(env, lot["case_id"], name="Banka 1", kind="rehin", claim_total="1420000.00",
                            sale_requester=True)
    bank2 = await _creditor(env, lot["case_id"], name="Banka 2", kind="rehin", claim_total="260000.00")
    await _pledge(env, lot["id"], bank1["id"], 1, "1500000.00", "1420000.00")
    await _pledge(env, lot["id"], bank2["id"], 2, "200000.00", "260000.00")
    sale = await env.sale(lot["id"], first_round_start=z(local(2026, 3, 2, 14)), c_amount="18400.00")
    assert sale["r_proposed"] == "0.00"
    assert sale["threshold"] == "1193400.00"
    dup = await env.client.post(f"/api/v1/lots/{lot['id']}/pledges", headers=env.staff.headers, json={
        "creditor_id": bank1["id"], "degree": 1, "limit_amount": "1.00", "claim_amount": "1.00"})
    assert dup.status_code == 409
    listed = await env.client.get(f"/api/v1/cases/{lot['case_id']}/creditors", headers=env.staff.headers)
    assert [c["name"] for c in listed.json()] == ["Banka 1", "Banka 2"]


async def test_r_and_c_are_locked_at_round_start(env, manual_clock, runtime):
    manual_clock.set(local(2026, 2, 13, 10))
    lot = await env.lot()
    sale = await env.sale(lot["id"], first_round_start=z(local(2026, 3, 2, 14)))
    r = await env.client.put(f"/api/v1/sales/{sale['id']}/threshold", headers=env.staff.headers,
                             json={"r_amount": "1620000.00", "c_amount": "18400.00"})
    assert r.status_code == 200
    assert r.json()["threshold"] == "1638400.00"
    assert "c_not_entered" not in {w["code"] for w in r.json()["warnings"]}
    manual_clock.set(local(2026, 3, 2, 14))
    await env.tick()
    r = await env.client.put(f"/api/v1/sales/{sale['id']}/threshold", headers=env.staff.headers,
                             json={"r_amount": "0.00", "c_amount": "0.00"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "threshold_locked")
    r = await env.client.put(f"/api/v1/sales/{sale['id']}/threshold", headers=env.manager.headers,
                             json={"r_amount": "0.00", "c_amount": "18400.00"})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "reason_required")
    r = await env.client.put(f"/api/v1/sales/{sale['id']}/threshold", headers=env.manager.headers,
                             json={"r_amount": "0.00", "c_amount": "18400.00", "reason": "İpotek terkin edildi"})
    assert r.status_code == 200
    view = await env.get_lot(lot["id"])
    assert view["round"]["threshold"] == "1193400.00"
    from auction.audit.models import AuditEntry

    async with runtime.db.session() as s:
        actions = (await s.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "sale"))).all()
    assert "sale.threshold_decision" in actions
