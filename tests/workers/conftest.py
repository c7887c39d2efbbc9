"""The workers' tests run with the live tests' settings (rate limits off) and the engine's actors."""

from tests.engine import make_actor, manual_clock  # noqa: F401 - tokens valid for ten years (the tests move the clock)
from tests.livesupport import settings  # noqa: F401 - rate limits off
