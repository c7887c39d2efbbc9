"""The strict Content-Security-Policy, live (issue 16, docs/security.md): the pages of the public, a bidder
and the satış bürosu open and run under it in Chromium without a single policy violation (no inline
script or style left for the browser to refuse, htmx needing no eval)."""

from __future__ import annotations

from typing import Any

from auction.demo import DEMO_PASSWORD

_RECORD = """window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(
    e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile + ':' + e.lineNumber);
});"""


async def _visit(page: Any, url: str, console: list[str]) -> list[str]:
    r = await page.goto(url)
    assert r is not None and r.status == 200, url
    assert "script-src 'self'" in (await r.all_headers())["content-security-policy"]
    await page.wait_for_load_state("networkidle")
    found: list[str] = await page.evaluate("window.__cspViolations")
    return [f"{url}: {v}" for v in found] + [f"{url}: {m}" for m in console]


async def _login(page: Any, base: str, email: str) -> None:
    await page.goto(base + "/login")
    await page.fill('[data-testid="email"]', email)
    await page.fill('[data-testid="password"]', DEMO_PASSWORD)
    await page.click('[data-testid="login-submit"]')
    await page.wait_for_url(lambda u: "/login" not in u)


async def test_pages_run_under_the_strict_policy(page, live_server):
    base = live_server.url
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    await page.add_init_script(_RECORD)
    problems: list[str] = []
    for path in ("/", "/login", "/register", "/makbuz-dogrula"):
        problems += await _visit(page, base + path, console)
    await page.goto(base + "/")
    lot = await page.locator('a[href^="/lots/"]').first.get_attribute("href")
    assert lot
    problems += await _visit(page, base + lot, console)
    await _login(page, base, "alici1@esatis.test")
    for path in ("/", lot, "/hesabim"):
        problems += await _visit(page, base + path, console)
    await page.get_by_role("button", name="Çıkış").click()
    await _login(page, base, "personel@esatis.test")
    for path in ("/staff", "/staff/sales", "/staff/files"):
        problems += await _visit(page, base + path, console)
    await page.screenshot(path="/tmp/sec2_csp_staff.png")
    assert problems == [], problems


async def test_standalone_documents_keep_their_styles_under_their_hash_policy(page, live_server):
    """The sıra cetveli (a <style> block and style= attributes) under a policy that names its styles by
    hash: it renders styled, with no violation."""
    base = live_server.url
    await page.add_init_script(_RECORD)
    await _login(page, base, "personel@esatis.test")
    await page.goto(base + "/buro/sira-cetveli")
    async with page.expect_navigation():
        await page.click('button[name="output"][value="html"]')
    await page.wait_for_load_state("networkidle")
    assert await page.evaluate("window.__cspViolations") == []
    # The stylesheet applied: the document's own <style> produced a sheet with rules.
    assert await page.evaluate("[...document.styleSheets].some(s => s.cssRules.length > 0)")
    # Its style= attributes (column widths) are there and not refused: the 'unsafe-hashes' path is used.
    assert await page.evaluate("document.querySelectorAll('[style]').length") > 0
    await page.screenshot(path="/tmp/sec2_csp_cetvel.png", full_page=True)
