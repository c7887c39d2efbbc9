"""The hacizler and asset taxes of a lot (auction.lots.claims): what the engine needs, checked at entry."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from auction.audit.models import AuditEntry
from auction.calendar import local_date
from auction.cases.schemas import HacizCreate
from auction.lots.claims import haciz_problems, parse_rate
from auction.users import service as users

TODAY = date(2026, 12, 5)


def _haciz(**kw: Any) -> HacizCreate:
    body: dict[str, Any] = {"creditor_id": 1, "kind": "haciz", "haciz_date": "2026-03-02",
                            "takip_date": "2026-02-10", "principal": "100000.00"}
    body.update(kw)
    return HacizCreate.model_validate({k: v for k, v in body.items() if v is not None})


# ------------------------------------------------------------------------------------------ pure: the rules

@pytest.mark.parametrize(("raw", "expected"), [
    ("0.24", Decimal("0.24")), ("0", Decimal("0")), ("10", Decimal("10")), (" 0.09 ", Decimal("0.09")),
    ("kanuni", "kanuni"), ("10.01", None), ("-0.1", None), ("yasal", None), ("NaN", None), ("0.1234567", None),
])
def test_a_rate_is_a_number_within_the_engines_bounds_or_the_kanuni_table(raw, expected):
    assert parse_rate(raw) == expected


@pytest.mark.parametrize(("kw", "problems"), [
    ({}, []),
    ({"kind": "ihtiyati_haciz", "document_date": "2025-12-01", "sira": 1}, []),
    ({"kind": "haciz", "takip_date": None}, [("takip_date", "required")]),
    ({"kind": "haciz", "haciz_date": None}, [("haciz_date", "required")]),
    ({"kind": "kamu_haczi", "takip_date": None}, []),
    ({"kind": "kamu_haczi"}, [("takip_date", "not_for_kind")]),
    ({"kind": "kamu_haczi", "takip_date": None, "sira": 1}, [("sira", "not_for_kind")]),
    ({"kind": "takipsiz", "haciz_date": None, "takip_date": None, "joins_creditor_id": 2, "sira": 2}, []),
    ({"kind": "takipsiz", "haciz_date": None, "takip_date": None}, [("joins_creditor_id", "required"),
                                                                     ("sira", "required")]),
    ({"kind": "takipsiz", "takip_date": None, "joins_creditor_id": 2, "sira": 2}, [("haciz_date", "not_for_kind")]),
    ({"kind": "haciz", "joins_creditor_id": 2}, [("joins_creditor_id", "not_for_kind")]),
    ({"haciz_date": "2026-12-06"}, [("haciz_date", "in_future")]),
    ({"document_date": "2027-01-01"}, [("document_date", "in_future")]),
    ({"sira": 0}, [("sira", "out_of_range")]),
    ({"sira": 5}, [("sira", "out_of_range")]),
    ({"principal": "0"}, [("principal", "not_positive")]),
    ({"interest": [{"start": "2026-02-10", "rate": "0.24"}, {"start": "2026-01-01", "end": "2026-01-01",
                                                              "rate": "kanuni"}]},
     [("interest[1].end", "not_after_start")]),
    # Interest runs once over any day: an open period before a later one, or two that cross, overlap; a
    # period starting on the (exclusive) end of the one before does not.
    ({"interest": [{"start": "2026-03-01", "rate": "kanuni"}, {"start": "2026-01-01", "rate": "0.24"}]},
     [("interest[0].start", "overlaps")]),
    ({"interest": [{"start": "2026-01-01", "end": "2026-03-02", "rate": "0.24"}, {"start": "2026-03-01",
                                                                                  "rate": "kanuni"}]},
     [("interest[1].start", "overlaps")]),
    ({"interest": [{"start": "2026-01-01", "end": "2026-03-01", "rate": "0.24"}, {"start": "2026-03-01",
                                                                                  "rate": "kanuni"}]}, []),
    ({"interest": [{"start": "2026-02-10", "rate": "12"}]}, [("interest[0].rate", "invalid_rate")]),
    ({"interest": [{"start": "2027-02-10", "rate": "0.24"}]}, [("interest[0].start", "in_future")]),
    ({"payments": [{"paid_on": "2026-04-01", "amount": "0"}, {"paid_on": "2026-12-24", "amount": "5.00"}]},
     [("payments[0].amount", "not_positive"), ("payments[1].paid_on", "in_future")]),
])
def test_haciz_problems(kw, problems):
    assert [(p["path"], p["code"]) for p in haciz_problems(_haciz(**kw), TODAY)] == problems


# ------------------------------------------------------------------------------------------ the service

async def _creditor(env, case_id: int, name: str, kind: str = "haciz") -> int:
    r = await env.client.post(f"/api/v1/cases/{case_id}/creditors", headers=env.staff.headers,
                              json={"name": name, "kind": kind, "claim_total": "100000.00"})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def _post(env, lot_id: int, body: dict[str, Any], headers: dict[str, str] | None = None):
    return await env.client.post(f"/api/v1/lots/{lot_id}/hacizler", headers=headers or env.staff.headers, json=body)


def _codes(r) -> list[tuple[str, str]]:
    return [(p["path"], p["code"]) for p in r.json()["error"]["details"]["problems"]]


async def test_staff_record_a_haciz_with_its_claim(env, manual_clock, runtime):
    lot = await env.lot()
    cid = await _creditor(env, lot["case_id"], "B Ltd.")
    today = local_date(manual_clock.now())
    body = {"creditor_id": cid, "kind": "haciz", "haciz_date": str(today - timedelta(days=60)),
            "takip_date": str(today - timedelta(days=90)), "principal": "300000", "interest_accrued": "8000",
            "costs": "4000", "vekalet_ucreti": "5000.50",
            "interest": [{"start": str(today - timedelta(days=90)), "end": str(today - timedelta(days=30)),
                          "rate": "0.30"},
                         {"start": str(today - timedelta(days=30)), "rate": "kanuni"}],
            "payments": [{"paid_on": str(today - timedelta(days=10)), "amount": "20000.00"}]}
    r = await _post(env, lot["id"], body)
    assert r.status_code == 201, r.text
    h = r.json()
    assert (h["kind"], h["sira"], h["principal"], h["vekalet_ucreti"], h["imputation"]) == \
        ("haciz", 4, "300000.00", "5000.50", "tbk100")  # sıra 4 by default (İİK 206/4)
    assert [p["rate"] for p in h["interest"]] == ["0.30", "kanuni"]
    assert h["payments"] == [{"paid_on": str(today - timedelta(days=10)), "amount": "20000.00"}]
    listed = await env.client.get(f"/api/v1/lots/{lot['id']}/hacizler", headers=env.staff.headers)
    assert listed.status_code == 200 and listed.json() == [h]
    async with runtime.db.session() as s:
        entry = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "haciz.added"))).one()
    assert (entry.entity_id, entry.data["creditor_id"], entry.data["sira"]) == (str(lot["id"]), cid, 4)
    assert entry.data["interest"][1]["rate"] == "kanuni"
    # One haciz per creditor and lot.
    r = await _post(env, lot["id"], body)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "duplicate_haciz")


async def test_bad_records_are_refused_whole_with_every_problem(env, manual_clock, runtime):
    lot = await env.lot()
    cid = await _creditor(env, lot["case_id"], "B Ltd.")
    future = str(local_date(manual_clock.now()) + timedelta(days=1))
    r = await _post(env, lot["id"], {"creditor_id": cid, "kind": "haciz", "haciz_date": future, "sira": 7,
                                     "principal": "1000", "interest": [{"start": "2026-01-01", "rate": "11"}]})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "haciz_invalid")
    assert _codes(r) == [("takip_date", "required"), ("haciz_date", "in_future"), ("sira", "out_of_range"),
                         ("interest[0].rate", "invalid_rate")]
    # Negative kuruş never reach the service: the body's money type refuses them.
    r = await _post(env, lot["id"], {"creditor_id": cid, "kind": "kamu_haczi", "haciz_date": "2026-01-05",
                                     "principal": "-5"})
    assert r.status_code == 422
    async with runtime.db.session() as s:
        assert (await s.scalars(select(AuditEntry).where(AuditEntry.action == "haciz.added"))).all() == []
    listed = await env.client.get(f"/api/v1/lots/{lot['id']}/hacizler", headers=env.staff.headers)
    assert listed.json() == []


async def test_takipsiz_joins_a_haciz_creditor_of_the_same_lot(env, manual_clock):
    lot = await env.lot()
    other_lot = await env.lot()
    founder = await _creditor(env, lot["case_id"], "B Ltd.")
    pledgee = await _creditor(env, lot["case_id"], "Banka", "rehin")
    spouse = await _creditor(env, lot["case_id"], "Eş (nafaka)", "diger")
    r = await env.client.post(f"/api/v1/lots/{lot['id']}/pledges", headers=env.staff.headers, json={
        "creditor_id": pledgee, "degree": 1, "limit_amount": "100000", "claim_amount": "90000"})
    assert r.status_code == 201, r.text
    takipsiz = {"creditor_id": spouse, "kind": "takipsiz", "sira": 2, "principal": "40000"}
    for joins, code in ((founder, "not_a_haciz_creditor_of_lot"), (pledgee, "not_a_haciz_creditor_of_lot"),
                        (spouse, "joins_itself")):
        r = await _post(env, lot["id"], {**takipsiz, "joins_creditor_id": joins})
        assert (r.status_code, _codes(r)) == (422, [("joins_creditor_id", code)])
    r = await _post(env, lot["id"], {"creditor_id": founder, "kind": "haciz", "haciz_date": "2026-03-02",
                                     "takip_date": "2026-02-10", "principal": "100000"})
    assert r.status_code == 201, r.text
    r = await _post(env, lot["id"], {**takipsiz, "joins_creditor_id": founder})
    assert r.status_code == 201, r.text
    assert (r.json()["joins_creditor_id"], r.json()["haciz_date"], r.json()["sira"]) == (founder, None, 2)
    # A creditor of another file cannot be recorded on this lot.
    foreign = await _creditor(env, other_lot["case_id"], "Başka dosya")
    r = await _post(env, lot["id"], {"creditor_id": foreign, "kind": "haciz", "haciz_date": "2026-03-02",
                                     "takip_date": "2026-02-10", "principal": "100000"})
    assert (r.status_code, r.json()["error"]["code"]) == (404, "creditor_not_found")


async def test_one_creditor_is_either_pledgee_or_haciz_creditor_on_a_lot(env, manual_clock):
    lot = await env.lot()
    bank = await _creditor(env, lot["case_id"], "Banka", "rehin")
    other = await _creditor(env, lot["case_id"], "B Ltd.")
    r = await env.client.post(f"/api/v1/lots/{lot['id']}/pledges", headers=env.staff.headers, json={
        "creditor_id": bank, "degree": 1, "limit_amount": "100000", "claim_amount": "90000"})
    assert r.status_code == 201
    r = await _post(env, lot["id"], {"creditor_id": bank, "kind": "haciz", "haciz_date": "2026-03-02",
                                     "takip_date": "2026-02-10", "principal": "100000"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "pledge_and_haciz")
    r = await _post(env, lot["id"], {"creditor_id": other, "kind": "haciz", "haciz_date": "2026-03-02",
                                     "takip_date": "2026-02-10", "principal": "100000"})
    assert r.status_code == 201
    r = await env.client.post(f"/api/v1/lots/{lot['id']}/pledges", headers=env.staff.headers, json={
        "creditor_id": other, "degree": 2, "limit_amount": "100000", "claim_amount": "90000"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "pledge_and_haciz")


async def test_hacizler_and_taxes_are_office_scoped_staff_records(env, manual_clock, make_actor, runtime):
    lot = await env.lot()
    cid = await _creditor(env, lot["case_id"], "B Ltd.")
    async with runtime.db.session() as s:
        await users.create_office(s, code="ANK-02", name="Ankara 2. İcra Dairesi", city="Ankara",
                                  sales_bureau_name="Ankara Satış Bürosu")
    elsewhere = await make_actor("staff", "ANK-02")
    bidder = await make_actor("bidder")
    body = {"creditor_id": cid, "kind": "haciz", "haciz_date": "2026-03-02", "takip_date": "2026-02-10",
            "principal": "100000"}
    tax = {"tax": "emlak_vergisi", "authority": "Kadıköy Belediyesi", "amount": "12000"}
    for actor in (bidder, elsewhere):
        r = await _post(env, lot["id"], body, actor.headers)
        assert r.status_code == 403
        # Staff of another office reach the route and are refused by the lot's office.
        code = "office_scope" if actor is elsewhere else r.json()["error"]["code"]
        assert r.json()["error"]["code"] == code
        r = await env.client.post(f"/api/v1/lots/{lot['id']}/asset-taxes", headers=actor.headers, json=tax)
        assert (r.status_code, r.json()["error"]["code"]) == (403, code)
        for path in ("hacizler", "asset-taxes"):
            r = await env.client.get(f"/api/v1/lots/{lot['id']}/{path}", headers=actor.headers)
            assert (r.status_code, r.json()["error"]["code"]) == (403, code)
    listed = await env.client.get(f"/api/v1/lots/{lot['id']}/hacizler", headers=env.staff.headers)
    assert listed.json() == []


async def test_asset_taxes_fit_the_asset(env, manual_clock, runtime):
    house = await env.lot()
    car = await env.lot("400000.00", kind="tasinir", use="arac")
    r = await env.client.post(f"/api/v1/lots/{house['id']}/asset-taxes", headers=env.staff.headers,
                              json={"tax": "emlak_vergisi", "authority": "Kadıköy Belediyesi", "amount": "12000"})
    assert r.status_code == 201, r.text
    assert (r.json()["tax"], r.json()["amount"]) == ("emlak_vergisi", "12000.00")
    for lot, tax, amount, problems in ((house, "mtv", "100", [("tax", "not_for_asset")]),
                                       (car, "emlak_vergisi", "0", [("tax", "not_for_asset"),
                                                                     ("amount", "not_positive")])):
        r = await env.client.post(f"/api/v1/lots/{lot['id']}/asset-taxes", headers=env.staff.headers,
                                  json={"tax": tax, "authority": "Vergi Dairesi", "amount": amount})
        assert (r.status_code, r.json()["error"]["code"], _codes(r)) == (422, "asset_tax_invalid", problems)
    r = await env.client.post(f"/api/v1/lots/{car['id']}/asset-taxes", headers=env.staff.headers,
                              json={"tax": "mtv", "authority": "Kadıköy Vergi Dairesi", "amount": "3500.40"})
    assert r.status_code == 201, r.text
    listed = await env.client.get(f"/api/v1/lots/{car['id']}/asset-taxes", headers=env.staff.headers)
    assert [t["amount"] for t in listed.json()] == ["3500.40"]
    async with runtime.db.session() as s:
        actions = (await s.scalars(select(AuditEntry.action).where(AuditEntry.action == "asset_tax.added"))).all()
    assert len(actions) == 2
