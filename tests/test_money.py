from decimal import Decimal

import pytest

from auction.money import (
    MoneyError,
    amount_in_words_en,
    amount_in_words_tr,
    fmt,
    fmt_tr,
    from_kurus,
    parse_money,
    parse_typed_money,
    pro_rata,
    round_half_up,
    round_up,
    to_kurus,
)

D = Decimal


@pytest.mark.parametrize(("raw", "expected"), [
    ("1250000", "1250000.00"), ("1250000.5", "1250000.50"), ("0.01", "0.01"), (1000, "1000.00"),
    (D("12.30"), "12.30"),
])
def test_parse_money(raw, expected):
    assert fmt(parse_money(raw)) == expected


@pytest.mark.parametrize(("raw", "code"), [
    ("1.001", "money_too_many_decimals"), ("abc", "money_not_a_number"), ("-5", "money_negative"),
    ("NaN", "money_not_a_number"), ("Infinity", "money_not_a_number"), (1.5, "money_float"),
    (True, "money_float"), ("", "money_not_a_number"),
    # issue 16: what reached the database or answered 500 before
    ("1e9", "money_not_a_number"), ("1e999", "money_not_a_number"), ("1E+3", "money_not_a_number"),
    ("9" * 5000, "money_too_large"), (10**30, "money_too_large"), ("1" + "0" * 30, "money_too_large"),
    ("1000000000000", "money_too_large"), ("١٢٣", "money_not_a_number"), ("１２３", "money_not_a_number"),
    ("1_000_000", "money_not_a_number"), ("+5", "money_not_a_number"), ("0x10", "money_not_a_number"),
    ("1 000", "money_not_a_number"), ("1.", "money_not_a_number"), (".5", "money_not_a_number"),
    (D("NaN"), "money_not_a_number"), (D("1.001"), "money_too_many_decimals"),
])
def test_parse_money_refuses(raw, code):
    with pytest.raises(MoneyError) as info:
        parse_money(raw)
    assert info.value.code == code


def test_parse_money_maximum_is_configurable():
    from auction import money

    assert fmt(parse_money("999999999999.99")) == "999999999999.99"
    with pytest.raises(MoneyError):
        parse_money("100.01", maximum=D("100"))
    assert fmt(parse_money("-5", allow_negative=True)) == "-5.00"
    before = money.input_maximum()
    try:
        money.configure(maximum=D("5000"))
        with pytest.raises(MoneyError) as info:
            parse_money("5000.01")
        assert info.value.code == "money_too_large"
    finally:
        money.configure(maximum=before)


@pytest.mark.parametrize(("raw", "expected"), [
    ("1.250.000", "1250000.00"), ("1.250.000,50", "1250000.50"), ("1250000,5", "1250000.50"),
    ("1250000.50", "1250000.50"), ("1 250 000 TL", "1250000.00"), ("1.250", "1250.00"), ("750 ₺", "750.00"),
    ("₺1.250", "1250.00"), ("TL 99,5", "99.50"),
])
def test_parse_typed_money(raw, expected):
    assert fmt(parse_typed_money(raw)) == expected


@pytest.mark.parametrize("raw", ["1.25.0", "1,250", "1e9", "١٬٢٥٠", "1_000", "12,345,678.00", "1.250,505", "-5"])
def test_parse_typed_money_refuses(raw):
    with pytest.raises(MoneyError):
        parse_typed_money(raw)


def test_rounding_half_up_and_legal_floor_up():
    assert round_half_up(D("11901.365")) == D("11901.37")
    assert round_half_up(D("11901.364")) == D("11901.36")
    # A legal minimum is rounded up (G-07, A-33): 0.005 × 2,350,001.00 = 11,750.005 → 11,750.01
    assert round_up(D("0.005") * D("2350001.00")) == D("11750.01")


def test_kurus_round_trip_is_exact():
    for value in ("0.00", "0.01", "0.10", "1234567890.99", "99999999999999.99"):
        assert from_kurus(to_kurus(D(value))) == D(value)
    with pytest.raises(MoneyError):
        to_kurus(D("0.001"))


@pytest.mark.parametrize(("amount", "demands", "expected"), [
    # docs/law/distribution.md §12: 295,000 between public 40,000 and private 300,000 → 34,705.88 / 260,294.12
    ("295000.00", ["40000.00", "300000.00"], ["34705.88", "260294.12"]),
    # examples/04: three equal claims share 1,000.00 → the extra kuruş to the first in input order
    ("1000.00", ["250000.00", "250000.00", "250000.00"], ["333.34", "333.33", "333.33"]),
    ("0.00", ["5.00", "7.00"], ["0.00", "0.00"]),
    ("10.00", ["0.00", "0.00"], ["0.00", "0.00"]),
    ("0.05", ["1.00", "1.00", "1.00", "1.00"], ["0.02", "0.01", "0.01", "0.01"]),
])
def test_pro_rata_largest_remainder(amount, demands, expected):
    shares = pro_rata(D(amount), [D(d) for d in demands])
    assert shares == [D(e) for e in expected]
    if any(D(d) for d in demands):
        assert sum(shares) == D(amount)


def test_amounts_in_words():
    assert amount_in_words_tr(D("1982000.00")) == "bir milyon dokuz yüz seksen iki bin Türk lirası"
    assert amount_in_words_tr(D("1000.50")) == "bin Türk lirası elli kuruş"
    assert amount_in_words_tr(D("101.00")) == "yüz bir Türk lirası"
    assert amount_in_words_en(D("1711750.00")) == (
        "one million seven hundred eleven thousand seven hundred fifty Turkish lira")


def test_turkish_display_format():
    assert fmt_tr(D("1250000.5")) == "1.250.000,50 TL"
    assert fmt_tr(D("999.00"), currency=False) == "999,00"
    assert fmt_tr(D("-1000.00")) == "-1.000,00 TL"
