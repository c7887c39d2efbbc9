"""Registration, password hashing (argon2id), bearer tokens and browser sessions."""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.audit import service as audit_service
from auction.clock import iso_ms
from auction.dbutil import table_of
from auction.events import service as events
from auction.users.errors import (
    AccountLocked,
    EmailTaken,
    IbanChangeNeedsCode,
    InvalidCredentials,
    InvalidEmail,
    InvalidIban,
    InvalidOffice,
    InvalidProfile,
    InvalidToken,
    OfficeExists,
    OfficeNotFound,
    WeakPassword,
)
from auction.users.models import ApiToken, Office, Role, User, WebSession
from auction.users.principal import Principal

log = structlog.get_logger(__name__)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TOKEN_PREFIX = "esat_"  # noqa: S105 - a visible prefix so leaked tokens are recognisable

_hashers = {
    "default": PasswordHasher(),  # argon2id, RFC 9106 low-memory profile
    # Only for the test suite (hundreds of users); refused in production by Settings.
    "fast": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
}
_profile = "default"
# Verified against when the e-mail is unknown, so a login takes as long either way.
_dummy_hash: dict[str, str] = {}


def set_password_profile(profile: str) -> None:
    global _profile
    _profile = profile


def _hasher() -> PasswordHasher:
    return _hashers[_profile]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password_policy(password: str) -> None:
    if len(password) < 10 or not re.search(r"[A-Za-zÇĞİÖŞÜçğıöşü]", password) or not re.search(r"\d", password):
        raise WeakPassword()
    if len(password) > 256:
        raise WeakPassword("Parola en fazla 256 karakter olabilir.")


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidEmail(details={"email": email[:254]})
    return email


def _sha256(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


async def get_office_by_code(session: AsyncSession, code: str) -> Office:
    office = await session.scalar(select(Office).where(Office.code == code))
    if office is None:
        raise OfficeNotFound(details={"code": code})
    return office


_OFFICE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,31}$")


async def create_office(session: AsyncSession, *, code: str, name: str, city: str, sales_bureau_name: str | None = None,
                        district: str | None = None, iban: str | None = None,
                        actor: Principal | None = None) -> Office:
    """An icra dairesi with its satış bürosu and the account teminat and prices are paid into (D-61)."""
    code = code.strip().upper()
    if not _OFFICE_CODE.match(code):
        raise InvalidOffice("Daire kodu büyük harf, rakam ve tireden oluşmalıdır (en çok 32 karakter).",
                            details={"field": "code"})
    name, city = " ".join(name.split()), " ".join(city.split())
    if not 3 <= len(name) <= 200 or not 2 <= len(city) <= 80:
        raise InvalidOffice(details={"field": "name" if not 3 <= len(name) <= 200 else "city"})
    bureau = " ".join((sales_bureau_name or "").split()) or f"{name} Satış İşlemleri Bürosu"
    if len(bureau) > 200:
        raise InvalidOffice(details={"field": "sales_bureau_name"})
    iban_value = normalise_iban(iban) if iban and iban.strip() else None
    if await session.scalar(select(Office.id).where(Office.code == code)) is not None:
        raise OfficeExists(details={"code": code})
    now = clock.now()
    office = Office(code=code, name=name, city=city, district=district, sales_bureau_name=bureau,
                    iban=iban_value, created_at=now, updated_at=now)
    session.add(office)
    await session.flush()
    audit_service.record(session, "office.created", "office", office.id, actor=actor, office_id=office.id,
                         data={"code": code, "name": name})
    return office


async def list_offices(session: AsyncSession) -> list[Office]:
    return list((await session.scalars(select(Office).order_by(Office.code))).all())


async def create_user(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    full_name: str,
    role: Role,
    office_code: str | None = None,
    actor: Principal | None = None,
    identity_verified: bool = False,
    enforce_policy: bool = True,
    phone: str | None = None,
) -> User:
    email = normalise_email(email)
    phone_e164 = normalise_phone(phone) if phone else None
    if enforce_policy:
        check_password_policy(password)
    if not full_name.strip():
        raise InvalidEmail("Ad soyad boş olamaz.", code="invalid_full_name")
    office_id: int | None = None
    if role in (Role.staff, Role.manager):
        if office_code is None:
            raise OfficeNotFound("Personel ve müdür bir icra dairesine bağlı olmalıdır.", code="office_required")
        office_id = (await get_office_by_code(session, office_code)).id
    elif office_code is not None:
        office_id = (await get_office_by_code(session, office_code)).id
    if await session.scalar(select(User.id).where(User.email == email)) is not None:
        raise EmailTaken(details={"email": email})
    now = clock.now()
    user = User(email=email, password_hash=hash_password(password), full_name=full_name.strip(), role=role.value,
                office_id=office_id, is_active=True, identity_verified=identity_verified, lang="tr",
                phone=phone_e164, created_at=now, updated_at=now)
    session.add(user)
    await session.flush()
    audit_service.record(session, "user.created", "user", user.id, actor=actor, office_id=office_id,
                         data={"email": email, "role": role.value})
    return user


