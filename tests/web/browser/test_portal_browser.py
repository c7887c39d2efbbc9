"""Issue 17 in headless Chromium, against the demo as `./esatis serve --demo` starts it:

- a new visitor types `kadikoy` (no Turkish letters), finds the Kadıköy flat, opens it, sees its photos,
  the parcel reference and the viewing times, and downloads its şartname and ilan as PDFs;
- a bidder changes his refund IBAN under Hesabım with the code the SMS brought;
- screenshots of the three pages (docs/screenshots/ when ESATIS_SCREENSHOTS=1, else a temp dir).
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from auction.demo import DEMO_PASSWORD
from tests.livesupport import LiveServer, start_server
from tests.web.browser.conftest import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
NEW_IBAN = "TR320010009999901234567890"


@pytest.fixture(scope="module")
def sms_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sms") / "sms.jsonl"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sms_path: Path) -> Iterator[LiveServer]:
    s = start_server(tmp_path_factory.mktemp("portal"), extra_env={"ESATIS_SMS": f"file:{sms_path}",
                                                                   "ESATIS_RATE_LIMITS": "off"})
    yield s
    s.stop()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.environ.get("ESATIS_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return tmp_path_factory.mktemp("screenshots")


async def _context(viewport: dict[str, int]) -> tuple[Any, Any, Any]:
    from playwright.async_api import async_playwright

    pw = await async_playwright().start()
    browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    ctx = await browser.new_context(locale="tr-TR", timezone_id="Europe/Istanbul", viewport=viewport,
                                    accept_downloads=True)
    return pw, browser, ctx


def _pdf_text(path: str) -> str:
    data = Path(path).read_bytes()
    assert data.startswith(b"%PDF-")
    return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)


def _sms(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_new_visitor_finds_kadikoy_and_its_papers(server: LiveServer, shots: Path,
                                                         viewport: dict[str, int]) -> None:
    name = "desktop" if viewport is DESKTOP else "phone"
    pw, browser, ctx = await _context(viewport)
    try:
        page = await ctx.new_page()
        await page.goto(server.url + "/")
        # The keyword box is in sight on every screen; on a phone only the other criteria fold away.
        assert await page.locator("#q").is_visible()
        assert await page.locator("#sort").is_visible() is (viewport is DESKTOP)
        if viewport is PHONE:
            await page.screenshot(path=str(shots / "search-form-phone.png"), full_page=False)
        await page.fill("#q", "kadikoy")
        await page.press("#q", "Enter")
        await page.wait_for_url("**/ara?q=kadikoy*")
        first = page.locator(".lot-grid h3 a").first
        await first.wait_for()
        assert "Kadıköy" in (await first.inner_text())
        await page.screenshot(path=str(shots / f"search-kadikoy-{name}.png"), full_page=False)

        await first.click()
        await page.wait_for_url("**/lots/*")
        photo = page.locator("img[data-gallery-main]")
        await photo.wait_for()
        assert await photo.evaluate("img => img.complete && img.naturalWidth > 0")
        assert "placeholder" not in (await photo.get_attribute("src") or "")
        assert await page.locator('[data-testid="tkgm-link"]').count() == 1
        assert "Cumartesi" in await page.locator('[data-testid="lot-viewing"]').inner_text()
        assert await page.locator('[data-testid="doc-kiymet_raporu"]').count() == 1
        await page.locator('[data-testid="lot-documents"]').scroll_into_view_if_needed()
        await page.screenshot(path=str(shots / f"lot-papers-{name}.png"), full_page=False)

        async with page.expect_download() as info:
            await page.click('[data-testid="doc-sartname-pdf"]')
        download = await info.value
        text = _pdf_text(str(await download.path()))
        assert "Artırma Şartnamesi" in text and "Kadıköy" in text
        async with page.expect_download() as info:
            await page.click('[data-testid="doc-ilan-pdf"]')
        text = _pdf_text(str(await (await info.value).path()))
        assert "AÇIK ARTIRMA İLANI" in text and "Ada 1234, parsel 56" in text
    finally:
        await ctx.close()
        await browser.close()
        await pw.stop()


async def test_bidder_changes_refund_iban_with_the_sms_code(server: LiveServer, shots: Path, sms_path: Path) -> None:
    pw, browser, ctx = await _context(DESKTOP)
    try:
        page = await ctx.new_page()
        await page.goto(server.url + "/login?next=/hesabim/iban")
        await page.fill('[data-testid="email"]', "alici2@esatis.test")
        await page.fill('[data-testid="password"]', DEMO_PASSWORD)
        await page.click('[data-testid="login-submit"]')
        await page.wait_for_url("**/hesabim/iban")
        await page.fill('[data-testid="iban-input"]', "TR32 0010 0099 9990 1234 5678 90")
        await page.click('[data-testid="iban-submit"]')
        await page.locator('[data-testid="iban-code-form"]').wait_for()
        lines = _sms(sms_path)
        code = lines[-1]["code"]
        assert "…7890" in lines[-1]["text"]
        await page.fill('[data-testid="iban-code"]', code)
        await page.screenshot(path=str(shots / "iban-desktop.png"), full_page=False)
        await page.click('[data-testid="iban-confirm"]')
        await page.wait_for_url("**/hesabim/iban?degisti=1")
        assert "TR32 0010 0099 9990 1234 5678 90" in await page.locator('[data-testid="current-iban"]').inner_text()
    finally:
        await ctx.close()
        await browser.close()
        await pw.stop()
