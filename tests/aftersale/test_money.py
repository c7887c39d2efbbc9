"""The money of each path to the kuruş: every levy rounded half up once (half-kuruş cases), Ex 4's buyer
total, alacağa mahsuben as Ex 5 (A-57, OP-21) computed by the distribution engine on the file's case, and
the KDVK 17/4-r bank exemption set by staff (T-06)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from auction.lots.models import Lot
from auction.settlement import settle
from tests.aftersale.conftest import settlement, win


def _lot(**kw) -> Lot:
    base = {"id": 1, "kind": "tasinmaz", "use": "konut", "net_area_m2": D("95"), "permit_date": date(2019, 5, 10),
            "kdv_rate": None}
    base.update(kw)
    return Lot(**base)


def _settle(price: str, lot: Lot, kdv_rate: D | None = None, on: date = date(2026, 3, 2), bank: bool = False):
    return settle(sale_id=1, lot=lot, price=D(price), ihale_date=on, kdv_rate=kdv_rate, teminat_credit=D("0"),
                  tutanak_posted_on=on, bank_17_4_r=bank)


def _damga_half_kurus_price() -> D:
    # p × 0.00569 has exactly half a kuruş when p(kuruş) × 569 ≡ 50,000 (mod 100,000); 569 is prime.
    k = (50_000 * pow(569, -1, 100_000)) % 100_000
    return D(k) / 100


@pytest.mark.parametrize(("levy", "price", "lot_kw", "rate", "expected"), [
    # damga vergisi (T-10): binde 5,69, the half kuruş goes up.
    ("damga_vergisi", None, {}, None, "half-up"),
    # KDV 1 % on an old-stock konut ≤ 150 m² (T-04, OP-28): 1,000.50 × 0.01 = 10.005 → 10.01.
    ("kdv", "1000.50", {}, None, D("10.01")),
    # KDV 10 % on a new-stock konut ≤ 150 m² (T-04, rates of 2023-07-10): 1,000.05 × 0.10 = 100.005 → 100.01.
    ("kdv", "1000.05", {"permit_date": date(2023, 1, 1)}, None, D("100.01")),
    # KDV at the şartname rate (T-05): 1,000.10 × 0.05 = 50.005 → 50.01.
    ("kdv", "1000.10", {}, D("0.05"), D("50.01")),
    # tapu harcı, buyer's share (T-11): binde 20: 1,000.25 × 0.02 = 20.005 → 20.01.
    ("tapu_harci_alici", "1000.25", {}, None, D("20.01")),
])
def test_each_levy_rounds_a_half_kurus_up_once(levy, price, lot_kw, rate, expected):
    if price is None:
        p = _damga_half_kurus_price()
        exact = p * D("0.00569")
        assert (exact * 100) % 1 == D("0.5"), exact  # exactly half a kuruş
        st = _settle(str(p), _lot(**lot_kw), rate)
        assert st.damga_vergisi == exact + D("0.005")  # e.g. 500.00 × 0.00569 = 2.845 → 2.85
        return
    st = _settle(price, _lot(**lot_kw), rate)
    assert getattr(st, levy) == expected


def test_ex4_buyer_total():
    st = _settle("1982000.00", _lot())
    assert (st.kdv, st.damga_vergisi, st.tapu_harci_alici, st.total_due) == (
        D("19820.00"), D("11277.58"), D("39640.00"), D("2052737.58"))
    assert "T-10" in st.refs["damga_vergisi"] and "damga.ihale_karari" in st.refs["damga_vergisi"]


def test_t06_bank_exemption_is_for_a_tasinmaz_only():
    assert _settle("1982000.00", _lot(), bank=True).kdv == D("0.00")
    movable = _lot(kind="tasinir", use="diger", net_area_m2=None, permit_date=None)
    assert _settle("640000.00", movable, bank=True).kdv == D("128000.00")  # KDVK 17/4-r covers immovables


async def test_ex5_alacaga_mahsuben_with_the_bank_exemption(env, manual_clock, runtime, sms_file, no_pdf):
    """Ex 2's lot, Ex 3's price, the 1st-degree mortgagee bank buying against its claim (Ex 5)."""
    case_holder: dict = {}

    async def declare(lot, sale, buyer):
        cid = lot["case_id"]
        bank = await env.client.post(f"/api/v1/cases/{cid}/creditors", headers=env.staff.headers, json={
            "name": "A Bankası", "kind": "rehin", "claim_total": "1420000.00", "user_id": buyer.user.id})
        assert bank.status_code == 201, bank.text
        second = await env.client.post(f"/api/v1/cases/{cid}/creditors", headers=env.staff.headers, json={
            "name": "B Bankası", "kind": "rehin", "claim_total": "260000.00"})
        for creditor, degree, limit, claim in ((bank.json(), 1, "1500000.00", "1420000.00"),
                                               (second.json(), 2, "200000.00", "260000.00")):
            r = await env.client.post(f"/api/v1/lots/{lot['id']}/pledges", headers=env.staff.headers, json={
                "creditor_id": creditor["id"], "degree": degree, "limit_amount": limit, "claim_amount": claim})
            assert r.status_code == 201, r.text
        r = await env.client.post(f"/api/v1/sales/{sale['id']}/mahsup", headers=env.staff.headers,
                                  json={"user_id": buyer.user.id, "creditor_id": bank.json()["id"]})
        assert r.status_code == 201, r.text
        case_holder["bank"] = bank.json()["id"]

    won = await win(env, manual_clock, price="1982000.00", c_amount="18400.00", before_post=declare)
    # A-57 / OP-21: cash_due = price − net payout of the bank in the draft distribution with this price:
    # deductions 18,400.00 + 39,640.00; share 1,420,000.00; tahsil 161,596.00; cezaevi 28,400.00;
    # net 1,230,004.00 → 751,996.00, less the cash teminat it deposited (OP-18): 516,996.00.
    st = await settlement(env, won.buyer, won.sale_id)
    assert st["mahsup"] == "1230004.00"
    assert st["due_now"] == "516996.00"
    line = next(ln for ln in st["lines"] if ln["key"] == "mahsup")
    assert "A-57" in line["rule"] and "OP-21" in line["rule"] and "T-25" in line["rule"]
    # T-06: staff mark the bank as buying under KDVK 17/4-r (OP-29): no KDV; damga and tapu as Ex 5.
    r = await env.client.put(f"/api/v1/sales/{won.sale_id}/buyer-tax-status", headers=env.staff.headers,
                             json={"bank_17_4_r": True, "reason": "Borçlunun kredi borcu için alım (KDVK 17/4-r)"})
    assert r.status_code == 200, r.text
    st = await settlement(env, won.buyer, won.sale_id)
    assert (st["kdv"], st["damga_vergisi"], st["tapu_harci"]) == ("0.00", "11277.58", "39640.00")
    assert "T-06" in next(ln for ln in st["lines"] if ln["key"] == "kdv")["rule"]


async def test_mahsup_of_a_haciz_creditor_from_its_haciz_and_refused_for_an_ihtiyati_one(
        env, manual_clock, runtime, sms_file):
    """Issue 12: the file's haciz gives the creditor's share (A-57); an ihtiyati share is reserved, not paid."""
    holder: dict = {}

    async def declare(lot, sale, buyer):
        cid = lot["case_id"]
        for name, kind in (("B Ltd.", "haciz"), ("C A.Ş.", "ihtiyati_haciz")):
            c = await env.client.post(f"/api/v1/cases/{cid}/creditors", headers=env.staff.headers, json={
                "name": name, "kind": "haciz", "claim_total": "100000.00"})
            assert c.status_code == 201, c.text
            r = await env.client.post(f"/api/v1/lots/{lot['id']}/hacizler", headers=env.staff.headers, json={
                "creditor_id": c.json()["id"], "kind": kind, "haciz_date": "2026-03-02", "takip_date": "2026-02-10",
                "principal": "100000.00"})
            assert r.status_code == 201, r.text
            holder[kind] = c.json()["id"]
        r = await env.client.post(f"/api/v1/sales/{sale['id']}/mahsup", headers=env.staff.headers,
                                  json={"user_id": buyer.user.id, "creditor_id": holder[holder["buys"]]})
        assert r.status_code == 201, r.text

    holder["buys"] = "haciz"
    won = await win(env, manual_clock, before_post=declare)
    # The price covers the deductions and the 100,000.00 claim in derece 1: the share is the claim, less
    # tahsil harcı 11.38 % (11,380.00) and cezaevi harcı 2 % (2,000.00) → net 86,620.00 (T-25, T-26).
    st = await settlement(env, won.buyer, won.sale_id)
    assert st["mahsup"] == "86620.00"

    holder["buys"] = "ihtiyati_haciz"
    won = await win(env, manual_clock, before_post=declare)
    r = await env.client.get(f"/api/v1/sales/{won.sale_id}/settlement", headers=won.buyer.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "mahsup_not_computable")
    assert r.json()["error"]["details"]["status"] == "reserved"


async def test_mahsup_is_refused_for_a_creditor_the_file_cannot_rank(env, manual_clock, runtime, sms_file):
    async def declare(lot, sale, buyer):
        cid = lot["case_id"]
        c = await env.client.post(f"/api/v1/cases/{cid}/creditors", headers=env.staff.headers, json={
            "name": "Haciz alacaklısı", "kind": "haciz", "claim_total": "500000.00", "user_id": buyer.user.id})
        r = await env.client.post(f"/api/v1/sales/{sale['id']}/mahsup", headers=env.staff.headers,
                                  json={"user_id": buyer.user.id, "creditor_id": c.json()["id"]})
        assert r.status_code == 201

    won = await win(env, manual_clock, before_post=declare)
    r = await env.client.get(f"/api/v1/sales/{won.sale_id}/settlement", headers=won.buyer.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "mahsup_not_computable")
    # After the tutanak a declaration comes too late.
    r = await env.client.post(f"/api/v1/sales/{won.sale_id}/mahsup", headers=env.staff.headers,
                              json={"user_id": won.buyer.user.id, "creditor_id": 1})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "mahsup_too_late")
