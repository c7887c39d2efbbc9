"""A whole office day in headless Chromium (demo data, demo ruleset: short rounds): an admin creates an
office and invites a member of staff and a müdür; staff open a file, add a lot and take the sale decision;
the round runs and closes (the workers in the server); the müdür finds the tutanak on the work queue
(`tutanak_to_post`, A-60), follows the row and posts it. Two shortcuts, both in the database, the way the
cetvel browser test closes its window: round 1 is moved to start now and last 20 seconds (the page's form
names only the start), and this sale's rule snapshot turns off the demo auto-post of the tutanak
(`tutanak.auto_post`), so that the müdür posts it as under the law. axe-core on each page; screenshots
to docs/screenshots/ when ESATIS_SCREENSHOTS=1."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.livesupport import LiveServer, start_server
from tests.web.browser.test_aftersale_browser import _axe, _shot
from tests.web.browser.test_desk_browser import ADMIN, NEW_PASSWORD, _context, _login

FMT = "%Y-%m-%d %H:%M:%S.%f"
STAFF, MUDUR = "elif@bursa.test", "murat@bursa.test"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    s = start_server(tmp_path_factory.mktemp("office-day"), port=8108,
                     extra_env={"ESATIS_RULESET": "demo", "ESATIS_RATE_LIMITS": "off"})
    yield s
    s.stop()


def _db(server: LiveServer) -> str:
    return server.env["DATABASE_URL"].removeprefix("sqlite+aiosqlite:///")


def _run_round_now(server: LiveServer, sale_id: int, seconds: int = 20) -> None:
    """Round 1 starts now and closes in `seconds` (every time of it moves by the same amount); the demo
    auto-post is off for this sale, so the tutanak waits for the müdür."""
    with sqlite3.connect(_db(server)) as con:
        rid, ends = con.execute("SELECT id, ends_at FROM rounds WHERE sale_id = ? AND number = 1",
                                (sale_id,)).fetchone()
        target = datetime.now(UTC) + timedelta(seconds=seconds)
        delta = target - datetime.strptime(ends, FMT).replace(tzinfo=UTC)
        for col in ("starts_at", "scheduled_end", "ends_at", "window_start", "first_extension_end", "cap_at"):
            (value,) = con.execute(f"SELECT {col} FROM rounds WHERE id = ?", (rid,)).fetchone()
            if value is not None:
                moved = (datetime.strptime(value, FMT).replace(tzinfo=UTC) + delta).strftime(FMT)
                con.execute(f"UPDATE rounds SET {col} = ? WHERE id = ?", (moved, rid))
        con.execute("""UPDATE sales SET rules = json_set(rules, '$."tutanak.auto_post".value', json('false'))
                       WHERE id = ?""", (sale_id,))


def _status(server: LiveServer, sale_id: int) -> str:
    r = httpx.post(f"{server.url}/api/v1/auth/token", json={"email": STAFF, "password": NEW_PASSWORD}, timeout=30)
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    return str(httpx.get(f"{server.url}/api/v1/sales/{sale_id}", headers=headers, timeout=30).json()["status"])


async def test_an_office_day_from_the_new_office_to_the_posted_tutanak(browser: Any, server: LiveServer) -> None:
    admin = await _login(browser, server.url, ADMIN)
    await admin.goto(server.url + "/staff/offices")
    await admin.fill('[data-testid="office-code"]', "BRS-04")
    await admin.fill('[data-testid="office-name"]', "Bursa 4. İcra Dairesi")
    await admin.fill('[data-testid="office-city"]', "Bursa")
    await admin.click('[data-testid="office-submit"]')
    await admin.wait_for_url("**/staff/offices?kaydedildi=BRS-04")

    async def invite_and_sign_in(email: str, name: str, role: str) -> Any:
        await admin.goto(server.url + "/staff/people")
        await admin.fill('[data-testid="invite-name"]', name)
        await admin.fill('[data-testid="invite-email"]', email)
        await admin.select_option('[data-testid="invite-role"]', role)
        await admin.select_option('[data-testid="invite-office"]', "BRS-04")
        await admin.click('[data-testid="invite-submit"]')
        link = (await admin.locator('[data-testid="one-time-link-path"]').inner_text()).strip()
        page = await _context(browser)
        await page.goto(server.url + link)
        await page.fill('[data-testid="new-password"]', NEW_PASSWORD)
        await page.fill('[data-testid="new-password2"]', NEW_PASSWORD)
        await page.click('[data-testid="link-submit"]')
        await page.fill('[data-testid="password"]', NEW_PASSWORD)
        await page.click('[data-testid="login-submit"]')
        await page.wait_for_url("**/staff")
        return page

    staff = await invite_and_sign_in(STAFF, "Elif Kaya", "staff")
    mudur = await invite_and_sign_in(MUDUR, "Murat Şahin", "manager")
    errors: list[str] = []
    for p in (staff, mudur):
        p.on("pageerror", lambda e: errors.append(str(e)))
    assert "Bekleyen iş yok." in await mudur.locator('[data-testid="work-queue"]').inner_text()

    # Staff: the file, the lot (appraisal kesin), the satış kararı.
    await staff.goto(server.url + "/staff/files")
    await staff.fill('[data-testid="file-no"]', "2026/88 Esas")
    await staff.fill('[data-testid="file-debtor"]', "Hakan Yıldız")
    await staff.click('[data-testid="file-submit"]')
    await staff.locator('[data-testid="lot-form"]').wait_for()
    await staff.fill('[data-testid="lot-title"]', "Nilüfer'de 2+1 daire")
    await staff.fill('[data-testid="lot-value"]', "2.400.000,00")
    await staff.check('[data-testid="lot-final"]')
    await staff.click('[data-testid="lot-submit"]')
    await staff.locator('[data-testid="sale-decision-form"]').wait_for()
    await staff.check('[data-testid="confirm-sale"]')
    await staff.click('[data-testid="sale-decide"]')
    status = staff.locator('[data-testid="sale-status"]')
    await status.wait_for()
    assert await status.get_attribute("data-status") == "announced"
    sale_id = int(staff.url.split("/staff/sales/")[1].split("?")[0])
    assert (violations := await _axe(staff)) == [], violations
    await _shot(staff, "office-day-sale-decided-desktop")

    # The round runs (demo ruleset) and closes; the tutanak is drafted.
    _run_round_now(server, sale_id)
    deadline = time.monotonic() + 60
    while (current := _status(server, sale_id)) != "round_closed":
        assert time.monotonic() < deadline, current
        await asyncio.sleep(1)

    # The müdür: the queue's rows (the outage record to review first, A-43, then the tutanak), the sale
    # page, the tutanak posted.
    await mudur.goto(server.url + "/staff")
    queue = mudur.locator('[data-testid="work-queue"]')
    row = queue.locator('tr[data-kind="tutanak_to_post"]')
    assert await row.count() == 1
    assert "Nilüfer'de 2+1 daire" in await row.inner_text()
    assert await queue.locator('tr[data-kind="outage_review"]').count() == 1
    assert (violations := await _axe(mudur)) == [], violations
    await _shot(mudur, "office-day-queue-mudur-desktop")
    await row.locator("a").click()
    await mudur.locator('[data-testid="outage-review-form"]').wait_for()
    await mudur.check('[data-testid="confirm-outage_review"]')
    await mudur.click('[data-testid="outage-review-submit"]')
    await mudur.locator('[data-testid="tutanak-form"]').wait_for()
    await mudur.check('[data-testid="confirm-tutanak_post"]')
    await _shot(mudur, "office-day-tutanak-form-desktop")
    await mudur.click('[data-testid="tutanak-post"]')
    await mudur.locator('[data-testid="decision-done"]').wait_for()
    assert await mudur.locator('[data-testid="tutanak-form"]').count() == 0
    assert _status(server, sale_id) == "awaiting_round2"  # round 1 had no bid: round 2 on its dates (S-10)
    await mudur.goto(server.url + "/staff?kind=tutanak_to_post")
    assert "Bekleyen iş yok." in await mudur.locator('[data-testid="work-queue"]').inner_text()
    await _shot(mudur, "office-day-queue-done-desktop")
    assert errors == []