async def register_bidder(session: AsyncSession, *, email: str, password: str, full_name: str) -> User:
    return await create_user(session, email=email, password=password, full_name=full_name, role=Role.bidder)


@dataclass(frozen=True)
class LoginPolicy:
    """Lock-out after repeated wrong passwords (settings ESATIS_LOGIN_MAX_FAILURES and
    ESATIS_LOGIN_LOCKOUT_MINUTES)."""

    max_failures: int
    lockout: timedelta


async def authenticate(session: AsyncSession, email: str, password: str, *,
                       policy: LoginPolicy | None = None) -> User:
    """The user with this e-mail and password, or `InvalidCredentials` (the same answer, in the same time,
    for an unknown e-mail). With a `policy`, a locked account is refused with `AccountLocked` before its
    password is even checked, a wrong password counts, and the one that reaches `max_failures` locks the
    account (audited `user.locked`). The caller commits after these errors too: the count must survive."""
    try:
        email = normalise_email(email)
    except InvalidEmail:
        raise InvalidCredentials() from None
    user = await session.scalar(select(User).where(User.email == email))
    hasher = _hasher()
    if user is None or not user.is_active:
        dummy = _dummy_hash.setdefault(_profile, hasher.hash("not-a-real-password-0"))
        with contextlib.suppress(VerificationError):
            hasher.verify(dummy, password)
        raise InvalidCredentials()
    now = clock.now()
    if policy is not None and user.locked_until is not None and user.locked_until > now:
        raise AccountLocked(details={"locked_until": iso_ms(user.locked_until),
                                     "reset_at": int(user.locked_until.timestamp())})
    try:
        hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        if policy is not None:
            await _count_failure(session, user, policy, now)
        raise InvalidCredentials() from None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return user


async def _count_failure(session: AsyncSession, user: User, policy: LoginPolicy, now: datetime) -> None:
    # One conditional increment, so that parallel wrong guesses all count.
    failures = (await session.execute(
        update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins).execution_options(synchronize_session=False)
    )).scalar_one()
    if failures < policy.max_failures:
        return
    until = now + policy.lockout
    await session.execute(update(User).where(User.id == user.id).values(failed_logins=0, locked_until=until)
                          .execution_options(synchronize_session=False))
    await session.refresh(user)
    audit_service.record(session, "user.locked", "user", user.id, office_id=user.office_id,
                         data={"failures": failures, "locked_until": iso_ms(until)})
    # The owner is told (in-app and e-mail, essential): a lock he did not cause means someone is guessing.
    events.emit(session, "user.locked", {"user_id": user.id, "failures": failures, "locked_until": iso_ms(until)},
                subject_type="user", subject_id=user.id, office_id=user.office_id)
    log.warning("account_locked", user_id=user.id, failures=failures, locked_until=iso_ms(until))
    raise AccountLocked(details={"locked_until": iso_ms(until), "reset_at": int(until.timestamp())})


def principal_for(user: User | Row[Any], *, via: str, session_id: int | None = None,
                  csrf: str | None = None) -> Principal:
    """The principal of a user: from the mapped object, or from a row with its columns (the token's hot path)."""
    return Principal(user_id=user.id, role=Role(user.role), office_id=user.office_id, email=user.email,
                     full_name=user.full_name, via=via, session_id=session_id, csrf_token=csrf)


async def issue_token(session: AsyncSession, user: User, *, ttl: timedelta) -> str:
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    session.add(ApiToken(user_id=user.id, token_hash=_sha256(raw), created_at=now, expires_at=now + ttl))
    audit_service.record(session, "token.issued", "user", user.id, actor=principal_for(user, via="token"),
                         office_id=user.office_id)
    return raw


def _token_statement() -> Any:
    """Every API request resolves its token: one constant statement on the tables (no ORM objects), the
    hash bound at execution, so it is compiled once."""
    tokens, users_ = table_of(ApiToken).c, table_of(User).c
    return (select(tokens.revoked_at, tokens.expires_at, users_.is_active, users_.id, users_.role, users_.office_id,
                   users_.email, users_.full_name)
            .select_from(table_of(ApiToken).join(table_of(User), users_.id == tokens.user_id))
            .where(tokens.token_hash == bindparam("token_hash")))


_TOKEN = _token_statement()


async def resolve_token(session: AsyncSession, raw: str) -> Principal:
    now = clock.now()
    row = (await session.execute(_TOKEN, {"token_hash": _sha256(raw)})).first()
    if row is None or row.revoked_at is not None or row.expires_at <= now or not row.is_active:
        raise InvalidToken()
    return principal_for(row, via="token")


async def start_web_session(session: AsyncSession, user: User, *, ttl: timedelta, ip: str | None,
                            user_agent: str | None) -> tuple[str, str]:
    """Returns (raw session cookie value, CSRF token). Only the cookie's SHA-256 is stored."""
    raw = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = clock.now()
    ws = WebSession(user_id=user.id, session_hash=_sha256(raw), csrf_token=csrf, created_at=now,
                    expires_at=now + ttl, last_seen_at=now, ip=ip, user_agent=(user_agent or "")[:300])
    session.add(ws)
    await session.flush()
    audit_service.record(session, "session.started", "user", user.id,
                         actor=principal_for(user, via="session", session_id=ws.id), office_id=user.office_id)
    return raw, csrf


