"""The delivery policy (`data/delivery.toml`): retry schedule, timeouts, concurrency, circuit breaker."""

from __future__ import annotations

import random
import tomllib
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "delivery.toml"


@dataclass(frozen=True)
class DeliveryPolicy:
    delays: tuple[int, ...]
    jitter: float
    max_age: timedelta
    connect_timeout: float
    io_timeout: float
    total_timeout: float
    max_response_bytes: int
    excerpt_chars: int
    concurrency: int
    per_endpoint: int
    lease: timedelta
    failures_to_open: int
    cooldowns: tuple[int, ...]
    rotation_overlap: timedelta
    max_overlap: timedelta

    @property
    def max_attempts(self) -> int:
        return len(self.delays) + 1

    def retry_delay(self, failed_attempts: int, rng: random.Random | None = None) -> timedelta | None:
        """How long to wait after the `failed_attempts`-th failure in a row; None: no attempt is left."""
        if failed_attempts < 1 or failed_attempts > len(self.delays):
            return None
        base = self.delays[failed_attempts - 1]
        factor = 1.0 + (rng or random).uniform(0.0, self.jitter)
        return timedelta(seconds=base * factor)

    def cooldown(self, openings: int) -> timedelta:
        """How long the circuit stays open after its `openings`-th opening in a row (1-based)."""
        index = min(max(openings, 1), len(self.cooldowns)) - 1
        return timedelta(seconds=self.cooldowns[index])

    def minimum_retry_span(self) -> timedelta:
        """The least time between the first attempt and the last (no jitter): what receivers can rely on."""
        return timedelta(seconds=sum(self.delays))


def _policy(raw: dict[str, Any]) -> DeliveryPolicy:
    retry, http, conc, circuit, secrets = (raw["retry"], raw["http"], raw["concurrency"], raw["circuit"],
                                           raw["secrets"])
    policy = DeliveryPolicy(
        delays=tuple(int(d) for d in retry["delays"]), jitter=float(retry["jitter"]),
        max_age=timedelta(hours=float(retry["max_age_hours"])),
        connect_timeout=float(http["connect_timeout"]), io_timeout=float(http["io_timeout"]),
        total_timeout=float(http["total_timeout"]), max_response_bytes=int(http["max_response_bytes"]),
        excerpt_chars=int(http["excerpt_chars"]),
        concurrency=int(conc["total"]), per_endpoint=int(conc["per_endpoint"]),
        lease=timedelta(seconds=float(conc["lease_seconds"])),
        failures_to_open=int(circuit["failures_to_open"]), cooldowns=tuple(int(c) for c in circuit["cooldowns"]),
        rotation_overlap=timedelta(hours=float(secrets["rotation_overlap_hours"])),
        max_overlap=timedelta(hours=float(secrets["max_overlap_hours"])),
    )
    if not policy.delays or any(d <= 0 for d in policy.delays) or not policy.cooldowns:
        raise ValueError("delivery.toml: retry delays and circuit cooldowns must be positive and non-empty")
    if policy.lease.total_seconds() <= policy.total_timeout:
        raise ValueError("delivery.toml: the lease must outlast an attempt's total timeout")
    return policy


@lru_cache(maxsize=1)
def load_policy() -> DeliveryPolicy:
    with DATA.open("rb") as fh:
        return _policy(tomllib.load(fh))
