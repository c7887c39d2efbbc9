"""Rate limits with the `limits` library: in memory for one process, in Redis across processes.

Rules are strings such as "10/minute". Redis being down must not stop bidding: the limiter then fails
open and logs, because the limits protect capacity, not correctness (every bid is still validated).
"""

from __future__ import annotations

import structlog
from limits import parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from auction.errors import RateLimited

log = structlog.get_logger(__name__)

RULES = {
    "login": "10/minute",
    "register": "5/minute",
    "token": "20/minute",
    "bid": "30/minute",
    "deposit": "10/minute",
    # After the award: starting payments (each sends an SMS) and trying codes (on top of the 5 tries per
    # code, auction/otp) per user.
    "payment": "10/minute",
    "otp": "20/minute",
    # Codes tried per client IP (web.deps.otp_confirm_limit); sends per IP are a setting.
    "otp_ip": "60/minute",
    "api_write": "120/minute",
    # Bids per client IP (web.deps.bid_ip_limit), on top of `bid` per user; generous, because many bidders
    # may share one office network behind one address.
    "bid_ip": "600/minute",
}


class RateLimiter:
    def __init__(self, redis_url: str | None, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self.storage: Storage
        if redis_url:
            # redis-py (already a dependency for the broker) instead of the default coredis.
            self.storage = RedisStorage(redis_url.replace("redis://", "async+redis://", 1)
                                        .replace("rediss://", "async+rediss://", 1),
                                        implementation="redispy", key_prefix="esatis:limits",
                                        socket_timeout=1, socket_connect_timeout=1)
        else:
            self.storage = MemoryStorage()
        self.limiter = MovingWindowRateLimiter(self.storage)

    async def hit(self, rule: str, *identifiers: str | int) -> None:
        if not self.enabled:
            return
        item = parse(RULES.get(rule, rule))
        keys = [rule, *(str(i) for i in identifiers)]
        try:
            allowed = await self.limiter.hit(item, *keys)
        except Exception as exc:  # the storage is down: fail open (see module doc)
            log.warning("rate_limit_storage_error", rule=rule, error=str(exc))
            return
        if not allowed:
            stats = await self.limiter.get_window_stats(item, *keys)
            raise RateLimited(details={"rule": rule, "limit": str(item), "reset_at": int(stats.reset_time)})

    async def reset(self) -> None:
        try:
            await self.storage.reset()
        except Exception as exc:
            log.warning("rate_limit_reset_failed", error=str(exc))
