from __future__ import annotations

import asyncio
import uuid
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.audit import service as audit
from auction.calendar import local_date, period_end
from auction.cases import service as cases
from auction.cases.errors import DuplicatePledge, PledgeAndHaciz
from auction.cases.models import Haciz, Pledge
from auction.cases.schemas import PledgeCreate
from auction.dbutil import get_one, insert_ignore
from auction.lots.errors import (
    AppraisalStateError,
    FileInvalid,
    FileNotFound,
    FileTooLarge,
    LotInvalid,
    LotNotFound,
    ObjectionWindowOpen,
)
from auction.lots.models import Lot, LotFile, LotFileKind, LotStatus
from auction.lots.schemas import AppraisalChallenge, AppraisalFinal, AppraisalService, LotCreate
from auction.rules.policy import Policy
from auction.rules.table import rulebook
from auction.storage import Storage
from auction.storage.images import ImageRejected, reencode_image
from auction.users.principal import Principal, can_see_identities
from auction.users.scope import get_of_office


async def create_lot(session: AsyncSession, actor: Principal, case_id: int, data: LotCreate) -> Lot:
    case = await cases.get_case_for(session, actor, case_id)
    now = clock.now()
    fields = data.model_dump(exclude={"appraisal_final"})
    lot = Lot(case_id=case.id, office_id=case.office_id, status=LotStatus.seized.value, created_at=now,
              updated_at=now, **fields)
    if data.appraisal_final:
        # staff enter a lot whose appraisal is already kesin (all windows ran out, or the court
        # decided) - the basis is recorded so the file shows who attested it.
        lot.status = LotStatus.appraised.value
        lot.appraisal_final_at = now
        lot.appraisal_final_basis = "entered_final"
    session.add(lot)
    await session.flush()
    audit.record(session, "lot.created", "lot", lot.id, actor=actor, office_id=case.office_id,
                 data={"case_id": case.id, "title": lot.title, "appraised_value": str(lot.appraised_value),
                       "appraisal_final": data.appraisal_final})
    return lot


async def get_lot(session: AsyncSession, lot_id: int) -> Lot:
    return await get_one(session, Lot, lot_id, LotNotFound, "lot_id")


async def get_lot_for(session: AsyncSession, actor: Principal, lot_id: int) -> Lot:
    """A lot the actor may act on (office scope, A-34)."""
    return await get_of_office(session, actor, Lot, lot_id, LotNotFound, "lot_id")


async def list_lots_of_case(session: AsyncSession, case_id: int) -> list[Lot]:
    return list((await session.scalars(select(Lot).where(Lot.case_id == case_id).order_by(Lot.id))).all())


# --- Kıymet takdiri (A-04, TM-01) ------------------------------------------------------------------


async def record_appraisal_service(session: AsyncSession, actor: Principal, lot_id: int, data: AppraisalService,
                                   policy: Policy | None = None) -> Lot:
    """The report was served (on the last party on `served_on`): the 7-day şikayet window starts."""
    lot = await get_lot_for(session, actor, lot_id)
    if lot.status not in (LotStatus.seized, LotStatus.appraisal_served):
        raise AppraisalStateError(details={"status": lot.status})
    if data.served_on > local_date(clock.now()):
        raise LotInvalid("Tebliğ tarihi ileride olamaz.", code="served_on_in_future")
    # rule: A-04 - 7 days from each party's own service; the last service fixes the latest end. G-05:
    # the service day is not counted, the period ends at the close of office hours, holidays roll over.
    days = rulebook().row("appraisal.objection_days", data.served_on).integer()
    lot.appraisal_served_on = data.served_on
    lot.appraisal_objection_until = period_end(data.served_on, days=days, policy=policy)
    if data.appraised_value is not None:
        lot.appraised_value = data.appraised_value
    if data.appraisal_date is not None:
        lot.appraisal_date = data.appraisal_date
    lot.status = LotStatus.appraisal_served.value
    lot.updated_at = clock.now()
    audit.record(session, "lot.appraisal_served", "lot", lot.id, actor=actor, office_id=lot.office_id,
                 data={"served_on": data.served_on.isoformat(), "appraised_value": str(lot.appraised_value),
                       "objection_until": lot.appraisal_objection_until.isoformat()})
    return lot


