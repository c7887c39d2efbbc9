"""The desk's sale page (/staff/sales/{id}): the decisions open on the sale, each a form with its rule and a
confirmation, posted to the same services as the API; the müdür's decisions refused to staff; the old
/buro/satislar addresses redirect."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from auction import clock
from tests.aftersale.conftest import at
from tests.engine import z

HTML = {"Accept": "text/html"}


async def _closed_round(env, mc):
    lot = await env.lot()
    start = clock.now() + timedelta(days=16)
    sale = await env.sale(lot["id"], first_round_start=z(start))
    mc.set(start + timedelta(seconds=1))
    await env.tick()
    bidder = await env.bidder(lot["id"])
    amount = str(Decimal(sale["opening_price"]) + 2 * Decimal(sale["min_increment"]))
    assert (await env.bid(bidder, lot["id"], amount)).status_code == 201
    mc.set(at(sale["rounds"][0]["ends_at"]) + timedelta(seconds=1))
    await env.tick()
    return sale


async def test_the_mudur_reviews_the_outage_record_and_posts_the_tutanak_from_the_page(env, manual_clock):
    sale = await _closed_round(env, manual_clock)
    url = f"/staff/sales/{sale['id']}"
    page = await env.client.get(url, headers={**HTML, **env.staff.headers})
    assert page.status_code == 200 and 'data-status="round_closed"' in page.text
    assert 'data-decision="outage_review"' in page.text and "outage-review-form" not in page.text  # staff: müdür's
    r = await env.client.post(f"{url}/outage-review", headers=env.staff.headers, data={"confirm": "1"})
    assert (r.status_code, r.json()["error"]["code"]) == (403, "role_required")
    page = await env.client.get(url, headers={**HTML, **env.manager.headers})
    assert 'data-testid="outage-review-form"' in page.text and "A-43" in page.text
    # Without the confirmation nothing happens.
    r = await env.client.post(f"{url}/outage-review", headers={**HTML, **env.manager.headers}, data={})
    assert (r.status_code, r.headers["location"]) == (303, f"{url}?hata=confirm_required")
    assert "outage-review-form" in (await env.client.get(url, headers={**HTML, **env.manager.headers})).text
    r = await env.client.post(f"{url}/outage-review", headers={**HTML, **env.manager.headers},
                              data={"confirm": "1", "note": "Kesinti yok."})
    assert r.headers["location"] == f"{url}?kaydedildi=outage_review"
    page = await env.client.get(r.headers["location"], headers={**HTML, **env.manager.headers})
    assert "Kesinti kaydı incelendi." in page.text and 'data-testid="tutanak-form"' in page.text
    r = await env.client.post(f"{url}/tutanak", headers={**HTML, **env.manager.headers}, data={"confirm": "1"})
    assert r.headers["location"] == f"{url}?kaydedildi=tutanak_post"
    got = (await env.client.get(f"/api/v1/sales/{sale['id']}", headers=env.staff.headers)).json()
    assert got["status"] == "awarded"
    # Posting twice: the service refuses, the page names the code.
    r = await env.client.post(f"{url}/tutanak", headers={**HTML, **env.manager.headers}, data={"confirm": "1"})
    assert "hata=" in r.headers["location"]
    page = await env.client.get(r.headers["location"], headers={**HTML, **env.manager.headers})
    assert 'data-testid="decision-error"' in page.text


async def test_staff_record_r_and_c_before_the_round_and_the_old_addresses_redirect(env, manual_clock, runtime,
                                                                                    make_actor):
    lot = await env.lot()
    sale = await env.sale(lot["id"], first_round_start=z(clock.now() + timedelta(days=16)))
    url = f"/staff/sales/{sale['id']}"
    page = await env.client.get(url, headers={**HTML, **env.staff.headers})
    for form in ("threshold-form", "mektup-form", "exemption-form", "exclusion-form"):
        assert f'data-testid="{form}"' in page.text, form
    assert "cancel-form" not in page.text  # the müdür's (S-02)
    r = await env.client.post(f"{url}/threshold", headers={**HTML, **env.staff.headers},
                              data={"r_amount": "120.000,50", "c_amount": "15000", "confirm": "1"})
    assert r.headers["location"] == f"{url}?kaydedildi=threshold"
    got = (await env.client.get(f"/api/v1/sales/{sale['id']}", headers=env.staff.headers)).json()
    assert (got["r_amount"], got["c_amount"]) == ("120000.50", "15000.00")
    r = await env.client.post(f"{url}/exclusion", headers={**HTML, **env.staff.headers},
                              data={"email": "nobody@example.com", "reason": "Borçlu", "confirm": "1"})
    assert r.headers["location"] == f"{url}?hata=user_not_found"
    for old, new in ((f"/buro/satislar/{sale['id']}", url), ("/buro/satislar", "/staff/sales")):
        r = await env.client.get(old, headers={**HTML, **env.staff.headers})
        assert (r.status_code, r.headers["location"]) == (308, new)
    r = await env.client.post(f"/buro/satislar/{sale['id']}/kesinlestir", headers={**HTML, **env.staff.headers})
    assert (r.status_code, r.headers["location"]) == (308, f"{url}/finality")
    assert f'href="{url}"' in (await env.client.get("/staff/sales", headers={**HTML, **env.staff.headers})).text
    from auction.users import service as users

    async with runtime.db.session() as s:
        await users.create_office(s, code="ANK-02", name="Ankara 2. İcra Dairesi", city="Ankara")
    other = await make_actor("staff", "ANK-02")
    r = await env.client.get(url, headers={**HTML, **other.headers})
    assert r.status_code == 403
    r = await env.client.post(f"{url}/threshold", headers={**HTML, **other.headers},
                              data={"r_amount": "1", "c_amount": "1", "confirm": "1"})
    assert r.headers["location"] == f"{url}?hata=office_scope"


async def test_staff_watch_a_running_round_with_identities_and_each_view_is_audited(env, manual_clock, runtime,
                                                                                   make_actor):
    from sqlalchemy import func, select

    from auction.audit.models import AuditEntry

    lot = await env.lot()
    start = clock.now() + timedelta(days=16)
    sale = await env.sale(lot["id"], first_round_start=z(start))
    manual_clock.set(start + timedelta(seconds=1))
    await env.tick()
    bidder = await env.bidder(lot["id"])
    assert (await env.bid(bidder, lot["id"], sale["opening_price"])).status_code == 201
    url = f"/staff/sales/{sale['id']}/live"
    page = await env.client.get(url, headers={**HTML, **env.staff.headers})
    assert page.status_code == 200 and 'data-testid="staff-bids"' in page.text
    assert bidder.email in page.text and "Teklif 1" in page.text
    fragment = await env.client.get(url, headers={**HTML, "HX-Request": "true", **env.staff.headers})
    assert fragment.text.lstrip().startswith('<div id="live-round"') and bidder.email in fragment.text
    async with runtime.db.session() as s:
        views = await s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "bids.identities_viewed", AuditEntry.actor_user_id == env.staff.user.id))
    assert views == 2
    # Who bid is the office's officials' alone.
    assert (await env.client.get(url, headers=bidder.headers)).status_code == 403
    from auction.users import service as users

    async with runtime.db.session() as s:
        await users.create_office(s, code="ANK-02", name="Ankara 2. İcra Dairesi", city="Ankara")
    other = await make_actor("staff", "ANK-02")
    assert (await env.client.get(url, headers=other.headers)).status_code == 403


async def test_the_mudur_cancels_from_the_page_and_the_cancellation_tutanak_is_written(env, manual_clock):
    lot = await env.lot()
    sale = await env.sale(lot["id"], first_round_start=z(clock.now() + timedelta(days=16)))
    bidder = await env.bidder(lot["id"])
    url = f"/staff/sales/{sale['id']}"
    page = await env.client.get(url, headers={**HTML, **env.manager.headers})
    assert 'data-testid="cancel-form"' in page.text and "S-02" in page.text
    r = await env.client.post(f"{url}/cancel", headers={**HTML, **env.manager.headers},
                              data={"reason": "request_withdrawn", "note": "Alacaklı talebini geri aldı.",
                                    "confirm": "1"})
    assert r.headers["location"] == f"{url}?kaydedildi=cancel"
    got = (await env.client.get(f"/api/v1/sales/{sale['id']}", headers=env.staff.headers)).json()
    assert got["status"] == "cancelled"
    docs = (await env.client.get(f"/api/v1/sales/{sale['id']}/documents", headers=env.staff.headers)).json()
    assert [d["kind"] for d in docs] == ["durdurma_tutanagi"]
    html = (await env.client.get(docs[0]["html"], headers=env.staff.headers)).text
    assert "satış talebinin geri alınması" in html and "Alacaklı talebini geri aldı." in html
    assert "S-02" in html and "A-36" in html and "Teminat" in html
    page = await env.client.get(url, headers={**HTML, **env.staff.headers})
    assert 'data-kind="durdurma_tutanagi"' in page.text
    assert bidder.email not in html  # the refund lines name the teminat, not the bidder
