"""Changing the refund IBAN: only with a one-time code sent to the registered phone (A-55: teminat refunds go
to the registered IBAN, so the IBAN is where the money goes).

    request_change  PUT /api/v1/me/refund-iban {"iban"}: checksum (ISO 13616 mod 97), then a
                    `RefundIbanChange` awaiting its code; any earlier open request of the user is superseded;
                    the code goes by SMS after commit (auction.otp, purpose `refund_iban`, rows in otp.toml).
    confirm_change  POST …/refund-iban/{change_id}/confirm {"code"}: the code's try is counted by otp.check
                    (a conditional UPDATE); only a verified code writes `users.iban`.

Every step writes an audit row; the audit keeps the last four digits, never the whole account number. A
wrong code is returned as a refusal, not raised: the caller commits the counted try, then answers 422 (as
the price payments do, auction.aftersale.payments). The plain profile update refuses an IBAN change
(`IbanChangeNeedsCode`): there is no second way in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.audit import service as audit
from auction.audit.models import AuditEntry
from auction.calendar import local_date
from auction.errors import DomainError
from auction.otp import service as otp
from auction.otp.errors import CodeExhausted, CodeExpired, CodeInvalid, CodeUsed
from auction.rules.table import rulebook
from auction.users.errors import (
    IbanChangeClosed,
    IbanChangeNotFound,
    IbanUnchanged,
    InvalidIban,
    InvalidProfile,
    PhoneChangedRecently,
    RefundIbanInvalid,
)
from auction.users.models import IbanChangeStatus, RefundIbanChange, User
from auction.users.principal import Principal
from auction.users.service import normalise_iban

OTP_PURPOSE = "refund_iban"


def last4(iban: str | None) -> str | None:
    return f"…{iban[-4:]}" if iban else None


@dataclass(frozen=True)
class ChangeRequest:
    change: RefundIbanChange
    phone_hint: str
    expires_at_iso: str


async def request_change(session: AsyncSession, actor: Principal, raw_iban: str, *, secret: str,
                         sms_setting: str) -> ChangeRequest:
    """A change of the actor's refund IBAN to `raw_iban`, awaiting the code sent to his phone."""
    try:
        iban = normalise_iban(raw_iban)
    except InvalidIban as exc:
        raise RefundIbanInvalid(details=exc.details) from None
    user = await session.get(User, actor.user_id)
    if user is None:
        raise InvalidProfile()
    if user.iban == iban:
        raise IbanUnchanged(details={"iban": last4(iban)})
    now = clock.now()
    await _refuse_after_a_phone_change(session, user.id, now)
    await session.execute(
        update(RefundIbanChange)
        .where(RefundIbanChange.user_id == user.id,
               RefundIbanChange.status == IbanChangeStatus.awaiting_code.value)
        .values(status=IbanChangeStatus.superseded.value, decided_at=now)
        .execution_options(synchronize_session=False))
    change = RefundIbanChange(user_id=user.id, iban=iban, status=IbanChangeStatus.awaiting_code.value,
                              created_at=now)
    session.add(change)
    await session.flush()

    def text(code: str, policy: otp.OtpPolicy) -> str:
        minutes = int(policy.ttl.total_seconds() // 60)
        return (f"e-Satış: {code} kodu, iade IBAN'ınızı {last4(iban)} ile biten hesaba değiştirir. {minutes} "
                "dakika geçerlidir. Bu işlemi siz başlatmadıysanız kodu kimseyle paylaşmayın ve dairenize bildirin.")

    code = await otp.issue(session, secret=secret, sms_setting=sms_setting, purpose=OTP_PURPOSE,
                           subject_id=change.id, user_id=user.id, phone=user.phone, text=text, now=now)
    audit.record(session, "user.refund_iban_requested", "user", user.id, actor=actor, office_id=user.office_id,
                 data={"change_id": change.id, "iban": last4(iban), "previous": last4(user.iban),
                       "code_id": code.id, "sent_to": code.phone_hint})
    return ChangeRequest(change=change, phone_hint=code.phone_hint, expires_at_iso=clock.iso_ms(code.expires_at))


async def _refuse_after_a_phone_change(session: AsyncSession, user_id: int, now: datetime) -> None:
    """The code goes to the registered phone, which the profile update changes without a code: a phone
    changed less than `otp.refund_iban.phone_cooldown` ago does not confirm an IBAN change yet."""
    row = rulebook().row("otp.refund_iban.phone_cooldown", local_date(now))
    since = now - row.duration()
    changes = (await session.scalars(
        select(AuditEntry.data).where(AuditEntry.entity_type == "user", AuditEntry.entity_id == str(user_id),
                                      AuditEntry.action == "user.profile_updated", AuditEntry.at >= since))).all()
    if any(isinstance(d, dict) and "phone" in d for d in changes):
        raise PhoneChangedRecently(details={"cooldown": str(row.value), "rule": row.ref})


async def _own_change(session: AsyncSession, actor: Principal, change_id: int) -> RefundIbanChange:
    change = await session.get(RefundIbanChange, change_id, populate_existing=True)
    if change is None or change.user_id != actor.user_id:
        raise IbanChangeNotFound(details={"change_id": change_id})
    return change


async def get_change(session: AsyncSession, actor: Principal, change_id: int) -> RefundIbanChange:
    return await _own_change(session, actor, change_id)


@dataclass(frozen=True)
class ConfirmResult:
    change: RefundIbanChange
    # A refusal the caller answers AFTER committing (the counted try, the cancellation): returned, not raised.
    error: DomainError | None = None


async def _close(session: AsyncSession, change: RefundIbanChange, status: IbanChangeStatus) -> bool:
    done = await session.execute(
        update(RefundIbanChange)
        .where(RefundIbanChange.id == change.id, RefundIbanChange.status == IbanChangeStatus.awaiting_code.value)
        .values(status=status.value, decided_at=clock.now())
        .execution_options(synchronize_session=False))
    await session.refresh(change)
    return bool(getattr(done, "rowcount", 0))


async def confirm_change(session: AsyncSession, actor: Principal, change_id: int, code: str, *,
                         secret: str) -> ConfirmResult:
    change = await _own_change(session, actor, change_id)
    if change.status != IbanChangeStatus.awaiting_code:
        raise IbanChangeClosed(details={"status": change.status})
    result = await otp.check(session, secret=secret, purpose=OTP_PURPOSE, subject_id=change.id, code=code,
                             now=clock.now())
    audit.record(session, "user.refund_iban_code_checked", "user", actor.user_id, actor=actor,
                 office_id=actor.office_id,
                 data={"change_id": change.id, "outcome": result.outcome.value, "code_id": result.code_id})
    if result.outcome == otp.CheckOutcome.invalid:
        return ConfirmResult(change, CodeInvalid(details={"remaining_attempts": result.remaining}))
    if result.outcome == otp.CheckOutcome.exhausted:
        await _close(session, change, IbanChangeStatus.cancelled)
        return ConfirmResult(change, CodeExhausted())
    if result.outcome == otp.CheckOutcome.used:
        return ConfirmResult(change, CodeUsed())
    if result.outcome != otp.CheckOutcome.verified:
        await _close(session, change, IbanChangeStatus.cancelled)
        return ConfirmResult(change, CodeExpired())
    # The verified code is spent (otp.check); the change closes once, by a conditional UPDATE.
    if not await _close(session, change, IbanChangeStatus.confirmed):
        return ConfirmResult(change, IbanChangeClosed(details={"status": change.status}))
    user = await session.get(User, actor.user_id, populate_existing=True)
    assert user is not None
    previous = user.iban
    user.iban = change.iban
    user.updated_at = clock.now()
    audit.record(session, "user.refund_iban_changed", "user", user.id, actor=actor, office_id=user.office_id,
                 data={"change_id": change.id, "iban": last4(change.iban), "previous": last4(previous)})
    return ConfirmResult(change)


async def open_change(session: AsyncSession, user_id: int) -> RefundIbanChange | None:
    """The user's change awaiting its code, if any (the account page resumes it)."""
    return (await session.scalars(
        select(RefundIbanChange).where(RefundIbanChange.user_id == user_id,
                                       RefundIbanChange.status == IbanChangeStatus.awaiting_code.value)
        .order_by(RefundIbanChange.id.desc()).limit(1))).first()
