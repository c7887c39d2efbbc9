from sqlalchemy import select

from auction.audit.models import AuditEntry


async def test_staff_open_a_case_and_add_lots(client, staff, runtime):
    r = await client.post("/api/v1/cases", headers=staff.headers,
                          json={"file_no": "2026/123 Esas", "debtor": "Ahmet Yılmaz"})
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["file_no"] == "2026/123 Esas"
    assert case["office_id"] == staff.user.office_id
    r = await client.post(f"/api/v1/cases/{case['id']}/lots", headers=staff.headers, json={
        "kind": "tasinmaz", "use": "konut", "title": "Kadıköy'de daire", "description": "3+1",
        "appraised_value": "2350000", "net_area_m2": "95", "province": "İstanbul", "district": "Kadıköy",
        "ada": "1", "parsel": "2"})
    assert r.status_code == 201, r.text
    lot = r.json()
    assert lot["appraised_value"] == "2350000.00"
    assert lot["status"] == "seized"
    public = await client.get(f"/api/v1/lots/{lot['id']}")
    assert public.status_code == 200
    assert public.json()["title"] == "Kadıköy'de daire"
    dup = await client.post("/api/v1/cases", headers=staff.headers,
                            json={"file_no": "2026/123 Esas", "debtor": "Başka Borçlu"})
    assert dup.status_code == 409
    assert dup.json()["error"]["code"] == "duplicate_file_no"
    async with runtime.db.session() as s:
        actions = (await s.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all()
    assert "case.created" in actions
    assert "lot.created" in actions


async def test_missing_lot_is_404(client):
    r = await client.get("/api/v1/lots/999999")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "lot_not_found"
