"""The audit log on the desk: office-scoped rows, filters, the CSV export of the same rows, and each sale's
own history on its page."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from auction import clock
from tests.engine import z

HTML = {"Accept": "text/html"}


async def test_the_audit_log_is_filtered_exported_and_scoped(env, runtime, make_actor):
    from auction.users import service as users

    lot = await env.lot()
    sale = await env.sale(lot["id"], first_round_start=z(clock.now() + timedelta(days=16)))
    async with runtime.db.session() as s:
        await users.create_office(s, code="ANK-02", name="Ankara 2. İcra Dairesi", city="Ankara")
    other = await make_actor("staff", "ANK-02")
    await env.client.post("/api/v1/cases", headers=other.headers, json={"file_no": "2026/77 Esas", "debtor": "Başka"})
    page = await env.client.get("/staff/audit", headers={**HTML, **env.staff.headers})
    assert page.status_code == 200 and 'data-testid="audit-log"' in page.text
    assert "sale.decided" in page.text or "sale." in page.text
    assert "2026/77" not in page.text
    # The filter by action prefix, and the CSV of the same rows.
    r = await env.client.get("/staff/audit.csv?action=case.", headers=env.staff.headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows and {row["action"][:5] for row in rows} == {"case."}
    assert {row["office_id"] for row in rows} == {str(env.staff.user.office_id)}
    assert all(row["actor_email"] == env.staff.email for row in rows)
    theirs = await env.client.get("/staff/audit.csv?action=case.", headers=other.headers)
    their_rows = list(csv.DictReader(io.StringIO(theirs.content.decode("utf-8-sig"))))
    assert [row["actor_email"] for row in their_rows] == [other.email]
    by_person = await env.client.get(f"/staff/audit?person={other.email}", headers={**HTML, **env.staff.headers})
    assert "Kayıt yok." in by_person.text
    # The sale's own page shows its history.
    page = await env.client.get(f"/staff/sales/{sale['id']}", headers={**HTML, **env.staff.headers})
    assert 'data-testid="audit-log"' in page.text and f"sale {sale['id']}" in page.text
    bidder = await make_actor("bidder")
    for path in ("/staff/audit", "/staff/audit.csv"):
        assert (await env.client.get(path, headers=bidder.headers)).status_code == 403
