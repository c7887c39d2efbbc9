"""The auction engine's fixtures (tests/engine.py) for the file's records on a lot: a ManualClock, lots."""

from tests.engine import env, make_actor, manager, manual_clock  # noqa: F401 - the engine fixtures
