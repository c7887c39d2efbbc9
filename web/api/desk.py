"""The staff desk's work queue as JSON (docs/desk.md): the items and their counts per kind."""

from __future__ import annotations

from fastapi import APIRouter, Query

from auction.desk import queue
from auction.desk.schemas import QueueCount, QueueItemOut
from auction.users.models import Role
from web.deps import DbSession, StaffUser
from web.pages.desk import link_of

router = APIRouter(tags=["desk"])


@router.get("/staff/queue", response_model=list[QueueItemOut],
            summary="What needs a decision in my office, most urgent first (staff)")
async def work_queue(db: DbSession, actor: StaffUser, kind: list[str] = Query(default_factory=list, max_length=20),
                     role: Role | None = None) -> list[QueueItemOut]:
    items = await queue.collect(db, actor, kinds=kind or None, role=role)
    return [QueueItemOut.of(i, link_of(i)) for i in items]


@router.get("/staff/queue/count", response_model=QueueCount, summary="How many items wait, per kind (staff)")
async def queue_count(db: DbSession, actor: StaffUser) -> QueueCount:
    by_kind = await queue.counts(db, actor)
    return QueueCount(total=sum(by_kind.values()), by_kind=by_kind)
