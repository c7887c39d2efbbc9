"""Fixtures for the legal-calendar tests (pure, no database)."""

from __future__ import annotations

import pytest

from auction.rules.policy import Policy
from auction.rules.table import RuleBook, load_rulebook


@pytest.fixture(scope="session")
def book() -> RuleBook:
    return load_rulebook()


@pytest.fixture(scope="session")
def arife_holiday(book: RuleBook) -> Policy:
    """OP-04 as the product default: a half-day arife counts as a holiday."""
    return Policy(book, {"calendar.arife_is_holiday": True})


@pytest.fixture(scope="session")
def arife_working(book: RuleBook) -> Policy:
    """OP-04 decided the other way: the arife is a working day."""
    return Policy(book, {"calendar.arife_is_holiday": False})


@pytest.fixture
def policies(arife_holiday: Policy, arife_working: Policy) -> dict[bool, Policy]:
    return {True: arife_holiday, False: arife_working}
