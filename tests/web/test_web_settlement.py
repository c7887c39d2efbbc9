"""The buyer settlement (docs/law/taxes-and-fees.md §1) as the won-lot payment view shows it: the figures come from
the distribution engine's step 1, the credit and deadline from the auction rules."""

from datetime import UTC, date, datetime
from decimal import Decimal

from auction.cetvel.case_from_file import buyer_case as build_case
from auction.lots.models import Lot
from auction.settlement import settle
from tests.web.conftest import HTML, awarded, text_of


def _lot(**kw):
    base = {"id": 1, "kind": "tasinmaz", "use": "konut", "net_area_m2": None, "permit_date": None, "kdv_rate": None}
    base.update(kw)
    return Lot(**base)


def test_ex4_buyer_total_for_the_kadikoy_flat():
    # docs/law/auction-rules.md Ex 4: 95 m² konut, ruhsat 2019 (old stock, ≤ 150 m² → 1 %), price 1,982,000.00,
    # ihale 2026-04-06, tutanak posted Tue 2026-04-07, teminat 235,000.00 credited (OP-18).
    lot = _lot(net_area_m2=Decimal("95"), permit_date=date(2019, 5, 10))
    s = settle(sale_id=1, lot=lot, price=Decimal("1982000.00"), ihale_date=date(2026, 4, 6), kdv_rate=None,
               teminat_credit=Decimal("235000.00"), tutanak_posted_on=date(2026, 4, 7))
    assert s.kdv_rate == Decimal("0.01")
    assert s.kdv == Decimal("19820.00")
    assert s.damga_vergisi == Decimal("11277.58")
    assert s.tapu_harci_alici == Decimal("39640.00")
    assert s.total_due == Decimal("2052737.58")
    assert s.balance_due == Decimal("1747000.00")  # Ex 3: 1,982,000.00 − 235,000.00
    # Ex 3: payment by Tue 2026-04-14 17:00 (Türkiye time).
    assert s.payment_due_at == datetime(2026, 4, 14, 14, 0, tzinfo=UTC)
    assert [(i.key, i.when) for i in s.items] == [("price_balance", "payment"), ("kdv", "kesinlesme"),
                                                  ("damga", "kesinlesme"), ("tapu", "tescil")]
    assert s.cash_still_due == Decimal("2052737.58") - Decimal("235000.00")


def test_worked_example_a_new_stock_konut_with_the_150_m2_split():
    lot = _lot(net_area_m2=Decimal("212"), permit_date=date(2023, 2, 1))
    s = settle(sale_id=1, lot=lot, price=Decimal("3400000.00"), ihale_date=date(2026, 3, 2), kdv_rate=None,
               teminat_credit=Decimal("0"), tutanak_posted_on=None)
    assert s.kdv == Decimal("439433.96")
    assert s.kdv_rate.quantize(Decimal("0.0001")) == Decimal("0.1292")
    assert s.damga_vergisi == Decimal("19346.00")
    assert s.tapu_harci_alici == Decimal("68000.00")
    assert s.total_due == Decimal("3926779.96")
    assert s.kdv_rate_source == "derived"


def test_worked_example_b_used_car_and_the_sartname_rate_binding():
    car = _lot(kind="tasinir", use="arac")
    s = settle(sale_id=1, lot=car, price=Decimal("640000.00"), ihale_date=date(2026, 3, 2), kdv_rate=None,
               teminat_credit=Decimal("64000.00"), tutanak_posted_on=None)
    assert (s.kdv, s.damga_vergisi, s.tapu_harci_alici, s.total_due) == (
        Decimal("128000.00"), Decimal("3641.60"), Decimal("0.00"), Decimal("771641.60"))
    assert "tapu" not in [i.key for i in s.items]  # no tapu harcı for a taşınır
    s1 = settle(sale_id=1, lot=car, price=Decimal("640000.00"), ihale_date=date(2026, 3, 2),
                kdv_rate=Decimal("0.01"), teminat_credit=Decimal("0"), tutanak_posted_on=None)
    assert s1.kdv == Decimal("6400.00")
    assert s1.total_due == Decimal("650041.60")
    assert s1.kdv_rate_source == "sartname"


def test_the_case_is_the_distribution_contract_with_no_creditors():
    case = build_case(price=Decimal("1000.00"), ihale_date=date(2026, 1, 5), lot=_lot(net_area_m2=Decimal("80")),
                      kdv_rate=Decimal("0.2"))
    assert case["creditors"] == [] and case["costs"] == []
    assert case["asset"] == {"kind": "tasinmaz", "use": "konut", "kdv_rate": "0.2", "net_area_m2": "80"}
    assert case["sale_date"] == case["paid_in_date"] == "2026-01-05"


def test_the_credit_never_exceeds_the_price():
    s = settle(sale_id=1, lot=_lot(kind="tasinir", use="diger"), price=Decimal("100.00"),
               ihale_date=date(2026, 3, 2), kdv_rate=Decimal("0.2"), teminat_credit=Decimal("500.00"),
               tutanak_posted_on=None)
    assert s.teminat_credit == Decimal("100.00") and s.balance_due == Decimal("0.00")


async def test_won_lot_payment_view_shows_the_settlement(env, manual_clock):
    lot, sale, winner, loser = await awarded(env, manual_clock, net_area_m2="95", permit_date="2019-05-10")
    r = await env.client.get(f"/hesabim/kazandiklarim/{sale['id']}", headers={**HTML, **winner.headers})
    assert r.status_code == 200, r.text
    text = text_of(r.text)
    # Price 1,186,750.00 on a 95 m² old-stock konut: KDV 1 % (no şartname rate given).
    assert "1.186.750,00 TL" in text
    assert "11.867,50 TL" in text  # KDV 1 %
    assert "6.752,61 TL" in text  # damga 0.00569 × 1,186,750.00 = 6,752.6075 → 6,752.61
    assert "23.735,00 TL" in text  # tapu harcı 2 %
    assert "− 235.000,00 TL" in text  # teminat credit
    assert "951.750,00 TL" in text  # balance
    assert 'data-testid="payment-deadline"' in r.text
    # The loser has no such page (A-34: nobody sees another bidder's rows).
    r = await env.client.get(f"/hesabim/kazandiklarim/{sale['id']}", headers={**HTML, **loser.headers})
    assert r.status_code == 404
    r = await env.client.get("/hesabim", headers={**HTML, **winner.headers})
    assert "Ödemesi beklenen" in text_of(r.text) and lot["title"] in text_of(r.text)
