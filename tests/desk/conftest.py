"""Fixtures of the desk's tests: the auction engine's (a ManualClock, staff, müdür, lots, sales, bids) and
the after-award helpers (`win`)."""

from tests.aftersale.conftest import no_pdf, sms_file  # noqa: F401 - the SMS sink of `win`'s buyer; no PDFs
from tests.engine import env, make_actor, manager, manual_clock  # noqa: F401 - the engine fixtures
