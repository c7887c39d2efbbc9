"""People of an office (the desk's `/staff/people`): invitations, password resets, deactivation.

Who may do what: an admin administers everyone but bidders (bidders register themselves); an office's
müdür administers the staff, müdürs and parties of his office, and invites only those (never an admin,
never into another office). Every change is audited.

The one-time links: `invite` and `reset` return a raw token once; only its SHA-256 is kept
(`UserToken`), it is spent by its first use (a conditional UPDATE, so two tabs cannot both use it) and
dies at its TTL (ESATIS_INVITE_TTL_HOURS, ESATIS_RESET_TTL_MINUTES). An invited account exists from the
start but is inactive, with an unguessable password hash, until its holder sets a password (argon2id,
the same policy as registration). A reset ends every session and bearer token of the user, and so does
deactivation.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.audit import service as audit
from auction.users import service as users
from auction.users.errors import (
    CannotDeactivateSelf,
    LinkInvalid,
    OfficeScope,
    PersonInactive,
    PersonNotFound,
    PersonRoleRefused,
)
from auction.users.models import ApiToken, Office, Role, TokenPurpose, User, UserToken, WebSession
from auction.users.principal import Principal, ensure_office, requires_role

TOKEN_BYTES = 32
# Whom a müdür may invite into his own office; an admin may also invite admins.
MANAGER_INVITES = frozenset({Role.staff, Role.manager, Role.party})


def _sha256(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _may_administer(actor: Principal, user: User) -> None:
    """An admin: anyone but bidders; a müdür: his own office's staff, müdürs and parties."""
    role = Role(user.role)
    if role == Role.bidder:
        raise PersonRoleRefused("Alıcı hesapları buradan yönetilmez.", details={"role": role.value})
    if actor.is_admin:
        return
    if role == Role.admin or user.office_id is None:
        raise PersonRoleRefused(details={"role": role.value})
    ensure_office(actor, user.office_id)


