"""Issue 12's browser test, in headless Chromium against a live server (demo data, law ruleset): the demo forklift's
cetvel with two pledgees of the file (their parties linked, IBANs declared) and a third with no party (so no IBAN),
corrected so that all three are paid. Staff serve it on the page; one creditor's party objects to the other's line
(the API: the party's side has no page yet); the window is closed directly in the database (law: 7 days); the müdür
finalises on the page (`partly_final`: the objected line disputed); staff prepare the payouts and the müdür approves
every payout of the rest (four eyes); the disputed line is never instructed."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from auction.demo import DEMO_PASSWORD
from tests.livesupport import LiveServer, start_server
from tests.web.browser.test_aftersale_browser import STAFF, _axe, _login, _shot, _token

MUDUR = "mudur@esatis.test"
PARTIES = ("alacakli1@esatis.test", "alacakli2@esatis.test")
IBANS = ("TR330006100519786457841326", "TR320010009999901234567890")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    s = start_server(tmp_path_factory.mktemp("cetvel-objection"), extra_env={"ESATIS_RATE_LIMITS": "off"})
    for email in PARTIES:
        r = subprocess.run([sys.executable, "-m", "web.cli", "users", "create", "--email", email, "--password",
                            DEMO_PASSWORD, "--role", "party"], env=s.env, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
    yield s
    s.stop()


def _api(url: str, method: str, path: str, who: str, **kw: Any) -> httpx.Response:
    return httpx.request(method, f"{url}/api/v1{path}", headers=_token(url, who), timeout=60, **kw)


def _setup(server: LiveServer) -> tuple[dict[str, Any], int, list[str]]:
    """The forklift's file gets two pledgees, each with its party, and a third with none; the cetvel is
    corrected to pay all three."""
    url = server.url
    sale = _api(url, "GET", "/sales", STAFF, params={"status": "distributing"}).json()[0]
    c = _api(url, "GET", f"/sales/{sale['id']}/distribution", STAFF).json()
    case_id = sale["case_id"]
    refs = []
    case = c["case"]
    for i, (email, iban) in enumerate(zip(PARTIES, IBANS, strict=True)):
        cr = _api(url, "POST", f"/cases/{case_id}/creditors", STAFF,
                  json={"name": f"Alacaklı {i + 1} A.Ş.", "kind": "rehin", "claim_total": "100000.00"})
        assert cr.status_code == 201, cr.text
        me = _api(url, "GET", "/me", email)
        assert me.status_code == 200, me.text
        # The parties' payout IBANs straight into the database: a refund IBAN changes only with an SMS code
        # (issue 17, tested in tests/users/test_refund_iban.py), which is not what this test is about.
        with sqlite3.connect(server.env["DATABASE_URL"].split("///", 1)[1]) as con:
            con.execute("UPDATE users SET iban = ? WHERE id = ?", (iban, me.json()["id"]))
        r = _api(url, "POST", f"/cases/{case_id}/parties", STAFF,
                 json={"user_id": me.json()["id"], "capacity": "alacakli", "creditor_id": cr.json()["id"]})
        assert r.status_code == 201, r.text
        ref = f"cr{cr.json()['id']}"
        refs.append(ref)
        case["creditors"].append({"id": ref, "name": f"Alacaklı {i + 1} A.Ş.", "kind": "rehin", "degree": i + 1,
                                  "limit": "150000.00", "claim": {"principal": "100000.00"}})
    # A third pledgee with no party on the file, so no IBAN: its payout is the one the müdür cannot approve
    # (the demo's own haciz creditor is followed by its lawyer, who declared an IBAN).
    cr = _api(url, "POST", f"/cases/{case_id}/creditors", STAFF,
              json={"name": "IBAN'sız Alacaklı A.Ş.", "kind": "rehin", "claim_total": "50000.00"})
    assert cr.status_code == 201, cr.text
    case["creditors"].append({"id": f"cr{cr.json()['id']}", "name": "IBAN'sız Alacaklı A.Ş.", "kind": "rehin",
                              "degree": 3, "limit": "60000.00", "claim": {"principal": "50000.00"}})
    r = _api(url, "POST", f"/distributions/{c['distribution_id']}/versions", STAFF,
             json={"reason": "Rehin alacaklıları dosyaya eklendi", "case": case})
    assert r.status_code == 201, r.text
    return sale, c["distribution_id"], refs


def _close_window(server: LiveServer, did: int) -> None:
    db = server.env["DATABASE_URL"].split("///", 1)[1]
    with sqlite3.connect(db) as con:
        con.execute("UPDATE cetvels SET objection_until = '2000-01-01 00:00:00.000000' WHERE id = ?", (did,))


async def test_served_objected_finalised_and_the_rest_approved(browser: Any, server: LiveServer) -> None:
    sale, did, (cr1, cr2) = _setup(server)
    page = await _login(browser, server.url, STAFF)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(f"{server.url}/staff/sales/{sale['id']}/cetvel")
    await page.check('[data-testid="confirm-cetvel-serve"]')
    await page.click('[data-testid="cetvel-serve"]')
    await page.wait_for_url(f"**/staff/sales/{sale['id']}/cetvel?kaydedildi=1")
    assert "Tebliğ edildi" in await page.locator('[data-testid="cetvel-status"]').inner_text()
    # The second pledgee's party objects to the first's line (itiraz davası, D-41, D-53).
    r = _api(server.url, "POST", f"/distributions/{did}/objections", PARTIES[1],
             json={"kind": "itiraz", "lines": [cr1], "reason": "Birinci derece ipotek alacağı ödenmiştir"})
    assert r.status_code == 201, r.text
    _close_window(server, did)
    mudur = await _login(browser, server.url, MUDUR)
    mudur.on("pageerror", lambda e: errors.append(str(e)))
    await mudur.goto(f"{server.url}/staff/sales/{sale['id']}/cetvel")
    await mudur.check('[data-testid="confirm-cetvel-finalise"]')
    await mudur.click('[data-testid="cetvel-finalise"]')
    await mudur.wait_for_url("**?kaydedildi=1")
    got = _api(server.url, "GET", f"/distributions/{did}", STAFF).json()
    assert got["status"] == "partly_final"
    states = {x["key"]: x["state"] for x in got["lines"]}
    assert states[f"creditor:{cr1}"] == "disputed" and states[f"creditor:{cr2}"] == "final"
    # Staff prepare; the müdür approves every payout of the rest.
    await page.goto(f"{server.url}/staff/sales/{sale['id']}/cetvel")
    await page.click('[data-testid="payouts-prepare"]')
    await page.wait_for_url("**?kaydedildi=1")
    await mudur.goto(f"{server.url}/staff/sales/{sale['id']}/cetvel")
    # The third pledgee (no party on the file) has reported no IBAN: its payout cannot be approved (D-44)
    # and the refusal reads as a sentence that says how to fix it; every other one is approved.
    no_iban = mudur.locator("tr[data-payout]", has_text="IBAN bildirilmedi")
    assert await no_iban.count() == 1
    approvable = mudur.locator("tr[data-payout]", has=mudur.locator('[data-testid="payout-approve"]'),
                               has_not_text="IBAN bildirilmedi")
    n = await approvable.count()
    assert n >= 2
    for _ in range(n):
        await approvable.first.locator('[data-testid="confirm-payout-approve"]').check()
        await approvable.first.locator('[data-testid="payout-approve"]').click()
        await mudur.wait_for_url("**?kaydedildi=1")
    await no_iban.locator('[data-testid="confirm-payout-approve"]').check()
    await no_iban.locator('[data-testid="payout-approve"]').click()
    await mudur.wait_for_url("**?hata=iban_missing")
    assert "IBAN yok" in await mudur.locator('[role="alert"]').inner_text()
    await _shot(mudur, "staff-cetvel-iban-missing")
    assert await mudur.locator('[data-testid="payout-approve"]').count() == 1
    payouts = _api(server.url, "GET", f"/distributions/{did}/payouts", STAFF).json()
    waiting = [p for p in payouts if p["status"] != "approved"]
    assert len(waiting) == 1 and waiting[0]["status"] == "prepared" and not waiting[0]["iban"], waiting
    keys = {p["key"] for p in payouts}
    assert f"creditor:{cr2}" in keys and f"creditor:{cr1}" not in keys and f"harc:{cr1}" not in keys
    await mudur.goto(f"{server.url}/staff/sales/{sale['id']}/cetvel")
    assert (violations := await _axe(mudur)) == [], violations
    await _shot(mudur, "staff-cetvel-rest-approved")
    assert errors == []
