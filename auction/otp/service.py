"""Issuing and checking one-time codes (see the package docstring)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache

import structlog
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auction.calendar import local_date
from auction.db import after_commit
from auction.otp.errors import NoPhone, TooManyCodes
from auction.otp.models import CodeStatus, OneTimeCode
from auction.rules.table import rulebook
from auction.sms import SmsError, SmsMessage, SmsSender, sender_for

log = structlog.get_logger(__name__)

_KEY_LABEL = b"esatis/otp/v1"


@dataclass(frozen=True)
class OtpPolicy:
    purpose: str
    ttl: timedelta
    max_attempts: int
    length: int
    max_sends: int
    refs: str


def otp_policy(purpose: str, on: date) -> OtpPolicy:
    """The rows of `otp.toml` for `purpose` in force on `on` (RuleError for an unknown purpose)."""
    book = rulebook()
    rows = {name: book.row(f"otp.{purpose}.{name}", on) for name in ("ttl", "max_attempts", "length", "max_sends")}
    return OtpPolicy(purpose=purpose, ttl=rows["ttl"].duration(), max_attempts=rows["max_attempts"].integer(),
                     length=rows["length"].integer(), max_sends=rows["max_sends"].integer(),
                     refs="; ".join(r.ref for r in rows.values()))


def _key(secret: str) -> bytes:
    # A key of its own, derived from the server secret: a code hash is useless for forging sessions and
    # vice versa.
    return hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


def _mac(secret: str, code_id: int, purpose: str, subject_id: int, code: str) -> str:
    message = f"{code_id}|{purpose}|{subject_id}|{code}".encode()
    return hmac.new(_key(secret), message, hashlib.sha256).hexdigest()


def phone_hint(phone: str) -> str:
    """"+905321234567" → "+90 5•• ••• •• 67": enough for the user to recognise his phone."""
    if phone.startswith("+90") and len(phone) == 13:
        return f"+90 {phone[3]}•• ••• •• {phone[-2:]}"
    return phone[:3] + "•" * max(0, len(phone) - 5) + phone[-2:]


@lru_cache(maxsize=8)
def _sender(setting: str) -> SmsSender:
    return sender_for(setting)


async def issue(session: AsyncSession, *, secret: str, sms_setting: str, purpose: str, subject_id: int,
                user_id: int, phone: str | None, text: Callable[[str, OtpPolicy], str],
                now: datetime) -> OneTimeCode:
    """Store a new code for `subject_id` (superseding any earlier one) and send it by SMS after commit.
    `text(code, policy)` builds the message; it should say what the code confirms."""
    if not phone:
        raise NoPhone()
    policy = otp_policy(purpose, local_date(now))
    sent = await session.scalar(select(func.count(OneTimeCode.id)).where(
        OneTimeCode.purpose == purpose, OneTimeCode.subject_id == subject_id))
    if (sent or 0) >= policy.max_sends:
        raise TooManyCodes(details={"max_sends": policy.max_sends, "rule": policy.refs})
    await session.execute(
        update(OneTimeCode).where(OneTimeCode.purpose == purpose, OneTimeCode.subject_id == subject_id,
                                  OneTimeCode.status == CodeStatus.active.value)
        .values(status=CodeStatus.superseded.value).execution_options(synchronize_session=False))
    code = f"{secrets.randbelow(10 ** policy.length):0{policy.length}d}"
    row = OneTimeCode(purpose=purpose, subject_id=subject_id, user_id=user_id, phone_hint=phone_hint(phone),
                      code_hash="0" * 64, status=CodeStatus.active.value, attempts=0,
                      max_attempts=policy.max_attempts, rule_refs=policy.refs[:300], created_at=now,
                      expires_at=now + policy.ttl)
    session.add(row)
    await session.flush()
    row.code_hash = _mac(secret, row.id, purpose, subject_id, code)
    message = SmsMessage(to=phone, text=text(code, policy), code=code)
    sender = _sender(sms_setting)

    async def send() -> None:
        try:
            await sender.send(message)
        except SmsError as exc:  # the user asks for a new code (max_sends); nothing to roll back
            log.warning("otp_sms_failed", purpose=purpose, subject_id=subject_id, error=str(exc))

    after_commit(session, send)
    return row


class CheckOutcome(StrEnum):
    verified = "verified"
    invalid = "invalid"  # wrong code, tries left
    exhausted = "exhausted"  # wrong code, no tries left: the caller cancels the subject
    expired = "expired"
    used = "used"
    missing = "missing"  # no code was ever sent for this subject (or it was superseded)


@dataclass(frozen=True)
class CheckResult:
    outcome: CheckOutcome
    code_id: int | None = None
    remaining: int = 0


async def check(session: AsyncSession, *, secret: str, purpose: str, subject_id: int, code: str,
                now: datetime) -> CheckResult:
    """Count one try against the subject's current code and say whether `code` is it. The try is counted
    by a conditional UPDATE (two concurrent tries are two tries; a code never gets more than its maximum),
    and a verified code is spent by another one (two concurrent right answers: one `verified`, one `used`).

    The caller must COMMIT after a wrong try (the count is the brute-force defence): services return the
    refusal instead of raising it, and the web layer answers 422 after the commit."""
    latest = (await session.execute(
        select(OneTimeCode.id, OneTimeCode.status, OneTimeCode.expires_at)
        .where(OneTimeCode.purpose == purpose, OneTimeCode.subject_id == subject_id)
        .order_by(OneTimeCode.id.desc()).limit(1))).first()
    code_id = int(latest[0]) if latest is not None else 0
    counted = (await session.execute(
        update(OneTimeCode)
        .where(OneTimeCode.id == code_id, OneTimeCode.status == CodeStatus.active.value,
               OneTimeCode.expires_at > now, OneTimeCode.attempts < OneTimeCode.max_attempts)
        .values(attempts=OneTimeCode.attempts + 1)
        .returning(OneTimeCode.attempts, OneTimeCode.max_attempts, OneTimeCode.code_hash)
        .execution_options(synchronize_session=False))).first()
    # The same work on every path: one HMAC and one constant-time comparison, against a hash that cannot
    # match when no try was counted.
    candidate = _mac(secret, code_id, purpose, subject_id, code.strip())
    expected = str(counted[2]) if counted is not None else secrets.token_hex(32)
    matches = hmac.compare_digest(candidate, expected)
    if counted is None:
        if latest is None:
            return CheckResult(CheckOutcome.missing)
        # Read the code again: a concurrent check may have spent it while this one waited for its lock.
        status = await session.scalar(select(OneTimeCode.status).where(OneTimeCode.id == code_id)
                                      .execution_options(populate_existing=True))
        if status == CodeStatus.superseded:
            return CheckResult(CheckOutcome.missing, code_id)
        if status == CodeStatus.used:
            return CheckResult(CheckOutcome.used, code_id)
        if status == CodeStatus.exhausted:
            return CheckResult(CheckOutcome.exhausted, code_id)
        if status == CodeStatus.active:
            # Past its ttl: spend it, so that it reads as expired from now on.
            await session.execute(update(OneTimeCode).where(OneTimeCode.id == code_id,
                                                            OneTimeCode.status == CodeStatus.active.value)
                                  .values(status=CodeStatus.expired.value)
                                  .execution_options(synchronize_session=False))
        return CheckResult(CheckOutcome.expired, code_id)
    attempts, max_attempts = int(counted[0]), int(counted[1])
    if matches:
        spent = (await session.execute(
            update(OneTimeCode).where(OneTimeCode.id == code_id, OneTimeCode.status == CodeStatus.active.value)
            .values(status=CodeStatus.used.value, used_at=now).returning(OneTimeCode.id)
            .execution_options(synchronize_session=False))).first()
        if spent is None:
            return CheckResult(CheckOutcome.used, code_id)
        return CheckResult(CheckOutcome.verified, code_id)
    if attempts >= max_attempts:
        await session.execute(update(OneTimeCode).where(OneTimeCode.id == code_id,
                                                        OneTimeCode.status == CodeStatus.active.value)
                              .values(status=CodeStatus.exhausted.value)
                              .execution_options(synchronize_session=False))
        return CheckResult(CheckOutcome.exhausted, code_id)
    return CheckResult(CheckOutcome.invalid, code_id, max_attempts - attempts)


async def current(session: AsyncSession, purpose: str, subject_id: int) -> OneTimeCode | None:
    """The subject's latest code (for showing where it went and until when)."""
    stmt = (select(OneTimeCode).where(OneTimeCode.purpose == purpose, OneTimeCode.subject_id == subject_id)
            .order_by(OneTimeCode.id.desc()).limit(1))
    return (await session.scalars(stmt)).first()
