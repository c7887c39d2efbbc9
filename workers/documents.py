"""Sale paperwork in the background: renders tutanak PDFs (after the close's commit, so the close never
waits on WeasyPrint), posts the tutanak itself under the demo ruleset (`tutanak.auto_post`, A-60), and
makes appraisals kesin when their şikayet window ran out (TM-01, A-04)."""

from __future__ import annotations

import structlog

from auction import clock
from auction.errors import DomainError
from auction.lots import service as lots
from auction.sales import documents, tutanak
from auction.storage import storage_for
from workers.base import Worker

log = structlog.get_logger(__name__)


class DocumentsWorker(Worker):
    name = "documents"
    interval = 1.0

    async def run_once(self) -> int:
        done = await self.auto_post()
        done += await self.render_pdfs()
        async with self.runtime.db.session() as session:
            await lots.expire_objection_windows(session)
        return done

    async def auto_post(self) -> int:
        async with self.runtime.db.session() as session:
            due = await tutanak.due_auto_posts(session, clock.now())
        for sale_id in due:
            try:
                async with self.runtime.db.session() as session:
                    await tutanak.post_tutanak(session, self.runtime, None, sale_id)
                log.info("tutanak_auto_posted", sale_id=sale_id)
            except DomainError as exc:  # posted meanwhile by the müdür or another worker
                log.info("tutanak_auto_post_skipped", sale_id=sale_id, code=exc.code)
        return len(due)

    async def render_pdfs(self) -> int:
        async with self.runtime.db.session() as session:
            pending = [(t.id, t.version, t.sale_id, t.round_id, t.html) for t in await tutanak.pending_pdfs(session)]
        storage = storage_for(self.runtime.settings)
        for tutanak_id, version, sale_id, round_id, html in pending:
            pdf = await documents.render_pdf_apart(html)
            # Deterministic keys: a retried render overwrites the same objects.
            base = f"tutanak/{sale_id}/{round_id}-v{version}"
            await storage.put(f"{base}.html", html.encode("utf-8"), "text/html; charset=utf-8")
            key = f"{base}.pdf"
            await storage.put(key, pdf, "application/pdf")
            async with self.runtime.db.session() as session:
                await tutanak.store_pdf(session, tutanak_id, version, key)
        return len(pending)
