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
