"""The staff page of a sale's cetvel in headless Chromium (demo data, law ruleset): the demo's forklift
reached `distributing` at handover, so the system built its draft cetvel. Staff open
`/staff/sales/{id}/cetvel`, see the lines (`cetvel`) adding up to the price, serve it; the müdür's
finalise is refused while the 7-day window runs and the page says why. axe-core finds no WCAG 2 A/AA
violation; screenshots go to docs/screenshots/ when ESATIS_SCREENSHOTS=1."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.livesupport import LiveServer, start_server
from tests.web.browser.test_aftersale_browser import STAFF, _axe, _login, _shot, _token

MUDUR = "mudur@esatis.test"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    s = start_server(tmp_path_factory.mktemp("cetvel"), extra_env={"ESATIS_RATE_LIMITS": "off"})
    yield s
    s.stop()


def _distributing_sale(url: str) -> dict[str, Any]:
    sales = httpx.get(f"{url}/api/v1/sales", params={"status": "distributing"}, headers=_token(url, STAFF),
                      timeout=30)
    return sales.json()[0]


def _money(text: str) -> Decimal:
    return Decimal(text.replace(" TL", "").replace(".", "").replace(",", "."))


async def test_staff_serve_the_cetvel_and_the_window_holds_finality(browser: Any, server: LiveServer) -> None:
    sale = _distributing_sale(server.url)
    page = await _login(browser, server.url, STAFF)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(f"{server.url}/staff/sales/{sale['id']}/cetvel")
    assert await page.locator('[data-testid="sale-status"]').get_attribute("data-status") == "distributing"
    table = page.locator('[data-testid="cetvel"]')
    amounts = [_money(x) for x in await table.locator("tbody td.num").all_inner_texts()]
    assert amounts and sum(amounts) == _money(await page.locator('[data-testid="cetvel-total"]').inner_text())
    assert await page.locator('[data-testid="payouts"]').count() == 1
    assert (violations := await _axe(page)) == [], violations
    # The button alone does nothing: the browser asks for the confirmation box first (required).
    await page.click('[data-testid="cetvel-serve"]')
    assert page.url.endswith("/cetvel")
    await page.check('[data-testid="confirm-cetvel-serve"]')
    await page.click('[data-testid="cetvel-serve"]')
    await page.wait_for_url(f"**/staff/sales/{sale['id']}/cetvel?kaydedildi=1")
    assert "Tebliğ edildi" in await page.locator('[data-testid="cetvel-status"]').inner_text()
    await _shot(page, "staff-cetvel-served")
    mudur = await _login(browser, server.url, MUDUR)
    await mudur.goto(f"{server.url}/staff/sales/{sale['id']}/cetvel")
    assert "İtiraz süresi dolmadan" in await mudur.locator("#window-note").inner_text()
    await mudur.check('[data-testid="confirm-cetvel-finalise"]')
    await mudur.click('[data-testid="cetvel-finalise"]')
    await mudur.wait_for_url("**?hata=objection_window_open")
    assert await mudur.locator('[data-testid="cetvel-error"]').inner_text() == "objection_window_open"
    assert (violations := await _axe(mudur)) == [], violations
    await _shot(mudur, "staff-cetvel-window-open")
    assert errors == []
