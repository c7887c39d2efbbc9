"""Watch and saved-search alerts: from the outbox (round opened / extended / closed, a new matching lot)
and from the clock (an hour left), each once, as the user's notifications, respecting his settings."""

from datetime import datetime, timedelta

from sqlalchemy import select

from auction import clock
from auction.notifications.models import Notification
from auction.watch import service as watch
from auction.watch.search import SearchParams
from tests.web.conftest import HTML, text_of, z
from workers.outbox_relay import OutboxRelay
from workers.watch_alerts import WatchAlerts


async def relay(env) -> None:
    while await OutboxRelay(env.runtime).run_once():
        pass


async def kinds(env, user_id: int) -> list[str]:
    async with env.runtime.db.session() as s:
        rows = await s.scalars(select(Notification.kind).where(Notification.user_id == user_id)
                               .order_by(Notification.seq))
        return [k for k in rows.all() if k.startswith(("watch_", "saved_"))]


async def test_watchers_hear_of_opening_extension_hour_left_and_close(env, manual_clock):
    lot = await env.lot()
    fan = await env.make_actor("bidder")
    quiet = await env.make_actor("bidder")  # watches, but only wants the close
    async with env.runtime.db.session() as s:
        await watch.watch(s, fan.user.id, lot["id"])
        await watch.watch(s, quiet.user.id, lot["id"])
        await watch.set_prefs(s, quiet.user.id, {"closed": True})
    start = clock.now() + timedelta(days=16)
    await env.sale(lot["id"], first_round_start=z(start))
    manual_clock.set(start + timedelta(seconds=1))
    assert await env.tick() == 1
    await relay(env)
    assert await kinds(env, fan.user.id) == ["watch_round_opened"]
    a, b = await env.bidder(lot["id"]), await env.bidder(lot["id"])  # teminat before its deadline
    # An hour before the end: once, however often the worker looks.
    view = await env.get_lot(lot["id"])
    end = datetime.fromisoformat(view["ends_at"].replace("Z", "+00:00"))
    manual_clock.set(end - timedelta(minutes=59))
    assert await WatchAlerts(env.runtime).run_once() == 1
    assert await WatchAlerts(env.runtime).run_once() == 0
    # Two late bids extend the close twice: one alert for the round.
    manual_clock.set(end - timedelta(minutes=5))
    assert (await env.bid(a, lot["id"], "1175000.00")).status_code == 201
    manual_clock.set(end + timedelta(minutes=2))
    assert (await env.bid(b, lot["id"], "1186750.00")).status_code == 201
    await relay(env)
    assert await kinds(env, fan.user.id) == ["watch_round_opened", "watch_closing_soon", "watch_extended"]
    final = datetime.fromisoformat((await env.get_lot(lot["id"]))["ends_at"].replace("Z", "+00:00"))
    manual_clock.set(final + timedelta(seconds=1))
    assert await env.tick() >= 1
    await relay(env)
    await relay(env)  # a second pass changes nothing
    assert await kinds(env, fan.user.id) == ["watch_round_opened", "watch_closing_soon", "watch_extended",
                                             "watch_closed"]
    assert await kinds(env, quiet.user.id) == ["watch_closed"]
    # The account shows them, newest first, with a link to the lot; "mark all read" empties the count.
    page = await env.client.get("/hesabim/bildirimler", headers={**HTML, **fan.headers})
    text = text_of(page.text)
    assert "İzlediğiniz malda artırma bitti" in text and "İzlediğiniz malda süre uzadı" in text
    assert "4 okunmamış bildirim" in text and f'href="/lots/{lot["id"]}"' in page.text
    r = await env.client.post("/hesabim/bildirimler/okundu", data={}, headers={**HTML, **fan.headers})
    assert r.status_code == 303
    page = await env.client.get("/hesabim/bildirimler", headers={**HTML, **fan.headers})
    assert "okunmamış bildirim" not in text_of(page.text)


async def test_a_new_lot_matching_a_saved_search_is_announced_to_its_owner(env, manual_clock):
    wants = await env.make_actor("bidder")
    other = await env.make_actor("bidder")
    muted = await env.make_actor("bidder")
    async with env.runtime.db.session() as s:
        await watch.save_search(s, wants.user.id, "Bursa", SearchParams.parse({"province": "Bursa"}))
        await watch.save_search(s, other.user.id, "İzmir", SearchParams.parse({"province": "İzmir"}))
        await watch.save_search(s, muted.user.id, "Bursa", SearchParams.parse({"province": "Bursa"}))
        await watch.set_prefs(s, muted.user.id, {"round_opened": True})  # saved-search alerts off
    manual_clock.advance(seconds=5)
    lot = await env.lot(title="Nilüfer'de dükkan", province="Bursa", district="Nilüfer", use="isyeri")
    await env.sale(lot["id"], first_round_start=z(clock.now() + timedelta(days=16)))
    await relay(env)
    assert await kinds(env, wants.user.id) == ["saved_search_match"]
    assert await kinds(env, other.user.id) == []
    assert await kinds(env, muted.user.id) == []
    # A search saved after the lot was announced does not alert for it.
    late = await env.make_actor("bidder")
    async with env.runtime.db.session() as s:
        await watch.save_search(s, late.user.id, "Bursa", SearchParams.parse({"province": "Bursa"}))
    await relay(env)
    assert await kinds(env, late.user.id) == []
    page = await env.client.get("/hesabim", headers={**HTML, **wants.headers})
    assert "Aramanıza uyan yeni mal" in text_of(page.text)
