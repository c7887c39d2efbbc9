"""The public view of a lot with its sale and current round (`GET /api/v1/lots/{id}`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.clock import iso_ms
from auction.lots import service as lots
from auction.lots.models import Lot, LotFile
from auction.lots.schemas import LotOut
from auction.money import fmt
from auction.sales import live, reads, threshold
from auction.sales.models import Round, RoundStatus, Sale
from auction.users.principal import Principal


def round_view(r: Round, sale: Sale, show_threshold: bool) -> dict[str, Any]:
    return {
        "id": r.id, "number": r.number, "status": r.status, "starts_at": iso_ms(r.starts_at),
        "scheduled_end": iso_ms(r.scheduled_end), "ends_at": iso_ms(r.ends_at),
        "opening_price": fmt(r.opening_price), "min_increment": fmt(r.min_increment),
        "current_price": fmt(r.current_price) if r.current_price is not None else None,
        "min_next_bid": fmt(reads.min_next_bid(r)), "bid_count": r.bid_count, "extensions": r.extensions,
        "cash_deadline": iso_ms(r.cash_deadline), "mektup_deadline": iso_ms(r.mektup_deadline),
        # UNCERTAIN(OP-09): the threshold is shown once R and C are locked at the round's start.
        "threshold": fmt(r.threshold) if show_threshold and r.threshold is not None else None,
        "result": r.result,
        # an outage extension round names the artırma it extends.
        "extension_of": r.extension_of,
    }


@dataclass(frozen=True)
class SaleOfLot:
    """A lot's latest sale as every view shows it: its rounds, the round on show now, and whether bidders
    see the threshold (UNCERTAIN(OP-09): once R and C are locked at the round's start)."""

    sale: Sale
    rounds: list[Round]
    current: Round | None
    show_threshold: bool


async def sale_of_lot(session: AsyncSession, lot_id: int) -> SaleOfLot | None:
    """The API's lot view, the WebSocket snapshot and the lot page read a lot's sale through here."""
    sale = await reads.latest_sale_of_lot(session, lot_id)
    if sale is None:
        return None
    rounds = await reads.rounds_of(session, sale.id)
    return SaleOfLot(sale, rounds, reads.current_round(rounds, sale.status),
                     bool(reads.snapshot_of(sale).pol("auction.show_threshold")))


async def lot_view(session: AsyncSession, lot_id: int, viewer: Principal | None) -> dict[str, Any]:
    lot: Lot = await lots.get_lot(session, lot_id)
    out: dict[str, Any] = LotOut.model_validate(lot).model_dump(mode="json")
    photos = (await session.scalars(select(LotFile.id).where(LotFile.lot_id == lot.id, LotFile.kind == "photo",
                                                             LotFile.public.is_(True)).order_by(LotFile.id))).all()
    out["photos"] = [f"/api/v1/lots/{lot.id}/files/{pid}" for pid in photos]
    seq = await live.last_seq(session, lot.id)
    out["seq"] = seq
    out["server_time"] = iso_ms(clock.now())
    of_lot = await sale_of_lot(session, lot.id)
    out["sale"] = None
    out["round"] = None
    for key in ("round_status", "current_price", "min_next_bid", "ends_at", "bid_count"):
        out[key] = None
    if of_lot is None:
        return out
    sale, rounds, current, show = of_lot.sale, of_lot.rounds, of_lot.current, of_lot.show_threshold
    out["sale"] = {
        "id": sale.id, "status": sale.status, "ruleset": sale.ruleset, "ilan_date": sale.ilan_date.isoformat(),
        "appraised_value": fmt(sale.appraised_value), "opening_price": fmt(sale.opening_price),
        "min_increment": fmt(sale.min_increment), "teminat_amount": fmt(sale.teminat_amount),
        "kdv_rate": str(sale.kdv_rate) if sale.kdv_rate is not None else None,
        "rounds": [round_view(r, sale, show) for r in rounds],
        "sartname_url": f"/api/v1/lots/{lot.id}/sartname", "sartname_hash": sale.sartname_hash,
        "price": fmt(sale.price) if sale.price is not None else None,
        "ihale_date": sale.ihale_date.isoformat() if sale.ihale_date else None,
    }
    if current is not None:
        view = round_view(current, sale, show)
        view["seq"] = seq
        out["round"] = view
        out["round_status"] = current.status
        out["current_price"] = view["current_price"]
        out["min_next_bid"] = view["min_next_bid"] if current.status in (RoundStatus.open,
                                                                          RoundStatus.scheduled) else None
        out["ends_at"] = view["ends_at"]
        out["bid_count"] = current.bid_count
    return out


async def sale_detail(session: AsyncSession, sale: Sale) -> dict[str, Any]:
    """Everything staff see about a sale (SaleOut)."""
    rounds = await reads.rounds_of(session, sale.id)
    return {
        "id": sale.id, "lot_id": sale.lot_id, "case_id": sale.case_id, "office_id": sale.office_id,
        "status": sale.status, "ruleset": sale.ruleset, "ilan_date": sale.ilan_date,
        "appraised_value": sale.appraised_value, "opening_price": sale.opening_price,
        "min_increment": sale.min_increment, "teminat_amount": sale.teminat_amount, "kdv_rate": sale.kdv_rate,
        "r_amount": sale.r_amount, "c_amount": sale.c_amount, "r_proposed": sale.r_proposed,
        "metal_value": sale.metal_value, "threshold": threshold.sale_threshold(sale), "rounds": rounds,
        "rules": sale.rules, "policy": sale.policy, "warnings": sale.warnings, "sartname_hash": sale.sartname_hash,
        "winner_user_id": sale.winner_user_id, "price": sale.price, "ihale_date": sale.ihale_date,
        "payment_due_at": sale.payment_due_at, "fesih_until": sale.fesih_until, "end_reason": sale.end_reason,
        "created_at": sale.created_at,
        # After the award (S-12 … S-22, docs/aftersale.md).
        "payment_status": sale.payment_status, "fesih_status": sale.fesih_status, "paid_at": sale.paid_at,
        "finality_alert_at": sale.finality_alert_at, "finalised_at": sale.finalised_at, "tax_due_at": sale.tax_due_at,
        "taxes_paid_at": sale.taxes_paid_at, "handed_over_at": sale.handed_over_at, "closed_at": sale.closed_at,
        "bank_17_4_r": sale.bank_17_4_r,
    }
