"""A bidder sends the scan of a kesin ve süresiz teminat mektubu (A-51) before the A-52 deadline; the office
checks the original and records it through the engine (`deposits.record_mektup`), which confirms the
teminat exactly as if staff had typed it in. Until then the bidder sees "waiting for the office"."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.audit import service as audit
from auction.clock import iso_ms
from auction.dbutil import get_one
from auction.deposits import service as deposits
from auction.deposits.errors import TeminatDeadlinePassed
from auction.deposits.schemas import MektupCreate
from auction.mektup.errors import (
    MektupAmountTooLow,
    ScanInvalid,
    SubmissionDecided,
    SubmissionExists,
    SubmissionNotFound,
)
from auction.mektup.models import MektupSubmission, SubmissionStatus
from auction.money import fmt
from auction.sales import reads as sales
from auction.sales.models import Sale
from auction.storage.base import Storage, digest
from auction.storage.images import ImageRejected, reencode_image
from auction.users.errors import OfficeScope
from auction.users.models import User
from auction.users.principal import Principal, ensure_office
from auction.users.scope import in_office

MAX_SCAN_BYTES = 10 * 1024 * 1024
SCAN_TYPES = {"application/pdf": ("pdf", b"%PDF-"), "image/jpeg": ("jpg", b"\xff\xd8\xff"),
              "image/png": ("png", b"\x89PNG\r\n\x1a\n")}


def _check_scan(data: bytes, content_type: str) -> tuple[str, bytes]:
    """The scan's type and the bytes to store: a PDF as sent (checked by its magic bytes), an image
    re-encoded without metadata (auction.storage.images: the bidder's camera GPS position never reaches
    the office, and an image that is not what it claims is refused)."""
    ctype = content_type.split(";")[0].strip().lower()
    spec = SCAN_TYPES.get(ctype)
    if not data or len(data) > MAX_SCAN_BYTES or spec is None or not data.startswith(spec[1]):
        raise ScanInvalid(details={"content_type": ctype, "size": len(data), "max_bytes": MAX_SCAN_BYTES})
    if ctype.startswith("image/"):
        try:
            data = reencode_image(data, ctype)
        except ImageRejected as exc:
            raise ScanInvalid(details={"content_type": ctype, "reason": exc.code, **exc.details}) from None
    return ctype, data


async def submit(session: AsyncSession, storage: Storage, actor: Principal, lot_id: int, *, bank: str,
                 mektup_no: str, amount: Decimal | None, data: bytes, content_type: str) -> MektupSubmission:
    sale = await sales.require_sale_of_lot(session, lot_id)
    target = await deposits.target_round(session, sale)  # refuses when the sale takes no teminat now
    now = clock.now()
    # rule: A-52 (TM-12) - the mektup must be lodged by close of office hours on the last working day
    # before E; a scan sent later could not be recorded in time anyway.
    if now > target.mektup_deadline:
        raise TeminatDeadlinePassed(details={"deadline": iso_ms(target.mektup_deadline), "round": target.number})
    if await deposits.current_deposit(session, sale.id, actor.user_id) is not None:
        raise SubmissionExists()
    pending = await session.scalar(select(MektupSubmission.id).where(
        MektupSubmission.sale_id == sale.id, MektupSubmission.user_id == actor.user_id,
        MektupSubmission.status == SubmissionStatus.submitted.value))
    if pending is not None:
        raise SubmissionExists()
    due = await deposits.teminat_due(session, sale, actor.user_id)
    value = amount if amount is not None else due
    if value < due:
        raise MektupAmountTooLow(details={"teminat_due": fmt(due)})
    ctype, data = await asyncio.to_thread(_check_scan, data, content_type)
    key = f"mektup/{sale.id}/{uuid.uuid4().hex}.{SCAN_TYPES[ctype][0]}"
    stored = await storage.put(key, data, ctype)
    row = MektupSubmission(sale_id=sale.id, lot_id=sale.lot_id, user_id=actor.user_id, bank=bank.strip()[:120],
                           mektup_no=mektup_no.strip()[:64], amount=value, storage_key=key, content_type=ctype,
                           size=stored.size, sha256=digest(data), status=SubmissionStatus.submitted.value,
                           created_at=now, updated_at=now)
    session.add(row)
    await session.flush()
    audit.record(session, "mektup.submitted", "sale", sale.id, actor=actor, office_id=sale.office_id,
                 data={"submission_id": row.id, "bank": row.bank, "mektup_no": row.mektup_no, "amount": fmt(value),
                       "sha256": row.sha256})
    return row


async def mine(session: AsyncSession, user_id: int, sale_id: int | None = None) -> list[MektupSubmission]:
    stmt = select(MektupSubmission).where(MektupSubmission.user_id == user_id).order_by(MektupSubmission.id.desc())
    if sale_id is not None:
        stmt = stmt.where(MektupSubmission.sale_id == sale_id)
    return list((await session.scalars(stmt)).all())


async def office_submissions(session: AsyncSession, actor: Principal, limit: int = 200) -> tuple[
        list[MektupSubmission], dict[int, User]]:
    """The satış bürosu's list: the scans sent for its office's sales (waiting ones first), with their
    bidders."""
    stmt = (select(MektupSubmission).join(Sale, Sale.id == MektupSubmission.sale_id)
            .order_by(MektupSubmission.status.desc(), MektupSubmission.id.desc()).limit(limit))
    rows = list((await session.scalars(in_office(stmt, actor, Sale.office_id))).all())
    users = {u.id: u for u in (await session.scalars(select(User).where(User.id.in_({m.user_id for m in rows}))))}
    return rows, users


async def for_sale(session: AsyncSession, actor: Principal, sale_id: int) -> list[MektupSubmission]:
    sale = await sales.get_sale_for(session, actor, sale_id)
    stmt = select(MektupSubmission).where(MektupSubmission.sale_id == sale.id).order_by(MektupSubmission.id)
    return list((await session.scalars(stmt)).all())


async def get_for(session: AsyncSession, actor: Principal, submission_id: int) -> MektupSubmission:
    """The submission for its bidder, or for the staff of the selling office."""
    row = await get_one(session, MektupSubmission, submission_id, SubmissionNotFound, "id")
    if row.user_id != actor.user_id:
        sale = await sales.get_sale(session, row.sale_id)
        try:
            ensure_office(actor, sale.office_id)
        except OfficeScope:
            raise SubmissionNotFound(details={"id": submission_id}) from None
    return row


async def record(session: AsyncSession, actor: Principal, submission_id: int) -> MektupSubmission:
    """Staff checked the original: record it through the engine (which confirms the teminat)."""
    row = await get_for(session, actor, submission_id)
    sale = await sales.get_sale_for(session, actor, row.sale_id)
    if row.status != SubmissionStatus.submitted:
        raise SubmissionDecided()
    deposit = await deposits.record_mektup(session, actor, sale.id, MektupCreate(
        user_id=row.user_id, bank=row.bank, mektup_no=row.mektup_no, amount=row.amount))
    row.status = SubmissionStatus.recorded.value
    row.deposit_id = deposit.id
    row.decided_by = actor.user_id
    row.decided_at = clock.now()
    row.updated_at = row.decided_at
    await session.flush()
    return row


async def reject(session: AsyncSession, actor: Principal, submission_id: int, note: str) -> MektupSubmission:
    row = await get_for(session, actor, submission_id)
    sale = await sales.get_sale_for(session, actor, row.sale_id)
    if row.status != SubmissionStatus.submitted:
        raise SubmissionDecided()
    row.status = SubmissionStatus.rejected.value
    row.note = note.strip()[:500]
    row.decided_by = actor.user_id
    row.decided_at = clock.now()
    row.updated_at = row.decided_at
    audit.record(session, "mektup.rejected", "sale", sale.id, actor=actor, office_id=sale.office_id,
                 data={"submission_id": row.id, "note": row.note})
    await session.flush()
    return row
