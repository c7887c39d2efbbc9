"""The bidder's IBAN, address and phone (A-37; refunds go to the IBAN, A-55)."""

import re

import pytest
from sqlalchemy import select

from auction.audit.models import AuditEntry
from auction.users.errors import InvalidIban, InvalidProfile
from auction.users.service import normalise_iban, normalise_phone
from tests.conftest import PASSWORD

VALID = "TR330006100519786457841326"


@pytest.mark.parametrize(("raw", "ok"), [
    ("TR33 0006 1005 1978 6457 8413 26", True),
    ("tr330006100519786457841326", True),
    ("TR340006100519786457841326", False),  # one check digit wrong
    ("TR33000610051978645784132", False),  # 25 characters
    ("DE89370400440532013000", False),  # a valid German IBAN is not a Turkish one
    ("TR33000610051978645784132X", False),
])
def test_iban_checksum(raw, ok):
    if ok:
        assert normalise_iban(raw) == VALID
    else:
        with pytest.raises(InvalidIban):
            normalise_iban(raw)


@pytest.mark.parametrize(("raw", "e164"), [
    ("0532 123 45 67", "+905321234567"),
    ("+90 (532) 123-45-67", "+905321234567"),
    ("5321234567", "+905321234567"),
    ("0090 532 123 45 67", "+905321234567"),
    ("+49 30 1234567", "+49301234567"),
    ("0032 123", None),  # too short
    ("+90 032 123 45 67", None),  # a Turkish number never starts with 0 after +90
    ("05321234567890", None),
    ("532-abc-4567", None),
])
def test_phone_is_stored_in_e164_for_the_sms_gateway(raw, e164):
    if e164 is None:
        with pytest.raises(InvalidProfile):
            normalise_phone(raw)
    else:
        assert normalise_phone(raw) == e164


async def test_api_profile_update_and_audit(client, bidder, runtime):
    r = await client.patch("/api/v1/me", headers=bidder.headers, json={
        "address": "Moda Cad. No: 5, Kadıköy / İstanbul", "phone": "+90 532 000 00 00"})
    assert r.status_code == 200, r.text
    assert r.json()["phone"] == "+905320000000"
    assert (await client.get("/api/v1/me", headers=bidder.headers)).json()["address"].startswith("Moda")
    bad = await client.patch("/api/v1/me", headers=bidder.headers, json={"iban": "TR340006100519786457841326"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_iban"
    # A valid IBAN through the plain update is refused: it changes only with an SMS code (issue 17).
    plain = await client.patch("/api/v1/me", headers=bidder.headers, json={"iban": VALID})
    assert plain.status_code == 409 and plain.json()["error"]["code"] == "iban_change_requires_code"
    assert (await client.get("/api/v1/me", headers=bidder.headers)).json()["iban"] is None  # unchanged
    async with runtime.db.session() as s:
        entry = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "user.profile_updated"))).one()
    assert entry.data == {"address": "changed", "phone": "changed"}


async def test_profile_page(client, bidder):
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    await client.post("/login", data={"email": bidder.email, "password": PASSWORD, "csrf_token": token})
    form = await client.get("/hesabim/profil")
    assert form.status_code == 200 and 'aria-current="page"' in form.text
    # The IBAN is shown, not edited here: its own page changes it with an SMS code.
    assert 'name="iban"' not in form.text and 'href="/hesabim/iban"' in form.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    r = await client.post("/hesabim/profil", data={"csrf_token": csrf, "address": "kısa", "phone": ""})
    assert r.status_code == 422 and 'aria-invalid="true"' in r.text
    r = await client.post("/hesabim/profil", data={"csrf_token": csrf,
                                                   "address": "Bağdat Cad. No: 10, Maltepe / İstanbul",
                                                   "phone": "0216 000 00 00"})
    assert r.status_code == 200 and "Profiliniz kaydedildi" in r.text
    assert "Bağdat Cad." in (await client.get("/hesabim/profil")).text
