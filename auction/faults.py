"""Fault injection points for the crash tests of the workers (never active unless asked for).

`ESATIS_FAULT=closer.after_claim:30` makes the closer print `FAULT closer.after_claim` to stderr and
sleep 30 seconds at that point, inside its transaction, so a test can SIGKILL the process there and check
that a restarted closer finishes the job. Unset (always, outside those tests) it does nothing.
"""

from __future__ import annotations

import asyncio
import os
import sys


async def point(name: str) -> None:
    spec = os.environ.get("ESATIS_FAULT")
    if not spec:
        return
    wanted, _, seconds = spec.partition(":")
    if wanted != name:
        return
    sys.stderr.write(f"FAULT {name}\n")
    sys.stderr.flush()
    await asyncio.sleep(int(seconds or "60"))