async def challenge_appraisal(session: AsyncSession, actor: Principal, lot_id: int, data: AppraisalChallenge) -> Lot:
    """A şikayet reached the office (A-04): the appraisal waits for the court."""
    lot = await get_lot_for(session, actor, lot_id)
    if lot.status != LotStatus.appraisal_served:
        raise AppraisalStateError(details={"status": lot.status})
    lot.status = LotStatus.appraisal_challenged.value
    lot.appraisal_challenged_at = clock.now()
    lot.updated_at = clock.now()
    audit.record(session, "lot.appraisal_challenged", "lot", lot.id, actor=actor, office_id=lot.office_id,
                 data={"note": data.note})
    return lot


async def finalise_appraisal(session: AsyncSession, actor: Principal, lot_id: int, data: AppraisalFinal) -> Lot:
    """The appraisal becomes kesin (A-04): the window ran out with no şikayet, the court decided (its
    decision is final and may fix a new M), or staff confirm it from the file (no service in the system)."""
    lot = await get_lot_for(session, actor, lot_id)
    status = LotStatus(lot.status)
    if data.basis == "court_decision":
        if status != LotStatus.appraisal_challenged:
            raise AppraisalStateError(details={"status": lot.status, "basis": data.basis})
        if data.appraised_value is not None:
            lot.appraised_value = data.appraised_value
    elif data.basis == "window_expired":
        if status != LotStatus.appraisal_served:
            raise AppraisalStateError(details={"status": lot.status, "basis": data.basis})
        _require_window_over(lot)
    else:  # staff_confirmed
        if status == LotStatus.appraisal_served:
            _require_window_over(lot)
        elif status != LotStatus.seized:
            raise AppraisalStateError(details={"status": lot.status, "basis": data.basis})
    _make_final(lot, data.basis)
    audit.record(session, "lot.appraisal_final", "lot", lot.id, actor=actor, office_id=lot.office_id,
                 data={"basis": data.basis, "appraised_value": str(lot.appraised_value), "note": data.note})
    return lot


def _require_window_over(lot: Lot) -> None:
    until = lot.appraisal_objection_until
    if until is not None and clock.now() <= until:
        raise ObjectionWindowOpen(details={"objection_until": until.isoformat()})


def _make_final(lot: Lot, basis: str) -> None:
    now = clock.now()
    lot.status = LotStatus.appraised.value
    lot.appraisal_final_at = now
    lot.appraisal_final_basis = basis
    lot.updated_at = now


async def expire_objection_windows(session: AsyncSession) -> int:
    """TM-01: every appraisal whose şikayet window ran out with no complaint becomes kesin (conditional
    UPDATE, so two workers cannot both do it; one audit row per lot)."""
    now = clock.now()
    result = await session.execute(
        update(Lot)
        .where(Lot.status == LotStatus.appraisal_served.value, Lot.appraisal_objection_until.is_not(None),
               Lot.appraisal_objection_until < now)
        .values(status=LotStatus.appraised.value, appraisal_final_at=now, appraisal_final_basis="window_expired",
                updated_at=now)
        .returning(Lot.id, Lot.office_id)
        .execution_options(synchronize_session=False)
    )
    rows = result.all()
    for lot_id, office_id in rows:
        audit.record(session, "lot.appraisal_final", "lot", lot_id, office_id=office_id,
                     data={"basis": "window_expired", "timer": "TM-01"})
    return len(rows)


async def refresh_appraisal(session: AsyncSession, lot: Lot) -> Lot:
    """Apply TM-01 to one lot now, without waiting for the worker."""
    until = lot.appraisal_objection_until
    if lot.status == LotStatus.appraisal_served and until is not None and clock.now() > until:
        _make_final(lot, "window_expired")
        audit.record(session, "lot.appraisal_final", "lot", lot.id, office_id=lot.office_id,
                     data={"basis": "window_expired", "timer": "TM-01"})
    return lot


