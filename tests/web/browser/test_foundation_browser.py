"""The foundation as a user sees it: the home page opens, a demo bidder logs in and out."""

from auction.demo import DEMO_PASSWORD


async def test_home_login_logout_in_a_browser(page, live_server):
    await page.goto(live_server.url + "/")
    assert await page.get_attribute("html", "lang") == "tr"
    assert await page.locator("h1").first.inner_text() == "İcra satışları"
    # The server clock in the footer comes from /api/v1/time.
    await page.wait_for_function("document.querySelector('[data-server-clock]').textContent.includes(':')")

    await page.click("text=Giriş yap")
    await page.fill('[data-testid="email"]', "alici1@esatis.test")
    await page.fill('[data-testid="password"]', DEMO_PASSWORD)
    await page.click('[data-testid="login-submit"]')
    await page.wait_for_url(live_server.url + "/")
    logout = page.get_by_role("button", name="Çıkış")
    assert await logout.is_visible()

    # Keyboard: the skip link is the first focus stop and leads to the main content.
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.className") == "skip-link"

    await logout.click()
    await page.wait_for_url(live_server.url + "/")
    assert await page.get_by_role("link", name="Giriş yap").is_visible()


async def test_wrong_password_is_announced(page, live_server):
    await page.goto(live_server.url + "/login")
    await page.fill('[data-testid="email"]', "alici1@esatis.test")
    await page.fill('[data-testid="password"]', "yanlis-parola-00")
    await page.click('[data-testid="login-submit"]')
    alert = page.get_by_role("alert")
    assert "hatalı" in await alert.inner_text()
