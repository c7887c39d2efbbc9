"""The notification catalogue as data: every kind complete in both languages, every template renders with
the fields its events carry, and the promises of the delivery policies are pinned."""

from __future__ import annotations

import pytest

from auction.events.service import EVENT_TYPES, INTERNAL_EVENT_TYPES
from auction.notifications.catalogue import CHANNELS, LANGS, load

SAMPLE = {
    "lot": "Kadıköy'de 3+1 daire", "amount": "2100000.00", "ends_at": "2026-12-10T12:00:00.000Z", "price": "1.00",
    "balance": "2.00", "due_at": "2026-12-12T14:30:00.000Z", "reminder": 2, "round": 1, "opening_price": "3.00",
    "url": "https://hooks.example.com/in", "failure_streak": 5, "open_until": "2026-12-10T12:05:00+00:00",
    "sale_id": 1, "lot_id": 2, "case_id": 3, "endpoint_id": 4,
    # after the award (auction/aftersale): what payment.defaulted / sale.finalised / payment.reminder /
    # payment.received / sale.handover carry
    "refunded_part_payments": "4.00", "taxes_due": "5.00", "tax_due_at": "2026-12-19T14:00:00.000Z",
    "purpose": "price", "kind": "tescil",
    # an account locked after wrong passwords (user.locked, docs/security.md)
    "failures": 10, "locked_until": "2026-12-10T12:15:00.000Z",
}
CATALOGUE = load()


@pytest.mark.parametrize("kind", sorted(CATALOGUE.kinds))
@pytest.mark.parametrize("lang", LANGS)
def test_every_kind_renders_in_both_languages(kind, lang):
    k = CATALOGUE.kinds[kind]
    assert set(k.texts) == set(LANGS), "both languages"
    out = k.render(lang, SAMPLE, strict=True)  # a field the template names but events lack fails here
    assert out.title and out.text and out.sms and k.label(lang)
    assert len(out.sms) <= 300
    assert k.link_for(SAMPLE) is None or k.link_for(SAMPLE).startswith("/")
    assert set(k.defaults) == set(CHANNELS)


def test_every_event_named_is_a_known_event_type():
    named = {e for k in CATALOGUE.kinds.values() for e in k.events}
    assert named <= EVENT_TYPES | INTERNAL_EVENT_TYPES
    # The brief's list: outbid, teminat confirmed/refunded, won, payment due (and reminders), default,
    # finality, cetvel served, payout sent; a watched lot opening comes from the watch alerts. The cetvel is
    # served by `distribution.served` (D-40); `distribution.ready` is the draft (D-55), for webhooks only.
    assert {"bid.outbid", "deposit.confirmed", "deposit.refunded", "sale.won", "payment.due", "payment.defaulted",
            "sale.finalised", "distribution.served", "payout.sent"} <= named
    assert "watch_round_opened" in CATALOGUE.kinds


def test_money_and_time_follow_the_language():
    k = CATALOGUE.kinds["payment_due"]
    assert "1.400.000,00 TL" in k.render("tr", {"balance": "1400000.00", "due_at": "2026-12-12T14:30:00Z"}).text
    assert "12.12.2026 17:30" in k.render("tr", {"balance": "1", "due_at": "2026-12-12T14:30:00Z"}).text
    assert "1,400,000.00 TL" in k.render("en", {"balance": "1400000.00", "due_at": "2026-12-12T14:30:00Z"}).text


def test_a_missing_field_renders_as_a_dash_never_an_error():
    assert "«—»" in CATALOGUE.kinds["outbid"].render("tr", {}).text


def test_the_message_caps_per_person():
    assert CATALOGUE.delivery.email_per_hour == 20 and CATALOGUE.delivery.sms_per_hour == 6


@pytest.mark.parametrize("url", ["smtp://mail.example.com:587", "smtps://user:p%40ss@mail.example.com:465",
                                 "smtp://127.0.0.1"])
def test_smtp_url_forms(url, tmp_path):
    from auction.config import Settings

    assert Settings(smtp_url=url, var_dir=tmp_path).smtp_url is not None


@pytest.mark.parametrize("url", ["mail.example.com:25", "http://mail.example.com", "smtp://"])
def test_a_bad_smtp_url_is_refused_at_start(url, tmp_path):
    from pydantic import ValidationError

    from auction.config import Settings

    with pytest.raises(ValidationError, match="ESATIS_SMTP_URL"):
        Settings(smtp_url=url, var_dir=tmp_path)


def test_smtp_url_parts():
    from auction.mail import parse_smtp_url

    t = parse_smtp_url("smtps://bildirim%40esatis.gov.tr:p%40ss@mail.example.com")
    assert (t.host, t.port, t.use_tls, t.username, t.password) == (
        "mail.example.com", 465, True, "bildirim@esatis.gov.tr", "p@ss")
    assert parse_smtp_url("smtp://mail.example.com").port == 25
