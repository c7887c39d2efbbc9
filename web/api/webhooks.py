"""Webhook endpoints (admins): `/api/v1/webhooks/endpoints…` as the API contract names them."""

from __future__ import annotations

from fastapi import APIRouter, Query

from auction import clock
from auction.webhooks import service as webhooks
from auction.webhooks.models import WebhookEndpoint
from auction.webhooks.schemas import (
    AttemptOut,
    DeliveryLog,
    DeliveryOut,
    EndpointCreate,
    EndpointCreated,
    EndpointOut,
    Queued,
    RedeliverIn,
    RotateIn,
    SecretOut,
)
from web.deps import AdminUser, DbSession, RuntimeDep
from web.params import ID_MAX, Id

router = APIRouter(prefix="/webhooks/endpoints", tags=["webhooks"])


async def _one(db: DbSession, e: WebhookEndpoint) -> EndpointOut:
    pending = (await webhooks.pending_counts(db, [e.id])).get(e.id, 0)
    return EndpointOut.of(e, now=clock.now(), pending=pending)


@router.post("", status_code=201, response_model=EndpointCreated,
             summary="Create an endpoint; the answer carries its secret (`whsec_…`), shown only this once")
async def create_endpoint(body: EndpointCreate, db: DbSession, runtime: RuntimeDep,
                          actor: AdminUser) -> EndpointCreated:
    endpoint, secret = await webhooks.create_endpoint(db, runtime, actor, body)
    return EndpointCreated.of(endpoint, now=clock.now(), secret=secret)


@router.get("", response_model=list[EndpointOut], summary="Every endpoint (secrets are never shown again)")
async def list_endpoints(db: DbSession, actor: AdminUser) -> list[EndpointOut]:
    endpoints = await webhooks.list_endpoints(db, actor)
    pending = await webhooks.pending_counts(db, [e.id for e in endpoints])
    now = clock.now()
    return [EndpointOut.of(e, now=now, pending=pending.get(e.id, 0)) for e in endpoints]


@router.get("/{endpoint_id}", response_model=EndpointOut, summary="One endpoint")
async def get_endpoint(endpoint_id: Id, db: DbSession, actor: AdminUser) -> EndpointOut:
    return await _one(db, await webhooks.get_endpoint(db, actor, endpoint_id))


@router.post("/{endpoint_id}/disable", response_model=EndpointOut,
             summary="Disable: nothing more is sent; waiting deliveries fail (redeliver brings them back)")
async def disable_endpoint(endpoint_id: Id, db: DbSession, actor: AdminUser) -> EndpointOut:
    return await _one(db, await webhooks.disable_endpoint(db, actor, endpoint_id))


@router.post("/{endpoint_id}/enable", response_model=EndpointOut,
             summary="Enable again (after a manual disable or a 410); the circuit starts closed")
async def enable_endpoint(endpoint_id: Id, db: DbSession, runtime: RuntimeDep, actor: AdminUser) -> EndpointOut:
    return await _one(db, await webhooks.enable_endpoint(db, runtime, actor, endpoint_id))


@router.post("/{endpoint_id}/rotate", response_model=SecretOut,
             summary="A new secret (shown once); the old one keeps signing beside it during the overlap")
async def rotate_secret(endpoint_id: Id, db: DbSession, runtime: RuntimeDep, actor: AdminUser,
                        body: RotateIn | None = None) -> SecretOut:
    endpoint, secret = await webhooks.rotate_secret(db, runtime, actor, endpoint_id,
                                                    body.overlap_hours if body else None)
    return SecretOut(endpoint_id=endpoint.id, secret=secret, previous_secret_until=endpoint.previous_secret_until)


@router.post("/{endpoint_id}/test", status_code=202, response_model=Queued,
             summary="Send a `ping` event (one attempt; see it in the deliveries)")
async def send_test(endpoint_id: Id, db: DbSession, runtime: RuntimeDep, actor: AdminUser) -> Queued:
    d = await webhooks.send_test(db, runtime, actor, endpoint_id)
    return Queued(endpoint_id=endpoint_id, deliveries=[d.id], event_ids=[d.event_id])


@router.post("/{endpoint_id}/redeliver", status_code=202, response_model=Queued,
             summary="Redeliver one event (`event_id`) or every failed delivery since a time (`since`)")
async def redeliver(endpoint_id: Id, body: RedeliverIn, db: DbSession, runtime: RuntimeDep,
                    actor: AdminUser) -> Queued:
    out = await webhooks.redeliver(db, runtime, actor, endpoint_id, body)
    return Queued(endpoint_id=endpoint_id, deliveries=[d.id for d in out], event_ids=[d.event_id for d in out])


@router.get("/{endpoint_id}/deliveries", response_model=DeliveryLog,
            summary="Every attempt (event id, status code, duration, response excerpt, next retry), newest first")
async def deliveries(endpoint_id: Id, db: DbSession, actor: AdminUser,
                     before_id: int | None = Query(None, ge=1, le=ID_MAX),
                     limit: int = Query(50, ge=1, le=200),
                     event_id: str | None = Query(None, max_length=40)) -> DeliveryLog:
    rows, waiting, next_before = await webhooks.delivery_log(db, actor, endpoint_id, before_id=before_id,
                                                            limit=limit, event_id=event_id)
    return DeliveryLog(endpoint_id=endpoint_id, attempts=[AttemptOut.of(a, s) for a, s in rows],
                       waiting=[DeliveryOut.of(d) for d in waiting], next_before_id=next_before)
