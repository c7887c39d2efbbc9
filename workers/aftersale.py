"""The timers after the award (auction/aftersale/timers.py): defaults (S-13), the fesih window (TM-17),
the finality check (S-17), alerts and reminders (TM-19, TM-20), then the refunds of payments (TM-22) and
the PDFs of the documents. Every item is claimed and acted on in its own transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.aftersale import default, documents, finality, refunds, timers
from auction.sales import documents as sale_documents
from auction.storage import storage_for
from workers.base import Worker

log = structlog.get_logger(__name__)

Claim = Callable[[AsyncSession, datetime], Awaitable[int | None]]


class AftersaleWorker(Worker):
    name = "aftersale"
    interval = 1.0
    batch = 50

    async def run_once(self) -> int:
        runtime = self.runtime
        steps: list[tuple[str, Claim, Callable[[AsyncSession, int, datetime], Awaitable[bool]]]] = [
            ("default", timers.claim_default, lambda s, i, n: default.default(s, runtime, i, n)),
            ("fesih_window", timers.claim_window_close, finality.close_window),
            ("finality_check", timers.claim_finality_check, lambda s, i, n: finality.to_check(s, runtime, i, n)),
            ("refund", refunds.claim_due, refunds.execute),
        ]
        done = 0
        for name, claim, act in steps:
            while done < self.batch:
                now = clock.now()
                async with runtime.db.session() as session:
                    item = await claim(session, now)
                    if item is None:
                        break
                    acted = await act(session, item, now)
                log.info("aftersale_step", step=name, item=item, acted=acted)
                done += 1
                if not acted:
                    break  # claimed but no longer due (a race lost): look again next poll
        done += await self.alerts()
        done += await self.render_pdfs()
        return done

    async def alerts(self) -> int:
        now = clock.now()
        async with self.runtime.db.session() as session:
            due = await timers.due_alerts(session, now)
        sent = 0
        for sale_id, kind in due:
            async with self.runtime.db.session() as session:
                sent += int(await timers.send_alert(session, self.runtime, sale_id, kind, now))
        return sent

    async def render_pdfs(self) -> int:
        async with self.runtime.db.session() as session:
            pending = [(d.id, d.sale_id, d.kind, d.html) for d in await documents.pending_pdfs(session)]
        storage = storage_for(self.runtime.settings)
        for doc_id, sale_id, kind, html in pending:
            pdf = await sale_documents.render_pdf_apart(html)
            key = f"aftersale/{sale_id}/{doc_id}-{kind}.pdf"  # deterministic: a retry overwrites the same object
            await storage.put(key, pdf, "application/pdf")
            async with self.runtime.db.session() as session:
                await documents.store_pdf(session, doc_id, key)
        return len(pending)
