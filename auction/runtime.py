"""Everything a process needs at run time, built once from the settings: database, broker, rate
limiter and the open-point policy. The web app and `esatis worker` both hold one `Runtime`."""

from __future__ import annotations

from dataclasses import dataclass, field

from auction.admission import KeyedGate, PriceFloors
from auction.broker import Broker, make_broker, namespace_for
from auction.config import Settings
from auction.db import Database
from auction.events import service as events
from auction.events.service import OUTBOX_WAKEUP_CHANNEL
from auction.ratelimit import RateLimiter
from auction.rules.policy import Policy, make_policy
from auction.users import service as users


@dataclass
class Runtime:
    settings: Settings
    db: Database
    broker: Broker
    limiter: RateLimiter
    policy: Policy
    started: bool = field(default=False)
    # Per-lot admission of bids (auction/admission.py, ESATIS_BID_LOT_CONCURRENCY).
    bid_admission: KeyedGate = field(default_factory=lambda: KeyedGate(4))
    # The least each round accepts next, as this process last saw it committed (auction/admission.py).
    price_floors: PriceFloors = field(default_factory=PriceFloors)

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        users.set_password_profile(settings.password_hashing)
        # ESATIS_EXTENSION_BASE is the contract's name for open point OP-02.
        policy = make_policy(settings.policy_file, {"extension.first_base": settings.extension_base})
        return cls(
            settings=settings,
            db=Database(settings.database_url, pool_size=settings.db_pool_size),
            # Namespaced by database: deployments and test runs sharing one Redis never cross-talk.
            broker=make_broker(settings.redis_url, namespace=namespace_for(settings.database_url)),
            limiter=RateLimiter(settings.redis_url, enabled=settings.rate_limits == "on"),
            policy=policy,
            bid_admission=KeyedGate(settings.bid_lot_concurrency),
        )

    async def start(self) -> None:
        if self.started:
            return
        await self.broker.start()

        async def wake_dispatchers() -> None:
            await self.broker.publish(OUTBOX_WAKEUP_CHANNEL, {"type": "outbox"})

        events.set_wakeup(wake_dispatchers)
        self.started = True

    async def stop(self) -> None:
        if not self.started:
            return
        events.set_wakeup(None)
        await self.broker.stop()
        await self.db.dispose()
        self.started = False
