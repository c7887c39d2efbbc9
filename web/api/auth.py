from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from auction.db import commit
from auction.schemas import Schema
from auction.users import service as users
from auction.users.errors import AccountLocked, InvalidCredentials
from auction.users.models import User
from web.deps import CurrentUser, DbSession, Public, RuntimeDep, client_ip, login_policy

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
    office_id: int | None
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


@account.patch("/me", response_model=MeOut, summary="Update my IBAN, address and phone")
async def update_me(body: ProfileIn, principal: CurrentUser, db: DbSession) -> MeOut:
    user = await users.update_profile(db, principal, iban=body.iban, address=body.address, phone=body.phone)
    return _me(user, principal)
