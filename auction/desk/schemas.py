"""What the desk's JSON answers carry."""

from __future__ import annotations

from auction.desk.queue import Item
from auction.schemas import Out, UTCTime


class QueueItemOut(Out):
    kind: str
    rule: str
    role: str
    office_id: int
    object_type: str
    object_id: int
    sale_id: int | None
    title: str
    due: UTCTime | None
    overdue: bool
    href: str

    @classmethod
    def of(cls, item: Item, href: str) -> QueueItemOut:
        return cls(kind=item.kind, rule=item.rule, role=item.role.value, office_id=item.office_id,
                   object_type=item.object_type, object_id=item.object_id, sale_id=item.sale_id, title=item.title,
                   due=item.due, overdue=item.overdue, href=href)


class QueueCount(Out):
    total: int
    by_kind: dict[str, int]
