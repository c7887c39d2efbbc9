"""Offices (admin API and CLI) and parties to a file (staff link them; a party sees only its files)."""

import os
import subprocess
import sys

from sqlalchemy import select

from auction.audit.models import AuditEntry
from auction.cases.models import CaseParty

VALID_IBAN = "TR330006100519786457841326"


async def test_admin_creates_and_lists_offices_and_bad_input_is_a_clear_422(client, make_actor):
    admin = await make_actor("admin")
    r = await client.post("/api/v1/offices", headers=admin.headers, json={
        "code": "ank-04", "name": "Ankara 4. İcra Dairesi", "city": "Ankara",
        "iban": "TR33 0006 1005 1978 6457 8413 26"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["code"], body["iban"]) == ("ANK-04", VALID_IBAN)
    assert body["sales_bureau_name"] == "Ankara 4. İcra Dairesi Satış İşlemleri Bürosu"
    again = await client.post("/api/v1/offices", headers=admin.headers,
                              json={"code": "ANK-04", "name": "Başka", "city": "Ankara"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "office_exists"
    bad_iban = await client.post("/api/v1/offices", headers=admin.headers,
                                 json={"code": "ANK-05", "name": "Ankara 5", "city": "Ankara", "iban": "TR34000"})
    assert bad_iban.status_code == 422 and bad_iban.json()["error"]["code"] == "invalid_iban"
    bad_code = await client.post("/api/v1/offices", headers=admin.headers,
                                 json={"code": "ank 05!", "name": "Ankara 5", "city": "Ankara"})
    assert bad_code.status_code == 422 and bad_code.json()["error"]["code"] == "invalid_office"
    listed = (await client.get("/api/v1/offices", headers=admin.headers)).json()
    assert [o["code"] for o in listed] == ["ANK-04"]
    staff = await make_actor("staff", "ANK-04")
    assert (await client.get("/api/v1/offices", headers=staff.headers)).status_code == 403
    assert (await client.post("/api/v1/offices", headers=staff.headers,
                              json={"code": "X-1", "name": "Xxx", "city": "Yy"})).status_code == 403


def test_offices_cli_on_a_fresh_install_lets_staff_be_created(tmp_path):
    env = dict(os.environ)
    env.update({"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", "ESATIS_VAR_DIR": str(tmp_path),
                "ESATIS_PASSWORD_HASHING": "fast"})
    env.pop("REDIS_URL", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "web.cli", *args], env=env, capture_output=True, text=True,
                              timeout=120)

    assert run("migrate").returncode == 0
    assert "no offices yet" in run("offices", "list").stdout
    r = run("offices", "create", "--code", "IZM-07", "--name", "İzmir 7. İcra Dairesi", "--city", "İzmir",
            "--sales-bureau", "İzmir Satış Bürosu", "--iban", VALID_IBAN)
    assert r.returncode == 0, r.stderr
    assert "created office IZM-07" in r.stdout
    dup = run("offices", "create", "--code", "IZM-07", "--name", "Yine", "--city", "İzmir")
    assert dup.returncode != 0 and "office_exists" in dup.stderr and "Traceback" not in dup.stderr
    listed = run("offices", "list").stdout
    assert "IZM-07\tİzmir 7. İcra Dairesi\tİzmir\tİzmir Satış Bürosu\t" + VALID_IBAN in listed
    r = run("users", "create", "--email", "p@example.test", "--password", "guclu-parola-1", "--role", "staff",
            "--office", "IZM-07")
    assert r.returncode == 0, r.stderr
    r = run("users", "create", "--email", "vekil@example.test", "--password", "guclu-parola-1", "--role", "party")
    assert r.returncode == 0, r.stderr


async def _file_with_creditor(client, staff):
    case = (await client.post("/api/v1/cases", headers=staff.headers,
                              json={"file_no": "2026/77 Esas", "debtor": "Borçlu Bey"})).json()
    creditor = (await client.post(f"/api/v1/cases/{case['id']}/creditors", headers=staff.headers, json={
        "name": "Alacaklı Bankası A.Ş.", "kind": "haciz", "claim_total": "150000.00"})).json()
    return case, creditor


async def test_staff_link_parties_and_a_party_sees_only_its_own_files(client, runtime, staff, make_actor):
    case, creditor = await _file_with_creditor(client, staff)
    other_case = (await client.post("/api/v1/cases", headers=staff.headers,
                                    json={"file_no": "2026/78 Esas", "debtor": "Başka Borçlu"})).json()
    lawyer = await make_actor("party")
    debtor = await make_actor("party")
    r = await client.post(f"/api/v1/cases/{case['id']}/parties", headers=staff.headers, json={
        "email": lawyer.email, "capacity": "alacakli_vekili", "creditor_id": creditor["id"]})
    assert r.status_code == 201, r.text
    link = r.json()
    assert (link["capacity"], link["creditor_id"], link["user_id"]) == ("alacakli_vekili", creditor["id"],
                                                                        lawyer.user.id)
    r = await client.post(f"/api/v1/cases/{case['id']}/parties", headers=staff.headers,
                          json={"user_id": debtor.user.id, "capacity": "borclu"})
    assert r.status_code == 201, r.text
    # The same link twice is refused; a creditor-side link must name a creditor of this file.
    dup = await client.post(f"/api/v1/cases/{case['id']}/parties", headers=staff.headers, json={
        "email": lawyer.email, "capacity": "alacakli_vekili", "creditor_id": creditor["id"]})
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "party_exists"
    no_creditor = await client.post(f"/api/v1/cases/{case['id']}/parties", headers=staff.headers,
                                    json={"email": lawyer.email, "capacity": "alacakli"})
    assert no_creditor.status_code == 422 and no_creditor.json()["error"]["code"] == "party_invalid"
    foreign = await client.post(f"/api/v1/cases/{other_case['id']}/parties", headers=staff.headers, json={
        "email": lawyer.email, "capacity": "alacakli", "creditor_id": creditor["id"]})
    assert foreign.status_code == 422
    # Only accounts with the party role can be linked (a bidder account cannot follow a file this way).
    bidder = await make_actor("bidder")
    not_party = await client.post(f"/api/v1/cases/{case['id']}/parties", headers=staff.headers,
                                  json={"user_id": bidder.user.id, "capacity": "borclu"})
    assert not_party.status_code == 422

    assert [c["id"] for c in (await client.get("/api/v1/me/files", headers=lawyer.headers)).json()] == [case["id"]]
    assert (await client.get("/api/v1/me/files", headers=bidder.headers)).status_code == 403
    assert (await client.get(f"/api/v1/cases/{case['id']}/parties", headers=lawyer.headers)).status_code == 403

    ended = await client.delete(f"/api/v1/cases/{case['id']}/parties/{link['id']}", headers=staff.headers)
    assert ended.status_code == 200 and ended.json()["ended_at"] is not None
    assert (await client.get("/api/v1/me/files", headers=lawyer.headers)).json() == []
    async with runtime.db.session() as s:
        assert len((await s.scalars(select(CaseParty))).all()) == 2  # ended, not deleted
        actions = [a.action for a in (await s.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()]
    assert actions.count("case.party_linked") == 2 and actions.count("case.party_unlinked") == 1


async def test_parties_are_office_scoped(client, runtime, staff, make_actor):
    from auction.users import service as users

    case, _ = await _file_with_creditor(client, staff)
    async with runtime.db.session() as s:
        await users.create_office(s, code="ANK-02", name="Ankara 2. İcra Dairesi", city="Ankara")
    other_staff = await make_actor("staff", "ANK-02")
    party = await make_actor("party")
    r = await client.post(f"/api/v1/cases/{case['id']}/parties", headers=other_staff.headers,
                          json={"user_id": party.user.id, "capacity": "borclu"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "office_scope"
    assert (await client.get(f"/api/v1/cases/{case['id']}/parties", headers=other_staff.headers)).status_code == 403
