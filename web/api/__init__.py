"""The JSON API under /api/v1. Each module translates HTTP to service calls and nothing more."""

from fastapi import APIRouter

from web.api import (
    aftersale,
    auth,
    bidding,
    cases,
    cetvel,
    creditors,
    desk,
    distributions,
    lot_records,
    lots,
    notification_prefs,
    notifications,
    offices,
    parties,
    payments,
    sales,
    system,
    webhooks,
)

router = APIRouter(prefix="/api/v1")
# First: routes are matched in order, and the bid is the request that comes most often and matters most
# (its paths overlap no other router's; tests/test_authorization.py walks every route either way).
router.include_router(bidding.router)
router.include_router(system.router)
router.include_router(auth.router)
router.include_router(auth.account)
router.include_router(offices.router)
router.include_router(cases.router)
router.include_router(parties.router)
router.include_router(creditors.router)
router.include_router(lots.router)
router.include_router(distributions.router)
router.include_router(lot_records.router)
router.include_router(sales.router)
router.include_router(payments.router)
router.include_router(aftersale.router)
router.include_router(notifications.router)
router.include_router(notification_prefs.router)
router.include_router(webhooks.router)
router.include_router(cetvel.router)
router.include_router(desk.router)

probes_router = system.probes

__all__ = ["probes_router", "router"]