async def _person(session: AsyncSession, actor: Principal, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise PersonNotFound(details={"user_id": user_id})
    _may_administer(actor, user)
    return user


def _issue(session: AsyncSession, actor: Principal | None, user: User, purpose: TokenPurpose, ttl: timedelta) -> str:
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    now = clock.now()
    session.add(UserToken(user_id=user.id, purpose=purpose.value, token_hash=_sha256(raw),
                          created_by=actor.user_id if actor else None, created_at=now, expires_at=now + ttl))
    return raw


async def _end_access(session: AsyncSession, user_id: int) -> None:
    now = clock.now()
    await session.execute(update(WebSession).where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
                          .values(revoked_at=now))
    await session.execute(update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
                          .values(revoked_at=now))


@requires_role(Role.manager, Role.admin)
async def invite(session: AsyncSession, actor: Principal, *, email: str, full_name: str, role: Role,
                 office_code: str | None, ttl: timedelta, phone: str | None = None) -> tuple[User, str]:
    """A new account for `email`, inactive until the link's holder sets its password: (user, raw token)."""
    if role == Role.bidder or (not actor.is_admin and role not in MANAGER_INVITES):
        raise PersonRoleRefused(details={"role": role.value})
    if not actor.is_admin:
        office = await session.get(Office, actor.office_id) if actor.office_id else None
        if office is None or (office_code and office_code.strip().upper() != office.code):
            raise OfficeScope(details={"office_code": office_code})
        office_code = office.code
    user = await users.create_user(session, email=email, password=secrets.token_urlsafe(32), full_name=full_name,
                                   role=role, office_code=office_code or None, actor=actor, enforce_policy=False,
                                   phone=phone or None)
    user.is_active = False
    raw = _issue(session, actor, user, TokenPurpose.invite, ttl)
    audit.record(session, "user.invited", "user", user.id, actor=actor, office_id=user.office_id,
                 data={"email": user.email, "role": role.value, "expires_in_s": int(ttl.total_seconds())})
    return user, raw


@requires_role(Role.manager, Role.admin)
async def reset(session: AsyncSession, actor: Principal, user_id: int, *, ttl: timedelta) -> tuple[User, str]:
    """A password reset link for an active user: earlier unused links of his die, and so do his sessions."""
    user = await _person(session, actor, user_id)
    if not user.is_active:
        raise PersonInactive(details={"user_id": user.id})
    now = clock.now()
    await session.execute(update(UserToken).where(UserToken.user_id == user.id, UserToken.used_at.is_(None))
                          .values(expires_at=now))
    await _end_access(session, user.id)
    raw = _issue(session, actor, user, TokenPurpose.reset, ttl)
    audit.record(session, "user.reset_ordered", "user", user.id, actor=actor, office_id=user.office_id,
                 data={"expires_in_s": int(ttl.total_seconds())})
    return user, raw


@requires_role(Role.manager, Role.admin)
async def set_active(session: AsyncSession, actor: Principal, user_id: int, active: bool) -> User:
    """Deactivate (every session and token ends at once) or reactivate an account."""
    user = await _person(session, actor, user_id)
    if user.id == actor.user_id and not active:
        raise CannotDeactivateSelf()
    if not active:
        # A closed account's unused links die with it (an invitation withdrawn before it was accepted).
        await session.execute(update(UserToken).where(UserToken.user_id == user.id, UserToken.used_at.is_(None),
                                                      UserToken.expires_at > clock.now())
                              .values(expires_at=clock.now()))
    if user.is_active != active:
        user.is_active = active
        user.updated_at = clock.now()
        if not active:
            await _end_access(session, user.id)
        audit.record(session, "user.activated" if active else "user.deactivated", "user", user.id, actor=actor,
                     office_id=user.office_id)
    return user


async def holder_of(session: AsyncSession, raw: str, purpose: TokenPurpose) -> User:
    """The user a live link of `purpose` is for (the form shows whose password is being set)."""
    row = (await session.execute(select(UserToken, User).join(User, User.id == UserToken.user_id).where(
        UserToken.token_hash == _sha256(raw), UserToken.purpose == purpose.value))).first()
    if row is None or row[0].used_at is not None or row[0].expires_at <= clock.now():
        raise LinkInvalid()
    return row[1]


async def redeem(session: AsyncSession, raw: str, purpose: TokenPurpose, password: str) -> User:
    """Set the password through a live link, once: the account becomes active (an invitation) and every
    earlier session ends (a reset)."""
    users.check_password_policy(password)
    now = clock.now()
    token_id = await session.scalar(
        update(UserToken).where(UserToken.token_hash == _sha256(raw), UserToken.purpose == purpose.value,
                                UserToken.used_at.is_(None), UserToken.expires_at > now)
        .values(used_at=now).returning(UserToken.id).execution_options(synchronize_session=False))
    if token_id is None:
        raise LinkInvalid()
    token = await session.get(UserToken, token_id)
    assert token is not None
    user = await session.get(User, token.user_id)
    if user is None or (purpose == TokenPurpose.reset and not user.is_active):
        raise LinkInvalid()
    user.password_hash = users.hash_password(password)
    user.updated_at = now
    if purpose == TokenPurpose.invite:
        user.is_active = True
    else:
        await _end_access(session, user.id)
    audit.record(session, "user.invite_accepted" if purpose == TokenPurpose.invite else "user.password_reset",
                 "user", user.id, actor=users.principal_for(user, via="link"), office_id=user.office_id)
    return user


@requires_role(Role.manager, Role.admin)
async def people(session: AsyncSession, actor: Principal) -> list[User]:
    """The people the actor administers: his office's staff, müdürs and parties (an admin: everyone but
    bidders), by role and name."""
    stmt = select(User).where(User.role != Role.bidder.value).order_by(User.role, User.full_name)
    if not actor.is_admin:
        stmt = stmt.where(User.office_id == actor.office_id, User.role != Role.admin.value)
    return list((await session.scalars(stmt)).all())


__all__ = ["holder_of", "invite", "people", "redeem", "reset", "set_active"]
