"""Fault injection points for the crash tests of the workers (never active unless asked for).

`ESATIS_FAULT=closer.after_claim:30` makes the closer print `FAULT closer.after_claim` to stderr and
sleep 30 seconds at that point, inside its transaction, so a test can SIGKILL the process there and check
that a restarted closer finishes the job. Unset (always, outside those tests) it does nothing.

The points (tests/faults/, tests/sales/test_closer.py): `closer.after_claim`, `closer.before_commit`,
`refunds.after_claim`, `refunds.before_commit`, `bid.before_commit` (the bid written, not committed) and
`bid.after_commit` (committed, the answer not yet sent).
"""

from __future__ import annotations

import asyncio
import os
import sys


def armed(name: str) -> bool:
    """Whether `ESATIS_FAULT` names this point (lets a caller skip registering a hook it would not need)."""
    spec = os.environ.get("ESATIS_FAULT") or ""
    return spec.partition(":")[0] == name


async def point(name: str) -> None:
    if not armed(name):
        return
    seconds = os.environ.get("ESATIS_FAULT", "").partition(":")[2]
    sys.stderr.write(f"FAULT {name}\n")
    sys.stderr.flush()
    await asyncio.sleep(int(seconds or "60"))
