"""The desk in headless Chromium (demo data, law ruleset): staff open the work queue (`work-queue`), follow
the Pendik shop's finality check to its sale page and confirm kesinleşme with the form's confirmation; the
row leaves the queue. An admin creates an office and invites its first member of staff, who sets a
password through the one-time link, signs in to an empty desk, opens a file, adds a lot and takes the sale
decision. A party, invited by the admin and
linked to the file by staff, follows the file's safahat (`safahat`). axe-core finds no WCAG 2 A/AA
violation on any page; screenshots go to docs/screenshots/ when ESATIS_SCREENSHOTS=1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from auction.demo import DEMO_PASSWORD
from tests.livesupport import LiveServer, start_server
from tests.web.browser.test_aftersale_browser import _axe, _shot

STAFF, ADMIN = "personel@esatis.test", "admin@esatis.test"
NEW_PASSWORD = "masa-parola-2026"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    s = start_server(tmp_path_factory.mktemp("desk"), extra_env={"ESATIS_RATE_LIMITS": "off"}, port=8102)
    yield s
    s.stop()


async def _context(browser: Any) -> Any:
    ctx = await browser.new_context(locale="tr-TR", timezone_id="Europe/Istanbul",
                                    viewport={"width": 1280, "height": 900}, bypass_csp=True)
    return await ctx.new_page()


async def _login(browser: Any, url: str, email: str, password: str = DEMO_PASSWORD) -> Any:
    page = await _context(browser)
    await page.goto(url + "/login")
    await page.fill('[data-testid="email"]', email)
    await page.fill('[data-testid="password"]', password)
    await page.click('[data-testid="login-submit"]')
    await page.wait_for_load_state("networkidle")
    return page


def _token(url: str, email: str) -> dict[str, str]:
    r = httpx.post(f"{url}/api/v1/auth/token", json={"email": email, "password": DEMO_PASSWORD}, timeout=30)
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _link_party_to_the_handover_file(url: str, email: str) -> int:
    """Staff link the party (as the debtor's lawyer) to the file of the sale at tescil; its case id."""
    staff = _token(url, STAFF)
    sales = httpx.get(f"{url}/api/v1/sales", params={"status": "handover"}, headers=staff, timeout=30).json()
    case_id = int(sales[0]["case_id"])
    r = httpx.post(f"{url}/api/v1/cases/{case_id}/parties", headers=staff, timeout=30,
                   json={"email": email, "capacity": "borclu_vekili"})
    assert r.status_code == 201, r.text
    return case_id


async def test_staff_take_a_decision_from_the_queue(browser: Any, server: LiveServer) -> None:
    page = await _login(browser, server.url, STAFF)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(server.url + "/staff")
    queue = page.locator('[data-testid="work-queue"]')
    await queue.wait_for()
    await page.locator('[data-testid="queue-count"]').wait_for()  # the badge on the navigation bar
    row = queue.locator('tr[data-kind="finality_check"]').first
    assert await row.count() == 1
    assert (violations := await _axe(page)) == [], violations
    await _shot(page, "desk-queue-desktop")
    await row.locator("a").click()
    await page.locator('[data-testid="finality-form"]').wait_for()
    status = page.locator('[data-testid="sale-status"]')
    assert await status.get_attribute("data-status") == "awaiting_finality_check"
    sale_url = page.url
    # Without the confirmation the browser does not even send the form (the box is required).
    await page.click('[data-testid="finality-confirm"]')
    assert page.url == sale_url
    await page.check('[data-testid="confirm-finality"]')
    assert (violations := await _axe(page)) == [], violations
    await _shot(page, "desk-sale-finality-desktop")
    await page.click('[data-testid="finality-confirm"]')
    await page.locator('[data-testid="decision-done"]').wait_for()
    assert await page.locator('[data-testid="sale-status"]').get_attribute("data-status") == "final"
    await page.goto(server.url + "/staff?kind=finality_check")
    assert await page.locator('[data-testid="work-queue"] tr[data-kind="finality_check"]').count() == 0
    await page.goto(server.url + "/staff/audit?action=sale.")
    assert "sale.finalised" in await page.locator('[data-testid="audit-log"]').inner_text()
    assert (violations := await _axe(page)) == [], violations
    await _shot(page, "desk-audit-desktop")
    # A phone: the queue and a sale page fit 390 px (tables scroll inside their wrapper, never the page).
    await page.set_viewport_size({"width": 390, "height": 844})
    for path, name in (("/staff", "desk-queue-mobile"), (sale_url.removeprefix(server.url), "desk-sale-mobile")):
        await page.goto(server.url + path)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
        await _shot(page, name)
    assert errors == []


async def test_an_admin_opens_an_office_and_a_party_follows_its_file(browser: Any, server: LiveServer) -> None:
    admin = await _login(browser, server.url, ADMIN)
    await admin.goto(server.url + "/staff/offices")
    await admin.fill('[data-testid="office-code"]', "IZM-03")
    await admin.fill('[data-testid="office-name"]', "İzmir 3. İcra Dairesi")
    await admin.fill('[data-testid="office-city"]', "İzmir")
    await admin.click('[data-testid="office-submit"]')
    await admin.wait_for_url("**/staff/offices?kaydedildi=IZM-03")
    assert "İzmir 3. İcra Dairesi" in await admin.locator('[data-testid="offices"]').inner_text()
    assert (violations := await _axe(admin)) == [], violations
    await _shot(admin, "desk-offices-desktop")

    async def invite(email: str, name: str, role: str, office: str) -> str:
        await admin.goto(server.url + "/staff/people")
        await admin.fill('[data-testid="invite-name"]', name)
        await admin.fill('[data-testid="invite-email"]', email)
        await admin.select_option('[data-testid="invite-role"]', role)
        await admin.select_option('[data-testid="invite-office"]', office)
        await admin.click('[data-testid="invite-submit"]')
        return (await admin.locator('[data-testid="one-time-link-path"]').inner_text()).strip()

    link = await invite("zeynep@izmir.test", "Zeynep Demir", "staff", "IZM-03")
    assert (violations := await _axe(admin)) == [], violations
    await _shot(admin, "desk-people-invite-desktop")
    newcomer = await _context(browser)
    await newcomer.goto(server.url + link)
    await newcomer.fill('[data-testid="new-password"]', NEW_PASSWORD)
    await newcomer.fill('[data-testid="new-password2"]', NEW_PASSWORD)
    assert (violations := await _axe(newcomer)) == [], violations
    await _shot(newcomer, "desk-invite-link-desktop")
    await newcomer.click('[data-testid="link-submit"]')
    await newcomer.fill('[data-testid="password"]', NEW_PASSWORD)
    await newcomer.click('[data-testid="login-submit"]')
    await newcomer.wait_for_url("**/staff")
    assert "Bekleyen iş yok." in await newcomer.locator('[data-testid="work-queue"]').inner_text()
    # Her first file: open it, add a lot whose appraisal is kesin, take the satış kararı.
    await newcomer.goto(server.url + "/staff/files")
    await newcomer.fill('[data-testid="file-no"]', "2026/15 Esas")
    await newcomer.fill('[data-testid="file-debtor"]', "Kemal Arslan")
    await newcomer.click('[data-testid="file-submit"]')
    await newcomer.locator('[data-testid="lot-form"]').wait_for()
    await newcomer.fill('[data-testid="lot-title"]', "Karşıyaka'da 3+1 daire")
    await newcomer.fill('[data-testid="lot-value"]', "3.150.000,00")
    await newcomer.check('[data-testid="lot-final"]')
    await newcomer.click('[data-testid="lot-submit"]')
    await newcomer.locator('[data-testid="sale-decision-form"]').wait_for()
    await newcomer.check('[data-testid="confirm-sale"]')
    assert (violations := await _axe(newcomer)) == [], violations
    await _shot(newcomer, "desk-file-desktop")
    await newcomer.click('[data-testid="sale-decide"]')
    status = newcomer.locator('[data-testid="sale-status"]')
    await status.wait_for()
    assert await status.get_attribute("data-status") == "announced"
    assert await newcomer.locator('[data-testid="threshold-form"]').count() == 1

    # A party: invited by the admin, linked by the office's staff to the Merter shop's file.
    link = await invite("vekil@hukuk.test", "Av. Deniz Aydın", "party", "IST-12")
    party = await _context(browser)
    await party.goto(server.url + link)
    await party.fill('[data-testid="new-password"]', NEW_PASSWORD)
    await party.fill('[data-testid="new-password2"]', NEW_PASSWORD)
    await party.click('[data-testid="link-submit"]')
    case_id = _link_party_to_the_handover_file(server.url, "vekil@hukuk.test")
    await party.fill('[data-testid="password"]', NEW_PASSWORD)
    await party.click('[data-testid="login-submit"]')
    await party.wait_for_url("**/files")
    await party.locator(f'a[href="/files/{case_id}"]').click()
    safahat = party.locator('[data-testid="safahat"]')
    await safahat.wait_for()
    text = await safahat.inner_text()
    for step in ("Satış kararı verildi", "Artırma sona erdi", "Artırma sonuç tutanağı yayımlandı", "İhale kesinleşti"):
        assert step in text, step
    assert (violations := await _axe(party)) == [], violations
    await _shot(party, "desk-safahat-desktop")