def appraisal_age_exceeded(lot: Lot, on: date, years: int) -> bool:
    """A-05: warn at the sale decision when the appraisal is older than 2 years."""
    if lot.appraisal_date is None:
        return False
    try:
        limit = lot.appraisal_date.replace(year=lot.appraisal_date.year + years)
    except ValueError:  # 29 February
        limit = lot.appraisal_date.replace(year=lot.appraisal_date.year + years, day=28)
    return on > limit


# --- Pledges (A-31 R) --------------------------------------------------------------------------------


async def add_pledge(session: AsyncSession, actor: Principal, lot_id: int, data: PledgeCreate) -> Pledge:
    lot = await get_lot_for(session, actor, lot_id)
    creditor = await cases.get_creditor(session, lot.case_id, data.creditor_id)
    if await session.scalar(select(Haciz.id).where(Haciz.lot_id == lot.id, Haciz.creditor_id == creditor.id)):
        # One creditor, one line of the cetvel: a pledgee ranks by its pledge (auction.lots.claims).
        raise PledgeAndHaciz(details={"lot_id": lot.id, "creditor_id": creditor.id})
    now = clock.now()
    pledge_id = await insert_ignore(session, Pledge, {
        "lot_id": lot.id, "creditor_id": creditor.id, "degree": data.degree, "limit_amount": data.limit_amount,
        "claim_amount": data.claim_amount, "created_at": now, "updated_at": now}, ["lot_id", "creditor_id"])
    if pledge_id is None:
        raise DuplicatePledge(details={"lot_id": lot.id, "creditor_id": creditor.id})
    audit.record(session, "pledge.added", "lot", lot.id, actor=actor, office_id=lot.office_id,
                 data={"pledge_id": pledge_id, "creditor_id": creditor.id, "degree": data.degree,
                       "limit_amount": str(data.limit_amount), "claim_amount": str(data.claim_amount)})
    pledge = await session.get(Pledge, pledge_id)
    assert pledge is not None
    return pledge


async def list_pledges(session: AsyncSession, lot_id: int) -> list[Pledge]:
    stmt = select(Pledge).where(Pledge.lot_id == lot_id).order_by(Pledge.degree, Pledge.id)
    return list((await session.scalars(stmt)).all())


# --- Photos and documents --------------------------------------------------------------------------

_IMAGE_TYPES = {"image/jpeg": ("JPEG", "jpg"), "image/png": ("PNG", "png"), "image/webp": ("WEBP", "webp")}
_DOCUMENT_TYPES = {"application/pdf": "pdf"}


_IMAGE_MESSAGES = {
    "file_type_mismatch": "Dosya türü bildirilen türle uyuşmuyor.",
    "image_too_large": "Görüntü çok büyük (en çok 40 megapiksel).",
    "image_unreadable": "Görüntü okunamadı.",
    "unsupported_media_type": "Fotoğraf JPEG, PNG ya da WebP olmalıdır.",
}


def _clean_image(data: bytes, content_type: str) -> bytes:
    """Decode and re-encode the photo (auction.storage.images): proves it is an image of the declared
    type and drops every metadata block (EXIF GPS position, camera owner, …), so a public photo carries no
    personal data."""
    try:
        return reencode_image(data, content_type)
    except ImageRejected as exc:
        raise FileInvalid(_IMAGE_MESSAGES.get(exc.code, "Görüntü okunamadı."), code=exc.code,
                          details=exc.details) from None


