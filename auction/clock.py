"""The server clock (G-04): the only time that counts for bids and deadlines.

Every service reads time through `now()`: UTC, timezone-aware, truncated to the millisecond (the
precision we store and show). Tests replace the clock with `ManualClock` to walk through a round's last
minutes deterministically; production uses the system clock, which must be NTP-disciplined on every host
(docs/adr/0002).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


def truncate_ms(dt: datetime) -> datetime:
    return dt.replace(microsecond=(dt.microsecond // 1000) * 1000)


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return truncate_ms(datetime.now(UTC))


class ManualClock:
    """A clock that only moves when told to (tests)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = truncate_ms(start.astimezone(UTC))

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = truncate_ms(when.astimezone(UTC))

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self._now = truncate_ms(self._now + (delta or timedelta(**kwargs)))
        return self._now


_clock: Clock = SystemClock()


def now() -> datetime:
    return _clock.now()


def get_clock() -> Clock:
    return _clock


def set_clock(clock: Clock) -> Clock:
    """Install a clock; returns the previous one so a test can restore it."""
    global _clock
    previous = _clock
    _clock = clock
    return previous


def iso_ms(dt: datetime) -> str:
    """The wire format of times: UTC with milliseconds and a Z (`2026-04-06T11:00:00.000Z`)."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
