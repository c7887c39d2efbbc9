"""The auction engine's fixtures (tests/engine.py): a ManualClock, lots, sales, bidders."""

from tests.engine import env, make_actor, manager, manual_clock  # noqa: F401 - the engine fixtures
