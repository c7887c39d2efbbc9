"""Staff records on a lot: appraisal service and finality (A-04), pledges (A-31), hacizler and asset taxes
(the sıra cetveli's input), photos and documents."""

from __future__ import annotations

from fastapi import APIRouter, File, Form, UploadFile
from starlette.responses import Response

from auction.cases.schemas import AssetTaxCreate, AssetTaxOut, HacizCreate, HacizOut, PledgeCreate, PledgeOut
from auction.lots import claims
from auction.lots import service as lots
from auction.lots.errors import FileTooLarge
from auction.lots.models import LotFileKind
from auction.lots.schemas import AppraisalChallenge, AppraisalFinal, AppraisalService, LotFileOut, LotOut
from auction.storage import storage_for
from web.deps import DbSession, MaybeUser, RuntimeDep, StaffUser
from web.params import Id
from web.uploads import upload_response

router = APIRouter(tags=["lots"])

# Upload bodies are read up to this many bytes; the per-kind limits (rule rows) are checked by the service.
_READ_LIMIT = 32 * 1024 * 1024


@router.post("/lots/{lot_id}/appraisal/service", response_model=LotOut,
             summary="The kıymet takdiri was served: the 7-day şikayet window starts (A-04, TM-01)")
async def appraisal_service(lot_id: Id, body: AppraisalService, db: DbSession, actor: StaffUser,
                            runtime: RuntimeDep) -> LotOut:
    return LotOut.model_validate(await lots.record_appraisal_service(db, actor, lot_id, body, runtime.policy))


@router.post("/lots/{lot_id}/appraisal/challenge", response_model=LotOut, summary="A şikayet was filed (A-04)")
async def appraisal_challenge(lot_id: Id, body: AppraisalChallenge, db: DbSession, actor: StaffUser) -> LotOut:
    return LotOut.model_validate(await lots.challenge_appraisal(db, actor, lot_id, body))


@router.post("/lots/{lot_id}/appraisal/final", response_model=LotOut,
             summary="The appraisal is kesin: window expired, court decided, or staff confirm (A-04)")
async def appraisal_final(lot_id: Id, body: AppraisalFinal, db: DbSession, actor: StaffUser) -> LotOut:
    return LotOut.model_validate(await lots.finalise_appraisal(db, actor, lot_id, body))


@router.post("/lots/{lot_id}/pledges", status_code=201, response_model=PledgeOut,
             summary="A rehin/ipotek on the lot (A-31 R proposal)")
async def add_pledge(lot_id: Id, body: PledgeCreate, db: DbSession, actor: StaffUser) -> PledgeOut:
    return PledgeOut.model_validate(await lots.add_pledge(db, actor, lot_id, body))


@router.get("/lots/{lot_id}/pledges", response_model=list[PledgeOut], summary="Pledges on the lot (staff)")
async def list_pledges(lot_id: Id, db: DbSession, actor: StaffUser) -> list[PledgeOut]:
    lot = await lots.get_lot_for(db, actor, lot_id)
    return [PledgeOut.model_validate(p) for p in await lots.list_pledges(db, lot.id)]


@router.post("/lots/{lot_id}/hacizler", status_code=201, response_model=HacizOut,
             summary="A creditor's haciz on the lot with its claim (the sıra cetveli's haciz dereceler)")
async def add_haciz(lot_id: Id, body: HacizCreate, db: DbSession, actor: StaffUser) -> HacizOut:
    return HacizOut.model_validate((await claims.add_haciz(db, actor, lot_id, body)).view())


@router.get("/lots/{lot_id}/hacizler", response_model=list[HacizOut], summary="Hacizler on the lot (staff)")
async def list_hacizler(lot_id: Id, db: DbSession, actor: StaffUser) -> list[HacizOut]:
    lot = await lots.get_lot_for(db, actor, lot_id)
    return [HacizOut.model_validate(h.view()) for h in await claims.list_hacizler(db, lot.id)]


@router.post("/lots/{lot_id}/asset-taxes", status_code=201, response_model=AssetTaxOut,
             summary="A tax on the asset itself: emlak vergisi, MTV (paid after the pledges)")
async def add_asset_tax(lot_id: Id, body: AssetTaxCreate, db: DbSession, actor: StaffUser) -> AssetTaxOut:
    return AssetTaxOut.model_validate(await claims.add_asset_tax(db, actor, lot_id, body))


@router.get("/lots/{lot_id}/asset-taxes", response_model=list[AssetTaxOut], summary="Taxes on the asset (staff)")
async def list_asset_taxes(lot_id: Id, db: DbSession, actor: StaffUser) -> list[AssetTaxOut]:
    lot = await lots.get_lot_for(db, actor, lot_id)
    return [AssetTaxOut.model_validate(t) for t in await claims.list_asset_taxes(db, lot.id)]


@router.post("/lots/{lot_id}/files", status_code=201, response_model=LotFileOut,
             summary="Upload a photo (JPEG/PNG/WebP, metadata stripped) or a document (PDF) (staff)")
async def upload_file(lot_id: Id, db: DbSession, actor: StaffUser, runtime: RuntimeDep,
                      file: UploadFile = File(...), kind: LotFileKind = Form(...),
                      title: str = Form("", max_length=200), public: bool | None = Form(None),
                      redacted: bool = Form(False)) -> LotFileOut:
    data = await file.read(_READ_LIMIT + 1)
    if len(data) > _READ_LIMIT:
        raise FileTooLarge(details={"max_bytes": _READ_LIMIT})
    row = await lots.add_file(db, storage_for(runtime.settings), actor, lot_id, kind=kind,
                              title=title or (file.filename or kind.value)[:200], data=data,
                              content_type=file.content_type or "application/octet-stream", public=public,
                              redacted=redacted)
    return LotFileOut.model_validate(row)


@router.get("/lots/{lot_id}/files", response_model=list[LotFileOut],
            summary="Photos and documents (public ones; staff of the office see all)")
async def list_files(lot_id: Id, db: DbSession, viewer: MaybeUser) -> list[LotFileOut]:
    return [LotFileOut.model_validate(f) for f in await lots.list_files(db, lot_id, viewer)]


@router.get("/lots/{lot_id}/files/{file_id}", summary="A photo or document", response_class=Response)
async def get_file(lot_id: Id, file_id: Id, db: DbSession, viewer: MaybeUser, runtime: RuntimeDep) -> Response:
    row, data = await lots.read_file(db, storage_for(runtime.settings), lot_id, file_id, viewer)
    return upload_response(data, row.content_type, name=f"dosya-{row.id}",
                           cache_control="public, max-age=86400" if row.public else "private, no-store")