async def add_file(session: AsyncSession, storage: Storage, actor: Principal, lot_id: int, *, kind: LotFileKind,
                   title: str, data: bytes, content_type: str, public: bool | None, redacted: bool = False) -> LotFile:
    lot = await get_lot_for(session, actor, lot_id)
    now = clock.now()
    content_type = content_type.split(";")[0].strip().lower()
    if kind == LotFileKind.photo:
        if content_type not in _IMAGE_TYPES:
            raise FileInvalid("Fotoğraf JPEG, PNG ya da WebP olmalıdır.", code="unsupported_media_type",
                              details={"content_type": content_type, "allowed": sorted(_IMAGE_TYPES)})
        limit = rulebook().row("storage.photo.max_bytes", local_date(now)).integer()
        if len(data) > limit:
            raise FileTooLarge(details={"size": len(data), "max_bytes": limit})
        data = await asyncio.to_thread(_clean_image, data, content_type)
        ext = _IMAGE_TYPES[content_type][1]
        is_public = True  # photos are the public face of the lot (A-23 item 1: images)
    else:
        if content_type not in _DOCUMENT_TYPES:
            raise FileInvalid("Belgeler PDF olarak yüklenmelidir.", code="unsupported_media_type",
                              details={"content_type": content_type, "allowed": sorted(_DOCUMENT_TYPES)})
        limit = rulebook().row("storage.document.max_bytes", local_date(now)).integer()
        if len(data) > limit:
            raise FileTooLarge(details={"size": len(data), "max_bytes": limit})
        if not data.startswith(b"%PDF-"):
            raise FileInvalid("Dosya bir PDF değil.", code="file_type_mismatch")
        ext = _DOCUMENT_TYPES[content_type]
        # The şartname is published with the ilan; a kıymet raporu may name the borçlu, so it is
        # public only when staff say so.
        is_public = public if public is not None else kind == LotFileKind.sartname
        if is_public and kind == LotFileKind.kiymet_raporu and not redacted:
            # The report names the borçlu, the bilirkişi and often neighbours (KVKK): the portal publishes
            # only a copy whose personal data staff have blacked out, and says who attested it (audit).
            raise FileInvalid("Kıymet takdir raporu portalda ancak kişisel verileri (borçlu, bilirkişi, üçüncü "
                              "kişiler, kimlik ve adres bilgileri) karartılmış bir kopya olarak yayımlanabilir; "
                              "karartıldığını onaylayın (redacted=true) ya da raporu yayımlamadan yükleyin.",
                              code="redaction_required", details={"field": "redacted"})
    if not data:
        raise FileInvalid("Dosya boş.", code="file_empty")
    key = f"lots/{lot.id}/{kind.value}/{uuid.uuid4().hex}.{ext}"
    stored = await storage.put(key, data, content_type)
    row = LotFile(lot_id=lot.id, kind=kind.value, storage_key=key, content_type=content_type, size=stored.size,
                  sha256=stored.sha256, title=title, public=is_public, uploaded_by=actor.user_id, created_at=now)
    session.add(row)
    await session.flush()
    audit.record(session, "lot.file_added", "lot", lot.id, actor=actor, office_id=lot.office_id,
                 data={"file_id": row.id, "kind": kind.value, "sha256": stored.sha256, "size": stored.size,
                       "public": is_public, **({"redacted": True} if redacted else {})})
    return row


async def list_files(session: AsyncSession, lot_id: int, viewer: Principal | None) -> list[LotFile]:
    lot = await get_lot(session, lot_id)
    stmt = select(LotFile).where(LotFile.lot_id == lot.id).order_by(LotFile.id)
    if not can_see_identities(viewer, lot.office_id):
        stmt = stmt.where(LotFile.public.is_(True))
    return list((await session.scalars(stmt)).all())


async def read_file(session: AsyncSession, storage: Storage, lot_id: int, file_id: int,
                    viewer: Principal | None) -> tuple[LotFile, bytes]:
    row = await session.get(LotFile, file_id)
    if row is None or row.lot_id != lot_id:
        raise FileNotFound(details={"file_id": file_id})
    lot = await get_lot(session, lot_id)
    if not row.public and not can_see_identities(viewer, lot.office_id):
        # Not public: only the office's staff; say "not found" rather than confirm it exists.
        raise FileNotFound(details={"file_id": file_id})
    return row, await storage.get(row.storage_key)
