"""A party's file page shows its own lines of the served cetvel (D-40) and takes its itiraz or şikayet on
them within the window (D-41): the disbursement service decides; the page translates its answer."""

from __future__ import annotations

from datetime import timedelta

from tests.disbursement.conftest import at, distributing

HTML = {"Accept": "text/html"}


async def test_the_party_sees_its_lines_and_objects_on_its_file_page(env, manual_clock, sms_file, no_pdf):
    d = await distributing(env, manual_clock, sms_file)
    cr1, cr2 = (f"cr{i}" for i in d.creditors)
    did = (await env.client.get(f"/api/v1/sales/{d.sale_id}/distribution", headers=env.staff.headers)).json()[
        "distribution_id"]
    url = f"/files/{d.case_id}"
    first, second = d.parties
    page = await env.client.get(url, headers={**HTML, **first.headers})
    assert page.status_code == 200 and 'data-testid="safahat"' in page.text
    assert 'data-testid="my-cetvel"' not in page.text  # a draft is the office's own work (D-40)
    events = [line.split('"')[1] for line in page.text.split('data-event=')[1:]]
    assert events[-2:] == ["handed_over", "distribution"]  # the distribution starts at the hand-over (S-21)

    r = await env.client.post(f"/api/v1/distributions/{did}/serve", headers=env.staff.headers)
    assert r.status_code == 200, r.text
    until = at(r.json()["objection_until"])
    page = await env.client.get(url, headers={**HTML, **first.headers})
    assert 'data-testid="my-cetvel"' in page.text and 'data-testid="objection-form"' in page.text
    assert f'data-line="creditor:{cr1}"' in page.text and f'data-line="creditor:{cr2}"' not in page.text  # own only
    assert f'value="{cr1}"' in page.text and f'value="{cr2}"' not in page.text

    post = f"{url}/cetvel/{did}/objections"
    # An itiraz davası is against another creditor's claim: the service refuses it on one's own line.
    r = await env.client.post(post, headers={**HTML, **first.headers},
                              data={"kind": "itiraz", "lines": [cr1], "reason": "Alacağım eksik yazıldı"})
    assert (r.status_code, r.headers["location"]) == (303, f"{url}?hata=objection_invalid#cetvel")
    r = await env.client.post(post, headers={**HTML, **first.headers}, data={"kind": "sikayet", "lines": [cr1],
                                                                             "reason": ""})
    assert r.headers["location"] == f"{url}?hata=validation_error#cetvel"
    r = await env.client.post(post, headers={**HTML, **first.headers}, data={
        "kind": "sikayet", "lines": [cr1], "reason": "Faiz hesabı hatalı, sıra yanlış"})
    assert (r.status_code, r.headers["location"]) == (303, f"{url}?kaydedildi=1#cetvel")
    mine = (await env.client.get("/api/v1/me/distributions", headers=first.headers)).json()
    assert [(o["kind"], o["status"]) for o in mine[0]["objections"]] == [("sikayet", "pending")]
    page = await env.client.get(f"{url}?kaydedildi=1", headers={**HTML, **first.headers})
    assert 'data-testid="my-objections"' in page.text and "Faiz hesabı hatalı" in page.text
    # The other creditor's party does not see it; the borçlu sees every line but gets no form (D-41), and
    # a post of its own is refused by the service.
    page = await env.client.get(url, headers={**HTML, **d.debtor.headers})
    assert f'data-line="creditor:{cr2}"' in page.text and 'data-testid="objection-form"' not in page.text
    page = await env.client.get(url, headers={**HTML, **second.headers})
    assert "Faiz hesabı hatalı" not in page.text
    r = await env.client.post(post, headers={**HTML, **d.debtor.headers},
                              data={"kind": "sikayet", "lines": [cr1], "reason": "Borç yoktur"})
    assert r.headers["location"] == f"{url}?hata=objection_not_allowed#cetvel"

    # Not a file of the party's: 404, whatever the cetvel.
    outsider = await env.make_actor("party")
    r = await env.client.post(post, headers={**HTML, **outsider.headers},
                              data={"kind": "sikayet", "lines": [cr1], "reason": "Deneme deneme"})
    assert r.status_code == 404
    # After the window: no form, and a late post is refused by the service.
    manual_clock.set(until + timedelta(seconds=1))
    page = await env.client.get(url, headers={**HTML, **second.headers})
    assert 'data-testid="my-cetvel"' in page.text and 'data-testid="objection-form"' not in page.text
    r = await env.client.post(post, headers={**HTML, **second.headers},
                              data={"kind": "sikayet", "lines": [cr2], "reason": "Sıra hatalı yapılmış"})
    assert r.headers["location"] == f"{url}?hata=objection_window_closed#cetvel"


async def test_the_sale_page_history_holds_its_cetvel_steps(env, manual_clock, sms_file, no_pdf):
    """The sale's page shows its own history, the steps of its sıra cetveli included (they are recorded
    against the cetvel): after closing, the sale's page listed only `sale.closed`."""
    d = await distributing(env, manual_clock, sms_file)
    did = (await env.client.get(f"/api/v1/sales/{d.sale_id}/distribution", headers=env.staff.headers)).json()[
        "distribution_id"]
    r = await env.client.post(f"/api/v1/distributions/{did}/serve", headers=env.staff.headers)
    assert r.status_code == 200, r.text
    page = await env.client.get(f"/staff/sales/{d.sale_id}", headers={**HTML, **env.staff.headers})
    assert page.status_code == 200
    assert "<code>distribution.served</code>" in page.text and "<code>sale.handed_over" in page.text
    assert "(Satış bürosu personeli)" in page.text and "(staff)" not in page.text  # the role in words
