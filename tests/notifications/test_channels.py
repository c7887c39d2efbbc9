"""E-mail and SMS for people: from the outbox, in the person's language, as each person chose per kind and
channel, once per event × person × channel, with a working unsubscribe link and an hourly cap."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from auction.events.models import OutboxEvent
from auction.notifications.catalogue import load
from auction.notifications.models import Notification, OutboundMessage
from auction.notifications.outbox import NotificationsConsumer


def plain(m) -> str:
    return m.get_body(("plain",)).get_content()


async def _rows(people, **where) -> list[OutboundMessage]:
    async with people.runtime.db.session() as s:
        stmt = select(OutboundMessage).order_by(OutboundMessage.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(OutboundMessage, key) == value)
        return list((await s.scalars(stmt)).all())


async def test_a_win_reaches_the_buyer_by_email_sms_and_in_app_once(people, mailbox):
    buyer = await people.person()
    lot = await people.lot()
    await people.emit("sale.won", {"sale_id": 5, "lot_id": lot, "price": "1500000.00", "buyer_user_id": buyer.user.id})
    assert await people.deliver() == 2
    mail, = mailbox.to(buyer.email)
    assert mail["Subject"] == "İhale üzerinize kaldı"
    assert "«Kadıköy'de 3+1 daire» 1.500.000,00 TL bedelle üzerinize ihale edildi." in plain(mail)
    assert "https://esatis.example.test/hesabim/kazandiklarim/5" in plain(mail)
    assert mail["List-Unsubscribe"].startswith("<https://esatis.example.test/abonelik/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # On the wire the URL stands verbatim on one line (mail clients do not decode encoded words there).
    assert b"\r\nList-Unsubscribe: <https://esatis.example.test/abonelik/" in mailbox.raw[0]
    assert mail.get_body(("html",)) is not None and mail["Content-Language"] == "tr"
    text, = people.texts()
    assert text["to"] == "+905551112233" and "üzerinize ihale edildi" in text["text"]
    async with people.runtime.db.session() as s:
        note = (await s.scalars(select(Notification).where(Notification.user_id == buyer.user.id))).one()
        assert note.title == "İhale üzerinize kaldı"

    # Relayed again (a consumer retried, a second relay): nothing more for anyone.
    async with people.runtime.db.session() as s:
        await NotificationsConsumer(None).consume(s, list((await s.scalars(select(OutboxEvent))).all()))
    assert await people.deliver() == 0
    assert len(mailbox.messages) == 1 and len(people.texts()) == 1
    rows = await _rows(people)
    assert [(m.channel, m.status) for m in rows] == [("email", "sent"), ("sms", "sent")]
    assert mail["Message-ID"] == f"<notification.{rows[0].id}.email@esatis.example.test>"  # the same on a retry


async def test_english_where_the_person_chose_it(people, mailbox):
    buyer = await people.person(lang="en")
    lot = await people.lot("Flat in Kadıköy")
    await people.emit("sale.won", {"sale_id": 5, "lot_id": lot, "price": "1500000.00", "buyer_user_id": buyer.user.id})
    await people.deliver()
    mail, = mailbox.to(buyer.email)
    assert mail["Subject"] == "You won the lot"
    assert "“Flat in Kadıköy” was awarded to you for 1,500,000.00 TL." in plain(mail)
    assert "To stop e-mails of this kind:" in plain(mail)
    assert "was awarded to you" in people.texts()[0]["text"]


async def test_a_rolled_back_change_tells_nobody(people, mailbox):
    from auction.events import service as events

    buyer = await people.person()

    class Boom(Exception):
        pass

    async def change_that_fails() -> None:
        async with people.runtime.db.session() as s:
            events.emit(s, "sale.won", {"sale_id": 5, "price": "10.00", "buyer_user_id": buyer.user.id},
                        subject_type="sale", subject_id=5, office_id=None)
            raise Boom

    with pytest.raises(Boom):
        await change_that_fails()
    assert await people.deliver() == 0
    assert mailbox.messages == [] and people.texts() == [] and await _rows(people) == []


async def test_each_persons_channel_choices_are_honoured(people, mailbox):
    bidder = await people.person()
    r = await people.client.put("/api/v1/me/notification-preferences", headers=bidder.headers,
                                json={"kinds": {"outbid": {"in_app": False, "email": False, "sms": True}}})
    assert r.status_code == 200, r.text
    outbid = next(k for k in r.json()["kinds"] if k["kind"] == "outbid")
    assert (outbid["in_app"], outbid["email"], outbid["sms"]) == (False, False, True)
    lot = await people.lot()
    await people.emit("bid.outbid", {"lot_id": lot, "sale_id": 1, "user_id": bidder.user.id, "amount": "2100000.00",
                                     "ends_at": "2026-12-10T12:00:00.000Z"})
    await people.deliver()
    assert mailbox.messages == []
    text, = people.texts()
    assert "teklifiniz geçildi" in text["text"] and "2.100.000,00 TL" in text["text"]
    async with people.runtime.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Notification)) == 0
    # An essential notice always shows in-app; unknown kinds and channels are refused.
    for body, problem in (({"kinds": {"sale_won": {"in_app": False}}}, "essential"),
                          ({"kinds": {"nope": {"email": True}}}, "unknown_kind")):
        r = await people.client.put("/api/v1/me/notification-preferences", headers=bidder.headers, json=body)
        assert r.status_code == 422 and r.json()["error"]["code"] == "notification_preference_invalid"
        assert r.json()["error"]["details"]["problems"][0]["problem"] == problem
    r = await people.client.put("/api/v1/me/notification-preferences", headers=bidder.headers,
                                json={"kinds": {"outbid": {"fax": True}}})
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"
    r = await people.client.put("/api/v1/me/notification-preferences", headers=bidder.headers, json={"lang": "de"})
    assert r.status_code == 422


async def test_no_phone_no_sms_and_defaults_apply(people, mailbox):
    bidder = await people.person(phone=None)
    prefs = (await people.client.get("/api/v1/me/notification-preferences", headers=bidder.headers)).json()
    assert prefs["phone"] is None and prefs["lang"] == "tr"
    kinds = {k["kind"]: k for k in prefs["kinds"]}
    assert {"outbid", "deposit_confirmed", "deposit_refunded", "watch_round_opened", "sale_won", "payment_due",
            "payment_defaulted", "sale_finalised"} <= set(kinds)
    assert "webhook_failing" not in kinds  # an admin's kind
    await people.emit("sale.won", {"sale_id": 5, "price": "10.00", "buyer_user_id": bidder.user.id})
    await people.deliver()
    assert len(mailbox.to(bidder.email)) == 1 and people.texts() == []


async def test_the_unsubscribe_link_works_without_signing_in(people, mailbox, client):
    bidder = await people.person()
    await people.emit("deposit.confirmed", {"deposit_id": 1, "user_id": bidder.user.id, "amount": "100000.00"})
    await people.deliver()
    mail, = mailbox.to(bidder.email)
    url = mail["List-Unsubscribe"].strip("<>")
    path = urlsplit(url).path
    page = await client.get(path)  # no session, no token header
    assert page.status_code == 200 and "Teminatım onaylandığında" in page.text and "e-posta" in page.text
    done = await client.post(path, content=b"List-Unsubscribe=One-Click",
                             headers={"content-type": "application/x-www-form-urlencoded"})
    assert done.status_code == 200 and 'data-testid="unsubscribed"' in done.text
    prefs = (await people.client.get("/api/v1/me/notification-preferences", headers=bidder.headers)).json()
    kinds = {k["kind"]: k for k in prefs["kinds"]}
    assert kinds["deposit_confirmed"]["email"] is False and kinds["deposit_refunded"]["email"] is True
    await people.emit("deposit.confirmed", {"deposit_id": 2, "user_id": bidder.user.id, "amount": "1.00"})
    await people.emit("deposit.refunded", {"deposit_id": 2, "user_id": bidder.user.id, "amount": "1.00"})
    await people.deliver()
    assert [m["Subject"] for m in mailbox.to(bidder.email)] == ["Teminatınız onaylandı", "Teminatınız iade edildi"]
    bad = await client.post(path[:-3] + "xyz", headers={"accept": "application/json"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "unsubscribe_token_invalid"


async def test_the_hourly_cap_holds_back_chatty_kinds_but_never_essential_ones(people, mailbox):
    bidder = await people.person(phone=None)
    cap = load().delivery.email_per_hour
    for n in range(cap + 2):
        await people.emit("bid.outbid", {"lot_id": None, "user_id": bidder.user.id, "amount": f"{n + 1}.00",
                                         "ends_at": "2026-12-10T12:00:00.000Z"})
    await people.emit("sale.won", {"sale_id": 5, "price": "10.00", "buyer_user_id": bidder.user.id})
    await people.deliver()
    rows = await _rows(people, channel="email")
    assert [r.status for r in rows].count("suppressed") == 2
    assert all(r.reason == "rate_capped" for r in rows if r.status == "suppressed")
    assert rows[-1].kind == "sale_won" and rows[-1].status == "sent"  # essential: past the cap
    assert len(mailbox.messages) == cap + 1
    async with people.runtime.db.session() as s:  # the in-app notices are all there
        assert await s.scalar(select(func.count()).select_from(Notification)) == cap + 3


async def test_smtp_refusals_are_retried_or_given_up(people, mailbox, manual_clock):
    a = await people.person(phone=None)
    b = await people.person(phone=None)
    mailbox.refuse += ["451 4.3.0 try again later", "550 5.1.1 no such mailbox"]
    await people.emit("sale.won", {"sale_id": 5, "price": "10.00", "buyer_user_id": a.user.id})
    await people.emit("sale.won", {"sale_id": 6, "price": "10.00", "buyer_user_id": b.user.id})
    await people.deliver()
    first, second = await _rows(people)
    assert (first.status, second.status) == ("pending", "failed")
    assert "451" in first.last_error and second.reason == "refused"
    manual_clock.advance(timedelta(minutes=5))
    await people.send()
    first, second = await _rows(people)
    assert (first.status, first.attempts) == ("sent", 2)
    assert len(mailbox.messages) == 1


async def test_an_unreachable_smtp_server_keeps_the_mail_for_later(people, mailbox, manual_clock):
    bidder = await people.person(phone=None)
    people.runtime.settings.smtp_url = SecretStr("smtp://127.0.0.1:1")  # nothing listens there
    await people.emit("sale.won", {"sale_id": 5, "price": "10.00", "buyer_user_id": bidder.user.id})
    await people.deliver()
    row, = await _rows(people)
    assert row.status == "pending" and "connection" in row.last_error.lower()
    people.runtime.settings.smtp_url = SecretStr(f"smtp://127.0.0.1:{mailbox.port}")
    people.sender = None
    manual_clock.advance(timedelta(minutes=5))
    await people.send()
    assert len(mailbox.to(bidder.email)) == 1


@pytest.mark.parametrize(("event", "data", "field", "title"), [
    ("payment.due", {"sale_id": 5, "balance": "1400000.00", "due_at": "2026-12-12T14:30:00.000Z"}, "buyer_user_id",
     "Satış bedelini ödeyin"),
    ("payment.due", {"sale_id": 5, "balance": "1400000.00", "due_at": "2026-12-12T14:30:00.000Z", "reminder": 1},
     "buyer_user_id", "Hatırlatma: Satış bedelini ödeyin"),
    ("payment.defaulted", {"sale_id": 5}, "buyer_user_id", "Satış bedeli süresinde ödenmedi"),
    ("sale.finalised", {"sale_id": 5}, "buyer_user_id", "İhale kesinleşti"),
    ("distribution.served", {"sale_id": 5, "case_id": 3, "distribution_id": 2}, "party_user_ids",
     "Sıra cetveli tebliğ edildi"),
    ("payout.sent", {"sale_id": 5, "case_id": 3, "payout_id": 8, "amount": "250000.00"}, "party_user_id",
     "Payınız ödendi"),
])
async def test_the_contract_events_of_later_work_already_reach_people(people, mailbox, event, data, field, title):
    """Payment reminders, default, finality, the cetvel and payouts are emitted by work on other branches
    under the contract's names; each is one catalogue entry here, tested by emitting the event."""
    persons = [await people.person(), await people.person()]
    ids = [p.user.id for p in persons]
    lot = await people.lot()
    await people.emit(event, {**data, "lot_id": lot, field: ids if field.endswith("_ids") else ids[0]})
    await people.deliver()
    told = ids if field.endswith("_ids") else ids[:1]
    for p in persons:
        mails = mailbox.to(p.email)
        if p.user.id in told:
            assert [m["Subject"] for m in mails] == [title]
            assert "—" not in plain(mails[0])  # every field the words use was there
        else:
            assert mails == []
