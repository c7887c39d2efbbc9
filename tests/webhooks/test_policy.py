"""The webhook delivery policy (auction/webhooks/data/delivery.toml) keeps the promises made to receivers
(docs/webhooks.md): retries for at least 24 hours, a backoff that never shrinks, jitter within its bound, an
event old enough to give up on only after the last retry, and short timeouts."""

from __future__ import annotations

from auction.webhooks.policy import load_policy


def test_the_delivery_policy_keeps_its_promises():
    policy = load_policy()
    assert policy.minimum_retry_span().total_seconds() >= 24 * 3600  # the contract: at least 24 hours
    assert list(policy.delays) == sorted(policy.delays)  # backoff never shrinks
    assert policy.max_age > policy.minimum_retry_span() * (1 + policy.jitter)
    assert policy.retry_delay(len(policy.delays) + 1) is None
    for n in range(1, len(policy.delays) + 1):
        delay = policy.retry_delay(n)
        assert delay is not None and policy.delays[n - 1] <= delay.total_seconds() <= policy.delays[n - 1] * 1.2
    assert policy.total_timeout <= 30 and policy.connect_timeout <= 10  # short timeouts
