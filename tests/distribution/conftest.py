"""Fixtures of the distribution tests: pure, no database, no network.

The worked cases are read from the law catalogue, `docs/law/examples/` (their only copy). Plain helpers
live in `dist_helpers.py`.
"""

from __future__ import annotations

import pytest

from auction.rules.policy import Policy
from auction.rules.table import rulebook


@pytest.fixture
def default_policy() -> Policy:
    """The open-point defaults of open_points.toml / taxes.toml, with no deployment override."""
    return Policy(rulebook())
