"""Fan-out of live messages between processes.

`Broker` is the one interface: `InProcessBroker` when REDIS_URL is unset (one process: `esatis serve`),
`RedisBroker` (Redis pub/sub) otherwise. The broker only *fans out*: every message it carries can be
rebuilt from the database (live events have a per-lot `seq`; a subscriber that misses one sees the gap
and reads it back), so losing Redis loses no data (docs/adr/0004, docs/live.md).
"""

import hashlib

from sqlalchemy.engine import make_url

from auction.broker.base import RESYNC_MESSAGE, Broker, Message, OverflowPolicy, Subscription
from auction.broker.memory import InProcessBroker
from auction.broker.redis import RedisBroker

RESYNC = "_resync"  # control message: the subscriber may have missed messages; re-read the database


def namespace_for(database_url: str) -> str:
    """The Redis channel prefix of everything that shares one database: processes of one deployment
    talk to each other, and another deployment or test run on the same Redis never hears them. Built
    from host, port and database name only (never the password)."""
    try:
        url = make_url(database_url)
        ident = f"{url.get_backend_name()}://{url.host or ''}:{url.port or ''}/{url.database or ''}"
    except Exception:  # an unparsable URL fails elsewhere, loudly; any stable prefix will do here
        ident = database_url
    return "esatis:" + hashlib.sha256(ident.encode()).hexdigest()[:12]


def make_broker(redis_url: str | None, *, namespace: str = "") -> Broker:
    if redis_url:
        return RedisBroker(redis_url, namespace=namespace)
    return InProcessBroker()


__all__ = ["RESYNC", "RESYNC_MESSAGE", "Broker", "InProcessBroker", "Message", "OverflowPolicy", "RedisBroker",
           "Subscription", "make_broker", "namespace_for"]
