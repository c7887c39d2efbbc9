"""A lot's claim records on the desk's file page in headless Chromium (demo data): staff open the haciz
form under "Alacak kayıtları", type a claim as people type it (Turkish amounts, a rate in per cent, a
kanuni period, a part payment) and see the haciz listed; a refused form shows its problems next to it.
axe-core finds no WCAG 2 A/AA violation; screenshots go to docs/screenshots/ when ESATIS_SCREENSHOTS=1."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from auction.calendar import ISTANBUL
from auction.demo import DEMO_PASSWORD
from tests.livesupport import LiveServer, start_server
from tests.web.browser.test_aftersale_browser import _axe, _shot

STAFF = "personel@esatis.test"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    s = start_server(tmp_path_factory.mktemp("records"), extra_env={"ESATIS_RATE_LIMITS": "off"})
    yield s
    s.stop()


def _file_with_a_creditor(url: str) -> tuple[int, int]:
    """A new file of the demo office with a lot and a haciz creditor (through the API); (case id, lot id)."""
    r = httpx.post(f"{url}/api/v1/auth/token", json={"email": STAFF, "password": DEMO_PASSWORD}, timeout=30)
    h = {"Authorization": f"Bearer {r.json()['access_token']}"}
    case = httpx.post(f"{url}/api/v1/cases", headers=h, timeout=30,
                      json={"file_no": "2026/7788 Esas", "debtor": "Mert Yılmaz"}).json()
    lot = httpx.post(f"{url}/api/v1/cases/{case['id']}/lots", headers=h, timeout=30, json={
        "kind": "tasinmaz", "use": "konut", "title": "Maltepe'de 2+1 daire", "appraised_value": "3100000.00",
        "appraisal_final": True}).json()
    r = httpx.post(f"{url}/api/v1/cases/{case['id']}/creditors", headers=h, timeout=30,
                   json={"name": "Marmara Gıda A.Ş.", "kind": "haciz", "claim_total": "350000.00"})
    assert r.status_code == 201, r.text
    return int(case["id"]), int(lot["id"])


async def test_staff_add_a_haciz_through_the_form(browser: Any, server: LiveServer) -> None:
    case_id, lot_id = _file_with_a_creditor(server.url)
    ctx = await browser.new_context(locale="tr-TR", timezone_id="Europe/Istanbul",
                                    viewport={"width": 1280, "height": 900}, bypass_csp=True)  # axe's script
    page = await ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(server.url + "/login")
    await page.fill('[data-testid="email"]', STAFF)
    await page.fill('[data-testid="password"]', DEMO_PASSWORD)
    await page.click('[data-testid="login-submit"]')
    await page.wait_for_load_state("networkidle")
    await page.goto(f"{server.url}/staff/files/{case_id}")
    records = page.locator(f'[data-testid="lot-records"][data-lot="{lot_id}"]')
    await records.wait_for()
    await records.locator('[data-testid="haciz-form-open"]').click()
    form = records.locator('[data-testid="haciz-form"]')
    today = datetime.now(ISTANBUL).date()  # the office's day, as the service judges "in the future"
    # A haciz in the future: refused with its problem next to the form, the typed amount kept.
    await form.locator('[data-testid="haciz-date"]').fill(str(today + timedelta(days=3)))
    await form.locator('[data-testid="haciz-takip-date"]').fill(str(today - timedelta(days=90)))
    await form.locator('[data-testid="haciz-principal"]').fill("250.000,00")
    await form.locator('[data-testid="haciz-submit"]').click()
    problem = page.locator('[data-testid="records-error"] [data-problem="in_future"]')
    await problem.wait_for()
    assert "Haciz tarihi: ileri bir tarih olamaz" in await problem.inner_text()
    form = page.locator(f'[data-testid="lot-records"][data-lot="{lot_id}"] [data-testid="haciz-form"]')
    assert await form.locator('[data-testid="haciz-principal"]').input_value() == "250.000,00"
    assert (violations := await _axe(page)) == [], violations
    await _shot(page, "desk-lot-records-error")
    # Corrected, with a fixed-rate period, a kanuni period and a part payment.
    await form.locator('[data-testid="haciz-date"]').fill(str(today - timedelta(days=60)))
    await form.locator('[data-testid="haciz-costs"]').fill("4.250,50")
    await form.locator('[data-testid="interest-start-0"]').fill(str(today - timedelta(days=90)))
    await form.locator('[data-testid="interest-end-0"]').fill(str(today - timedelta(days=30)))
    await form.locator('[data-testid="interest-rate-0"]').fill("24")
    await form.locator('[data-testid="interest-start-1"]').fill(str(today - timedelta(days=30)))
    await form.locator('[data-testid="interest-kind-1"]').select_option("kanuni")
    await form.locator('[data-testid="payment-date-0"]').fill(str(today - timedelta(days=10)))
    await form.locator('[data-testid="payment-amount-0"]').fill("15.000")
    await form.locator('[data-testid="haciz-submit"]').click()
    await page.locator('[data-testid="file-done"]').wait_for()
    row = page.locator(f'[data-testid="lot-records"][data-lot="{lot_id}"] [data-testid="hacizler"] tr[data-haciz]')
    assert await row.count() == 1
    text = " ".join((await row.inner_text()).split())
    assert "Marmara Gıda A.Ş." in text and "250.000,00 TL" in text and "4.250,50 TL" in text
    assert "%24" in text and "kanuni faiz" in text and "15.000,00 TL" in text
    assert (violations := await _axe(page)) == [], violations
    await page.locator(f'[data-testid="lot-records"][data-lot="{lot_id}"]').scroll_into_view_if_needed()
    await _shot(page, "desk-lot-records")
    assert errors == []
    await ctx.close()
