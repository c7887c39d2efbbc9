"""Parties to a file: staff link them (office-scoped, audited); a party sees only its own files."""

from sqlalchemy import select

from auction.audit.models import AuditEntry
from auction.cases.models import CaseParty


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
