from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.responses import JSONResponse, Response

from auction.db import commit
from auction.schemas import Schema
from auction.users import refund_iban
from auction.users import service as users
from auction.users.errors import AccountLocked, InvalidCredentials
from auction.users.models import User
from web.deps import CurrentUser, DbSession, Public, RuntimeDep, client_ip, login_policy
from web.errors import domain_error_handler
from web.params import Id

router = APIRouter(prefix="/auth", tags=["auth"])
account = APIRouter(tags=["auth"])


class RegisterIn(Schema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)
    full_name: str = Field(min_length=2, max_length=200)


class UserOut(BaseModel):
    id: int
    email: str
    full_name: str
    role: str


class TokenIn(Schema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int


@router.post("/register", status_code=201, response_model=UserOut, summary="Register as a bidder")
async def register(body: RegisterIn, request: Request, db: DbSession, runtime: RuntimeDep, _: Public) -> UserOut:
    await runtime.limiter.hit("register", client_ip(request))
    user = await users.register_bidder(db, email=body.email, password=body.password, full_name=body.full_name)
    return UserOut(id=user.id, email=user.email, full_name=user.full_name, role=user.role)


@router.post("/token", response_model=TokenOut, summary="Exchange e-mail and password for a bearer token")
async def token(body: TokenIn, request: Request, db: DbSession, runtime: RuntimeDep, _: Public) -> TokenOut:
    await runtime.limiter.hit("login", client_ip(request))
    await runtime.limiter.hit("login", "email", body.email.strip().lower())
    try:
        user = await users.authenticate(db, body.email, body.password, policy=login_policy(runtime))
    except (InvalidCredentials, AccountLocked):
        await commit(db)  # the failure count and a lock-out survive the error answer
        raise
    ttl = timedelta(hours=runtime.settings.token_ttl_hours)
    raw = await users.issue_token(db, user, ttl=ttl)
    return TokenOut(access_token=raw, expires_in=int(ttl.total_seconds()))


class MeOut(UserOut):
    office_id: Id | None
    iban: str | None = None
    address: str | None = None
    phone: str | None = None


class ProfileIn(Schema):
    iban: str | None = Field(None, max_length=40, description="TR IBAN for refunds (A-37, A-55); empty clears it")
    address: str | None = Field(None, max_length=600)
    phone: str | None = Field(None, max_length=30)


def _me(user: User, principal: CurrentUser) -> MeOut:
    return MeOut(id=user.id, email=user.email, full_name=user.full_name, role=principal.role.value,
                 office_id=user.office_id, iban=user.iban, address=user.address, phone=user.phone)


@account.get("/me", response_model=MeOut, summary="Who am I")
async def me(principal: CurrentUser, db: DbSession) -> MeOut:
    user = await db.get(User, principal.user_id)
    assert user is not None
    return _me(user, principal)


@account.patch("/me", response_model=MeOut, summary="Update my address and phone (the IBAN: PUT /me/refund-iban)",
               responses={409: {"description": "iban_change_requires_code: the refund IBAN changes only with a code"}})
async def update_me(body: ProfileIn, principal: CurrentUser, db: DbSession) -> MeOut:
    user = await users.update_profile(db, principal, iban=body.iban, address=body.address, phone=body.phone)
    return _me(user, principal)


class RefundIbanIn(Schema):
    iban: str = Field(max_length=40, description="TR IBAN (spaces allowed), checked with ISO 13616 mod 97")


class RefundIbanCodeIn(Schema):
    code: str = Field(min_length=4, max_length=12)


@account.put("/me/refund-iban", status_code=202, summary="Change my refund IBAN: a code goes to my phone",
             responses={422: {"description": "iban_invalid"},
                        409: {"description": "phone_required / iban_unchanged / too_many_codes"}})
async def change_refund_iban(body: RefundIbanIn, principal: CurrentUser, db: DbSession,
                             runtime: RuntimeDep) -> dict[str, Any]:
    await runtime.limiter.hit("otp", principal.user_id)
    req = await refund_iban.request_change(db, principal, body.iban, secret=runtime.settings.resolved_secret_key(),
                                           sms_setting=runtime.settings.sms)
    return {"status": req.change.status, "change_id": req.change.id, "iban": refund_iban.last4(req.change.iban),
            "code_sent_to": req.phone_hint, "code_expires_at": req.expires_at_iso}


@account.post("/me/refund-iban/{change_id}/confirm", summary="Confirm a refund IBAN change with its SMS code",
              responses={422: {"description": "code_invalid / code_expired / code_exhausted"},
                         409: {"description": "code_used / iban_change_closed"},
                         404: {"description": "iban_change_not_found"}})
async def confirm_refund_iban(change_id: Id, body: RefundIbanCodeIn, request: Request, principal: CurrentUser,
                              db: DbSession, runtime: RuntimeDep) -> Response:
    await runtime.limiter.hit("otp", principal.user_id)
    result = await refund_iban.confirm_change(db, principal, change_id, body.code.strip(),
                                              secret=runtime.settings.resolved_secret_key())
    if result.error is not None:
        # Returned, not raised: the session commits the counted try (or the cancellation) before answering.
        return await domain_error_handler(request, result.error)
    return JSONResponse({"status": result.change.status, "change_id": result.change.id,
                         "iban": result.change.iban})
