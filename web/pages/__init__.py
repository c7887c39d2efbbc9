"""Server-rendered pages (Jinja2 + htmx)."""

from fastapi import APIRouter

from web.pages import (
    account,
    aftersale,
    audit,
    auth,
    cetvel,
    channels,
    desk,
    desk_files,
    desk_records,
    desk_sale,
    files,
    lot,
    people,
    public,
    search,
    staff,
    tax_report,
    teminat,
    webhooks_admin,
)
from web.pages import ledger as ledger_pages

router = APIRouter(include_in_schema=False)
router.include_router(search.router)
router.include_router(public.router)
router.include_router(auth.router)
router.include_router(staff.router)
router.include_router(lot.router)
router.include_router(teminat.router)
router.include_router(account.router)
router.include_router(channels.router)
router.include_router(webhooks_admin.router)
router.include_router(aftersale.router)
router.include_router(cetvel.router)
router.include_router(ledger_pages.router)
router.include_router(desk.router)
router.include_router(desk_sale.router)
router.include_router(people.router)
router.include_router(audit.router)
router.include_router(files.router)
router.include_router(desk_files.router)
router.include_router(desk_records.router)
router.include_router(tax_report.router)

__all__ = ["router"]
