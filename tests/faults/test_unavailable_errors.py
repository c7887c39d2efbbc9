"""Which exceptions mean "the database is out of reach" (503 `database_unavailable`) and which are bugs
(500 `internal_error`): auction.db.is_unavailable, through SQLAlchemy's wrapping, and the app's 503 (on
any database: the failure is injected)."""

from __future__ import annotations

import errno

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import exc as sa_exc

from auction.db import is_unavailable


def _wrapped(inner: BaseException) -> BaseException:
    try:
        try:
            raise inner
        except BaseException as e:
            raise sa_exc.OperationalError("SELECT 1", {}, e) from e
    except sa_exc.OperationalError as outer:
        return outer


@pytest.mark.parametrize("exc", [
    ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"),
    OSError(errno.EHOSTUNREACH, "No route to host"),
    TimeoutError(),
    sa_exc.TimeoutError("QueuePool limit reached"),
    _wrapped(ConnectionResetError(errno.ECONNRESET, "reset")),
    sa_exc.DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True),
])
def test_out_of_reach(exc):
    assert is_unavailable(exc)


@pytest.mark.parametrize("exc", [
    RuntimeError("a bug"),
    FileNotFoundError(errno.ENOENT, "no such file"),  # storage, not the database
    sa_exc.IntegrityError("INSERT", {}, Exception("duplicate key")),
    _wrapped(ValueError("bad value")),
    RedisConnectionError("Redis is down"),  # Redis is never the source of truth
])
def test_bugs_and_other_failures(exc):
    assert not is_unavailable(exc)


async def test_the_app_answers_503_for_an_unreachable_database(app, client, monkeypatch):
    """(The 500 of a bug: tests/web/test_errors.py.)"""
    from auction.lots import service as lots

    async def refused(*args, **kwargs):
        raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")

    monkeypatch.setattr(lots, "get_lot", refused)
    r = await client.get("/api/v1/lots/1")
    assert r.status_code == 503 and r.json()["error"]["code"] == "database_unavailable"
    assert r.headers["retry-after"] == "5" and r.json()["error"]["details"]["request_id"]
    page = await client.get("/lots/1", headers={"Accept": "text/html"})
    assert page.status_code == 503 and "database_unavailable" in page.text
