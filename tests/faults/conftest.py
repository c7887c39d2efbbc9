"""Fault tests: real processes killed at fault-injection points (auction/faults.py), Redis and the
database taken away and given back. Each test proves what was stored afterwards, not just that nothing
crashed; the whole directory runs in about a minute on SQLite (`./esatis test tests/faults -q`). Helpers
are in support.py."""

from tests.engine import env, make_actor, manager  # noqa: F401 - the engine fixtures
from tests.livesupport import settings  # noqa: F401 - rate limits off in the test's own app
