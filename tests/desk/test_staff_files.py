"""Files on the desk: staff open a file, add a lot, take the sale decision and link a party, each through a
form over the same services as the API; another office reaches none of it."""

from __future__ import annotations

import re

HTML = {"Accept": "text/html"}


async def test_staff_open_a_file_add_a_lot_and_take_the_sale_decision(env, manual_clock, runtime, make_actor):
    h = {**HTML, **env.staff.headers}
    r = await env.client.post("/staff/files", headers=h, data={"file_no": "2026/901 Esas", "debtor": "Ali Veli"})
    assert r.status_code == 303 and r.headers["location"].endswith("?kaydedildi=file")
    file_url = r.headers["location"].split("?")[0]
    case_id = int(file_url.rsplit("/", 1)[1])
    assert "2026/901 Esas" in (await env.client.get("/staff/files", headers=h)).text
    r = await env.client.post(f"{file_url}/lots", headers=h, data={
        "kind": "tasinmaz", "use": "konut", "title": "Üsküdar'da 2+1 daire", "appraised_value": "2.350.000,00",
        "appraisal_final": "1"})
    assert r.status_code == 303 and "kaydedildi=lot" in r.headers["location"]
    lot_id = int(r.headers["location"].rsplit("#lot-", 1)[1])
    # The queue offers the sale decision and leads to the file's page.
    queue = (await env.client.get("/api/v1/staff/queue?kind=sale_to_schedule", headers=env.staff.headers)).json()
    assert [i["href"] for i in queue if i["object_id"] == lot_id] == [f"/staff/lots/{lot_id}"]
    r = await env.client.get(f"/staff/lots/{lot_id}", headers=h)
    assert r.headers["location"] == f"/staff/files/{case_id}#lot-{lot_id}"
    page = await env.client.get(file_url, headers=h)
    assert 'data-testid="sale-decision-form"' in page.text
    start = re.search(r'name="first_round_start" type="datetime-local" required value="([^"]+)"', page.text).group(1)
    r = await env.client.post(f"/staff/lots/{lot_id}/sale", headers=h, data={"first_round_start": start})
    assert "hata=confirm_required" in r.headers["location"]
    r = await env.client.post(f"/staff/lots/{lot_id}/sale", headers=h, data={"first_round_start": "2020-01-01T10:00",
                                                                             "confirm": "1"})
    assert "hata=sale_invalid" in r.headers["location"]  # the legal calendar refuses a date in the past
    r = await env.client.post(f"/staff/lots/{lot_id}/sale", headers=h, data={"first_round_start": start,
                                                                             "confirm": "1"})
    assert r.status_code == 303 and r.headers["location"].endswith("?kaydedildi=sale_decided")
    sale_page = await env.client.get(r.headers["location"], headers=h)
    assert 'data-status="announced"' in sale_page.text and "Satış kararı verildi; ilan yapıldı." in sale_page.text
    assert 'data-testid="sale-decision-form"' not in (await env.client.get(file_url, headers=h)).text
    # A party linked from the page follows the file.
    party = await make_actor("party")
    r = await env.client.post(f"{file_url}/parties", headers=h, data={"email": party.email, "capacity": "borclu"})
    assert "kaydedildi=party" in r.headers["location"]
    assert 'data-event="sale_decided"' in (await env.client.get(f"/files/{case_id}", headers=party.headers)).text
    # Another office: refused.
    from auction.users import service as users

    async with runtime.db.session() as s:
        await users.create_office(s, code="ANK-02", name="Ankara 2. İcra Dairesi", city="Ankara")
    other = await make_actor("staff", "ANK-02")
    assert (await env.client.get(file_url, headers=other.headers)).status_code == 403
    r = await env.client.post(f"{file_url}/lots", headers={**HTML, **other.headers}, data={
        "kind": "tasinir", "title": "Traktör", "appraised_value": "100000"})
    assert "hata=office_scope" in r.headers["location"]
