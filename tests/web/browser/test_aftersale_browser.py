"""The winner pays with the SMS code in headless Chromium (demo data, law ruleset): the Bostancı flat of
the demo is awarded to alici1 with the price due. He pays part of it, reads the code from the `file:` SMS
sink, types a wrong code first (the page says how many tries are left), then the right one; then pays the
rest. Staff see the sale's steps on its page (`data-testid="sale-status"`). axe-core finds no WCAG 2 A/AA
violation on either page; screenshots go to docs/screenshots/ when ESATIS_SCREENSHOTS=1."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from auction.demo import DEMO_PASSWORD
from tests.livesupport import LiveServer, start_server
from tests.web.browser.conftest import SCREENSHOTS

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
A1, STAFF = "alici1@esatis.test", "personel@esatis.test"


@pytest.fixture(scope="module")
def sms_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sms") / "sms.jsonl"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sms_path: Path) -> Iterator[LiveServer]:
    s = start_server(tmp_path_factory.mktemp("aftersale"), extra_env={"ESATIS_SMS": f"file:{sms_path}",
                                                                      "ESATIS_RATE_LIMITS": "off"})
    yield s
    s.stop()


def _token(url: str, email: str) -> dict[str, str]:
    r = httpx.post(f"{url}/api/v1/auth/token", json={"email": email, "password": DEMO_PASSWORD}, timeout=30)
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _due_sale(url: str) -> dict[str, Any]:
    sales = httpx.get(f"{url}/api/v1/sales", params={"status": "awarded"}, headers=_token(url, STAFF), timeout=30)
    return next(s for s in sales.json() if s["payment_status"] == "due")


def _code(path: Path, phone: str) -> str:
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    return str([x for x in lines if x["to"] == phone][-1]["code"])


async def _login(browser: Any, url: str, email: str) -> Any:
    ctx = await browser.new_context(locale="tr-TR", timezone_id="Europe/Istanbul", viewport={"width": 1280,
                                                                                           "height": 900},
                                    bypass_csp=True)
    page = await ctx.new_page()
    await page.goto(url + "/login")
    await page.fill('[data-testid="email"]', email)
    await page.fill('[data-testid="password"]', DEMO_PASSWORD)
    await page.click('[data-testid="login-submit"]')
    await page.wait_for_url(url + "/")
    return page


async def _axe(page: Any) -> list[dict[str, Any]]:
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG)
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]


async def _shot(page: Any, name: str) -> None:
    if os.environ.get("ESATIS_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


async def test_the_winner_pays_with_the_sms_code(browser: Any, server: LiveServer, sms_path: Path) -> None:
    sale = _due_sale(server.url)
    page = await _login(browser, server.url, A1)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(f"{server.url}/hesabim/kazandiklarim/{sale['id']}")
    due = await page.locator('[data-testid="due-now"]').inner_text()
    assert due.endswith("TL")
    assert await page.locator('[data-testid="sale-status-buyer"]').get_attribute("data-status") == "awarded"
    assert (violations := await _axe(page)) == [], violations
    # A part payment first.
    await page.fill('[data-testid="pay-amount"]', "100.000,00")
    await page.click('[data-testid="pay-submit"]')
    await page.locator('[data-testid="pay-code"]').wait_for()
    code = _code(sms_path, "+905320000001")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    await page.fill('[data-testid="pay-code"]', wrong)
    await page.click('[data-testid="pay-confirm"]')
    result = page.locator('[data-testid="pay-result"]')
    assert "Kalan deneme: 4" in await result.inner_text()
    await page.fill('[data-testid="pay-code"]', code)
    await page.click('[data-testid="pay-confirm"]')
    assert "Ödemeniz alındı (100.000,00 TL)" in await page.locator('[data-testid="pay-result"]').inner_text()
    # Then the rest: the form offers what is still due.
    await page.click('[data-testid="pay-submit"]')
    await page.locator('[data-testid="pay-code"]').wait_for()
    await page.fill('[data-testid="pay-code"]', _code(sms_path, "+905320000001"))
    await page.click('[data-testid="pay-confirm"]')
    await page.locator('[data-testid="pay-result"]').wait_for()
    step = page.locator('[data-testid="sale-timeline"] [data-step="payment"]')
    assert await step.get_attribute("data-state") == "done"
    docs = page.locator('[data-testid="sale-documents"] li[data-kind="payment_receipt"]')
    assert await docs.count() == 2
    assert (violations := await _axe(page)) == [], violations
    await _shot(page, "won-paid-desktop")
    assert errors == []

    staff = await _login(browser, server.url, STAFF)
    await staff.goto(f"{server.url}/buro/satislar/{sale['id']}")
    status = staff.locator('[data-testid="sale-status"]')
    assert await status.get_attribute("data-status") == "awarded"
    assert "ödendi" in await staff.locator(".status-line").inner_text()
    assert (violations := await _axe(staff)) == [], violations
    await _shot(staff, "staff-sale-desktop")