async def revoke_web_session(session: AsyncSession, raw: str) -> None:
    """Revoke the session a cookie names, whoever's it is (a sign-in replaces whatever session the browser
    carried: session fixation, docs/security.md)."""
    await session.execute(update(WebSession).where(WebSession.session_hash == _sha256(raw),
                                                   WebSession.revoked_at.is_(None))
                          .values(revoked_at=clock.now()))


async def resolve_web_session(session: AsyncSession, raw: str) -> Principal | None:
    now = clock.now()
    row = (await session.execute(
        select(WebSession, User).join(User, User.id == WebSession.user_id)
        .where(WebSession.session_hash == _sha256(raw))
    )).first()
    if row is None:
        return None
    ws, user = row
    if ws.revoked_at is not None or ws.expires_at <= now or not user.is_active:
        return None
    return principal_for(user, via="session", session_id=ws.id, csrf=ws.csrf_token)


async def end_web_session(session: AsyncSession, principal: Principal) -> None:
    if principal.session_id is None:
        return
    await session.execute(update(WebSession).where(WebSession.id == principal.session_id)
                          .values(revoked_at=clock.now()))
    audit_service.record(session, "session.ended", "user", principal.user_id, actor=principal,
                         office_id=principal.office_id)


async def get_user(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)



def normalise_iban(raw: str) -> str:
    """A Turkish IBAN (TR + 24 digits), spaces removed, checked with ISO 13616 mod-97: refunds of
    teminat go to it (A-37, A-55), so a typo must be caught here, not at the bank."""
    iban = "".join(raw.split()).upper()
    if len(iban) != 26 or not iban.startswith("TR") or not (iban[2:].isascii() and iban[2:].isdigit()):
        raise InvalidIban(details={"iban": iban[:34]})
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(c, 36)) for c in rearranged)
    if int(digits) % 97 != 1:
        raise InvalidIban(details={"iban": iban, "reason": "checksum"})
    return iban


_PHONE_CHARS = re.compile(r"^\+?[0-9 ()-]{10,20}$")


def normalise_phone(raw: str) -> str:
    """A phone as typed ("0532 123 45 67", "+90 532 123 4567", "5321234567") → E.164 ("+905321234567"),
    the form the SMS gateway takes (auction.sms). A number without a country code is Turkish."""
    value = raw.strip()
    if not _PHONE_CHARS.match(value):
        raise InvalidProfile("Telefon numarası geçersiz.", code="invalid_phone")
    digits = re.sub(r"[^0-9]", "", value)
    if value.startswith("+"):
        e164 = "+" + digits
    elif digits.startswith("00"):
        e164 = "+" + digits[2:]
    elif len(digits) == 11 and digits.startswith("0"):
        e164 = "+90" + digits[1:]
    elif len(digits) == 10:
        e164 = "+90" + digits
    else:
        raise InvalidProfile("Telefon numarası geçersiz.", code="invalid_phone")
    # Türkiye: +90 and ten digits, the first of which is not 0.
    if e164.startswith("+90") and not re.fullmatch(r"\+90[1-9][0-9]{9}", e164):
        raise InvalidProfile("Telefon numarası geçersiz.", code="invalid_phone")
    if not re.fullmatch(r"\+[1-9][0-9]{7,14}", e164):
        raise InvalidProfile("Telefon numarası geçersiz.", code="invalid_phone")
    return e164


async def update_profile(session: AsyncSession, actor: Principal, *, iban: str | None, address: str | None,
                         phone: str | None) -> User:
    """The bidder's own payment and contact details (A-37: IBAN and a Turkish address to bid)."""
    user = await session.get(User, actor.user_id)
    if user is None:
        raise InvalidProfile()
    changed: dict[str, str | None] = {}
    if iban is not None:
        value = normalise_iban(iban) if iban.strip() else None
        if value != user.iban:
            # The refund IBAN changes only with a code sent to the phone (auction.users.refund_iban, A-55):
            # a stolen session must not be able to redirect refunds with one request.
            raise IbanChangeNeedsCode(details={"use": "PUT /api/v1/me/refund-iban"})
    if address is not None:
        value = " ".join(address.split()) or None
        if value is not None and not 10 <= len(value) <= 500:
            raise InvalidProfile("Adres 10 ile 500 karakter arasında olmalıdır.", code="invalid_address")
        if value != user.address:
            user.address = value
            changed["address"] = "changed"
    if phone is not None:
        value = normalise_phone(phone) if phone.strip() else None
        if value != user.phone:
            user.phone = value
            changed["phone"] = "changed"
    if changed:
        user.updated_at = clock.now()
        audit_service.record(session, "user.profile_updated", "user", user.id, actor=actor,
                             office_id=user.office_id, data=changed)
    return user
