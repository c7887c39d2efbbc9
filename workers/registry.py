"""The workers a process runs. Each domain adds its own here (the closer, the webhook dispatcher…)."""

from __future__ import annotations

from auction.runtime import Runtime
from workers.aftersale import AftersaleWorker
from workers.base import Worker
from workers.closer import RoundCloser
from workers.documents import DocumentsWorker
from workers.housekeeping import Housekeeping
from workers.messages import MessageSender
from workers.outbox_relay import OutboxRelay
from workers.refunds import RefundWorker
from workers.watch_alerts import WatchAlerts
from workers.webhook_dispatcher import WebhookDispatcher


def default_workers(runtime: Runtime) -> list[Worker]:
    return [Housekeeping(runtime), RoundCloser(runtime), RefundWorker(runtime), DocumentsWorker(runtime),
            OutboxRelay(runtime), WatchAlerts(runtime), WebhookDispatcher(runtime), MessageSender(runtime),
            AftersaleWorker(runtime)]



def select_workers(runtime: Runtime, *, only: frozenset[str] = frozenset(),
                   skip: frozenset[str] = frozenset()) -> list[Worker]:
    """The workers one `esatis worker` process runs: all by default, or `only` these, or all but `skip`. A
    deployment runs the round clock in a process of its own this way (`--only closer` in one process,
    `--skip closer` in another), so that CPU-bound work - WeasyPrint rendering a batch of tutanak PDFs
    holds the GIL - never delays an open or a close (docs/scaling.md). Every worker must run somewhere:
    the deployment, not this function, sees to that."""
    every = default_workers(runtime)
    known = [w.name for w in every]
    unknown = sorted((only | skip) - set(known))
    if unknown:
        raise ValueError(f"unknown worker(s): {', '.join(unknown)} (known: {', '.join(known)})")
    if only and skip:
        raise ValueError("give --only or --skip, not both")
    chosen = [w for w in every if (not only or w.name in only) and w.name not in skip]
    if not chosen:
        raise ValueError("no worker left to run")
    return chosen
