"""The buyer who bought against its claim (A-57, OP-21) in the payouts of the final cetvel: it paid the price
less its net share, so that part never reached the office's account. Its line is settled by the netting first
(`netted`), only the rest leaves in the bank file, and a line smaller than what it kept stops the payouts until
the difference is collected from it (409 `mahsup_shortfall`) — the others would not be funded."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from auction.disbursement.models import Payout
from auction.notifications.models import Notification
from tests.disbursement.conftest import at, distributing
from tests.disbursement.test_cetvel_flow import _events, _get, _parse_file, _post, _second_manager, _sum
from workers.outbox_relay import OutboxRelay

# The draft distribution with this price (tests.disbursement.conftest): the bank's share 400,000.00 less the
# tahsil harcı 45,520.00 (T-25) and the cezaevi harcı 8,000.00 (T-26) — what the buyer did not pay in cash.
NETTED = Decimal("346480.00")


async def _final_cetvel(env: Any, manual_clock: Any, d: Any, principal: str | None = None) -> tuple[int, str]:
    """Served and final, after a staff correction of the bank's principal when given (D-48)."""
    c = await _get(env, f"/api/v1/sales/{d.sale_id}/distribution")
    did = c["distribution_id"]
    if principal is not None:
        case = c["case"]
        bank = next(x for x in case["creditors"] if x["claim"]["principal"] == "400000.00")
        bank["claim"]["principal"] = principal
        await _post(env, f"/api/v1/distributions/{did}/versions", status=201, json={
            "reason": "Birinci derece alacaklının alacağı ödeme belgesine göre düzeltildi", "case": case})
    r = await _post(env, f"/api/v1/distributions/{did}/serve")
    manual_clock.set(at(r.json()["objection_until"]) + timedelta(seconds=1))
    assert (await _post(env, f"/api/v1/distributions/{did}/finalise", actor=env.manager)).json()["status"] == "final"
    return did, f"creditor:cr{d.creditors[0]}"


async def _approve_and_export(env: Any, did: int, prepared: list[dict[str, Any]]) -> tuple[list[list[str]], Any]:
    other = await _second_manager(env)
    for p in prepared:
        await _post(env, f"/api/v1/payouts/{p['id']}/approve", actor=other)
    r = await _post(env, f"/api/v1/distributions/{did}/payout-files", status=201)
    return _parse_file(r.text)


async def test_the_buying_creditors_share_is_settled_by_its_netting_and_never_paid_again(
        env, manual_clock, runtime, sms_file, no_pdf):
    d = await distributing(env, manual_clock, sms_file, mahsup=True)
    did, bank_key = await _final_cetvel(env, manual_clock, d)
    c = await _get(env, f"/api/v1/distributions/{did}")
    assert _sum(c["lines"], key=bank_key) == NETTED  # the cetvel gives the bank what it kept
    prepared = (await _post(env, f"/api/v1/distributions/{did}/payouts", status=201)).json()
    bank = next(p for p in prepared if p["key"] == bank_key)
    assert (bank["channel"], bank["iban"], bank["amount"], bank["netted"], bank["cash"]) == (
        "mahsup", None, "346480.00", "346480.00", "0.00")
    others = [p for p in prepared if p["key"] != bank_key]
    assert all(p["netted"] == "0.00" and p["cash"] == p["amount"] for p in others)
    # The staff page says so beside the amount.
    page = await env.client.get(f"/staff/sales/{d.sale_id}/cetvel", headers=env.staff.headers)
    assert page.status_code == 200 and 'data-testid="payout-netted"' in page.text and "346.480,00" in page.text

    rows, total = await _approve_and_export(env, did, prepared)
    # The bank file moves only money the office holds: no row for the bank's share.
    assert bank_key not in " ".join(r[5] for r in rows)
    assert Decimal(total[4]) == sum(Decimal(p["cash"]) for p in others)
    assert Decimal(total[4]) + NETTED == Decimal(d.price)
    c = await _get(env, f"/api/v1/distributions/{did}")
    assert c["status"] == "paid" and Decimal(c["totals"]["sent"]) == Decimal(d.price)
    assert (await _get(env, f"/api/v1/sales/{d.sale_id}"))["status"] == "closed"
    sent = [e.data for e in await _events(runtime, "payout.sent") if e.data["kind"] == "creditor"
            and e.data["channel"] == "mahsup"]
    assert [(e["netted"], e["cash"]) for e in sent] == [("346480.00", "0.00")]
    # The bank's party is told its share was set off, not that it was sent to its account.
    while await OutboxRelay(runtime).run_once():
        pass
    async with runtime.db.session() as s:
        texts = (await s.scalars(select(Notification.message).where(
            Notification.user_id == d.parties[0].user.id, Notification.kind == "payout_sent"))).all()
    assert texts and "mahsuben" in texts[0] and "gönderildi" not in texts[0]


async def test_a_larger_final_share_pays_only_what_the_netting_left(env, manual_clock, runtime, sms_file, no_pdf):
    d = await distributing(env, manual_clock, sms_file, mahsup=True)
    did, bank_key = await _final_cetvel(env, manual_clock, d, principal="450000.00")
    c = await _get(env, f"/api/v1/distributions/{did}")
    share = _sum(c["lines"], key=bank_key)
    assert share > NETTED
    prepared = (await _post(env, f"/api/v1/distributions/{did}/payouts", status=201)).json()
    bank = next(p for p in prepared if p["key"] == bank_key)
    assert (bank["channel"], bank["netted"], Decimal(bank["cash"])) == ("eft", "346480.00", share - NETTED)
    assert bank["iban"]  # the bank's party account
    rows, total = await _approve_and_export(env, did, prepared)
    row = next(r for r in rows if bank_key in r[5])
    assert Decimal(row[4]) == share - NETTED and "mahsup 346480.00" in row[5]
    assert Decimal(total[4]) + NETTED == Decimal(d.price)


async def test_a_smaller_final_share_stops_the_payouts_until_the_buyer_pays_the_difference(
        env, manual_clock, runtime, sms_file, no_pdf):
    d = await distributing(env, manual_clock, sms_file, mahsup=True)
    did, bank_key = await _final_cetvel(env, manual_clock, d, principal="300000.00")
    c = await _get(env, f"/api/v1/distributions/{did}")
    share = _sum(c["lines"], key=bank_key)
    assert share < NETTED
    r = await env.client.post(f"/api/v1/distributions/{did}/payouts", headers=env.staff.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "mahsup_shortfall")
    details = r.json()["error"]["details"]
    assert (details["line"], Decimal(details["owed_by_buyer"])) == (bank_key, NETTED - share)
    async with runtime.db.session() as s:
        assert (await s.scalars(select(Payout).where(Payout.cetvel_id == did))).all() == []
