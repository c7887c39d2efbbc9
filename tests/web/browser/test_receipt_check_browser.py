"""A bidder checks his bid receipt against the lot's bid ledger: from the receipt page to /makbuz-dogrula,
then by typing a hash that is not on the chain."""

from auction.demo import DEMO_PASSWORD


async def test_a_receipt_checks_out_from_the_receipt_page(page, live_server, tmp_path):
    await page.goto(live_server.url + "/login")
    await page.fill('[data-testid="email"]', "alici1@esatis.test")
    await page.fill('[data-testid="password"]', DEMO_PASSWORD)
    await page.click('[data-testid="login-submit"]')
    await page.wait_for_url(live_server.url + "/")
    await page.goto(live_server.url + "/hesabim/belgeler")
    await page.locator('a[href^="/hesabim/teklifler/"]').first.click()
    # The hash is under the folded "Doğrulama bilgileri" (issue 17): read it without opening the fold.
    hash_code = page.locator('[data-testid="receipt-verification"] code.hash').first
    receipt_hash = (await hash_code.text_content() or "").strip()
    await page.click('[data-testid="receipt-check-link"]')
    result = page.locator('[data-testid="receipt-result"]')
    assert await result.get_attribute("data-found") == "true"
    assert await result.get_attribute("data-verified") == "true"
    assert "teklif zincirinde kayıtlı" in await result.inner_text()
    assert await page.input_value("#receipt-hash") == receipt_hash
    assert await page.get_by_role("button", name="Çıkış").is_visible()  # still signed in on a public page
    await page.screenshot(path=str(tmp_path / "receipt-check.png"), full_page=True)

    # A hash that is not on the chain, typed into the form.
    await page.fill("#receipt-hash", "ab" * 32)
    await page.click('[data-testid="receipt-form"] button[type="submit"]')
    await page.wait_for_selector('[data-testid="receipt-result"][data-found="false"]')
    assert "zincirinde yok" in await page.locator('[data-testid="receipt-result"]').inner_text()
