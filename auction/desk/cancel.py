"""The müdür cancels a sale and the cancellation tutanak is written with it (S-02, S-06, A-36).

`auction.sales.cancellation.cancel_sale` stops the sale, its rounds and schedules every teminat refund;
the law also wants the cancellation recorded by tutanak (A-36: "the müdür records the cancellation by
tutanak"). The document store lives after the award (`auction.aftersale.documents`, a layer above the
sale's lifecycle), so the two are joined here, in one transaction: a cancellation without its tutanak
cannot commit, and the API and the desk's form call this one function."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.aftersale import documents
from auction.aftersale.models import SaleDocument
from auction.audit import service as audit
from auction.deposits import refunds
from auction.money import fmt_tr
from auction.runtime import Runtime
from auction.sales import cancellation, reads
from auction.sales.errors import ManagerRequired
from auction.sales.models import Sale, SaleStatus
from auction.sales.schemas import CancelSale
from auction.users.models import Role
from auction.users.principal import Principal, requires_role

KIND = "durdurma_tutanagi"
REASONS = {"debt_paid": "borcun tamamının ödenmesi", "request_withdrawn": "satış talebinin geri alınması"}


@requires_role(Role.manager, Role.admin, error=ManagerRequired)
async def cancel_with_tutanak(session: AsyncSession, runtime: Runtime, actor: Principal, sale_id: int,
                              body: CancelSale) -> tuple[Sale, SaleDocument]:
    """Cancel the sale (S-02 before round 1, S-06 during the bidding) and issue its tutanak: the reason, the
    state the sale was in, the müdür, and every teminat refund the cancellation ordered."""
    before = await reads.get_sale_for(session, actor, sale_id)
    started = before.status not in (SaleStatus.announced.value, SaleStatus.awaiting_round2.value)
    status_before = before.status
    sale = await cancellation.cancel_sale(session, runtime, actor, sale_id, body)
    now = clock.now()
    jobs = [r for r in await refunds.refunds_of(session, sale.id) if r.reason == "cancelled"]
    data = await documents.base_data(session, sale, KIND, now)
    rule = "S-06" if started else "S-02"
    data.update({
        "reason": body.reason, "reason_text": REASONS[body.reason], "note": body.note or "", "rule": rule,
        "status_before": status_before, "during_bidding": started, "mudur": actor.full_name,
        "refunds": [{"deposit_id": r.deposit_id, "amount": fmt_tr(r.amount)} for r in jobs],
        "refund_total": fmt_tr(sum((r.amount for r in jobs), Decimal("0"))),
    })
    data["signer_right"] = f"İcra müdürü {actor.full_name}"
    data["trail"]["rules"] = [rule, "A-36"]
    doc = await documents.issue(session, sale, KIND, f"sale:{sale.id}", data, user_id=None, now=now)
    audit.record(session, "sale.cancellation_tutanak", "sale", sale.id, actor=actor, office_id=sale.office_id,
                 data={"document_id": doc.id, "rule": rule, "sha256": doc.sha256})
    return sale, doc
