"""Who may bid in a sale (A-37): şartname accepted (A-23), teminat confirmed or exempt (A-50 … A-53), not
excluded (A-10; UNCERTAIN(OP-20): the borçlu is blocked), not withdrawn (OP-16).

The state lives in one `sale_participants` row per (sale, user). Everything that changes a bidder's
standing writes that row first (deposit confirmation, exemption, withdrawal, exclusion), and the bid
re-checks it with a conditional UPDATE after moving the price: the two writes serialise on the row, so
a withdrawal and a bid of the same user can never both commit (docs/auction.md, "withdraw vs bid").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.audit import service as audit
from auction.bidding.errors import BidderBarred, BidderExcluded, SartnameNotAccepted, TeminatRequired
from auction.bidding.models import Participant
from auction.cases.models import Case
from auction.dbutil import insert_ignore
from auction.errors import DomainError
from auction.sales.models import Round, RoundStatus, Sale
from auction.users.errors import UserNotFound
from auction.users.models import User
from auction.users.principal import Principal


async def ensure_participant(session: AsyncSession, sale: Sale, user_id: int) -> Participant:
    now = clock.now()
    excluded, reason = False, None
    block_debtor = bool(sale.policy.get("auction.block_debtor", {}).get("value", True))
    debtor_user_id = await session.scalar(select(Case.debtor_user_id).where(Case.id == sale.case_id))
    if block_debtor and debtor_user_id is not None and debtor_user_id == user_id:
        # UNCERTAIN(OP-20): the borçlu may not bid for his own seized asset (`auction.block_debtor`).
        excluded, reason = True, "borçlu (OP-20)"
    await insert_ignore(session, Participant, {
        "sale_id": sale.id, "lot_id": sale.lot_id, "user_id": user_id, "teminat_ok": False, "excluded": excluded,
        "exclusion_reason": reason, "created_at": now, "updated_at": now}, ["sale_id", "user_id"])
    return await lock(session, sale.id, user_id)


async def lock(session: AsyncSession, sale_id: int, user_id: int) -> Participant:
    """Take the participant row's write lock (a no-op UPDATE) and return its committed state: whoever
    changes a bidder's standing holds this lock until commit."""
    await session.flush()  # the session does not autoflush: never let the refresh below drop a change
    result = await session.execute(
        update(Participant).where(Participant.sale_id == sale_id, Participant.user_id == user_id)
        .values(updated_at=clock.now()).returning(Participant.id)
        .execution_options(synchronize_session=False))
    pid = result.scalar_one()
    part = await session.get(Participant, pid, populate_existing=True)
    assert part is not None
    return part


async def find(session: AsyncSession, sale_id: int, user_id: int) -> Participant | None:
    await session.flush()
    stmt = select(Participant).where(Participant.sale_id == sale_id, Participant.user_id == user_id)
    return (await session.scalars(stmt.execution_options(populate_existing=True))).first()


def exclusion_error(part: Participant) -> DomainError:
    """Why an excluded participant is refused: barred after a default (S-13) or excluded by staff (A-10)."""
    if part.barred_at is not None:
        return BidderBarred(details={"reason": part.exclusion_reason})
    return BidderExcluded(details={"reason": part.exclusion_reason})


def refusal(part: Participant | None) -> DomainError | None:
    """The reason a participant may not bid now, checked in this order (most useful message first)."""
    if part is not None and part.excluded:
        return exclusion_error(part)
    if part is None or not part.teminat_ok:
        return TeminatRequired()
    if part.sartname_accepted_at is None:
        return SartnameNotAccepted()
    return None


def refusal_free(parts: Any) -> ColumnElement[bool]:
    """`refusal(part) is None` as SQL over the participants' columns (`table.c`), for statements that
    read it along with other things (the bid's context read): the row exists, not excluded, teminat
    confirmed or exempt, şartname accepted."""
    return and_(parts.id.is_not(None), parts.excluded.is_(False), parts.teminat_ok.is_(True),
                parts.sartname_accepted_at.is_not(None))


# Why a viewer cannot bid on the round a lot shows now (None: he can); the lot page explains each.
Block = Literal["login", "staff", "no_sale", "closed", "not_open", "barred", "excluded", "withdrawn", "teminat",
                "sartname"]


def round_refusal(rnd: Round, t: datetime) -> Literal["closed", "not_open"] | None:
    """Whether the round could take a bid at server time t at all (A-40: accepted only while
    starts_at ≤ t < ends_at of an open round). A plain read: the bid's conditional UPDATE decides."""
    if rnd.status in (RoundStatus.closed, RoundStatus.cancelled):
        return "closed"
    if rnd.status == RoundStatus.scheduled or t < rnd.starts_at:
        return "not_open"
    if t >= rnd.ends_at:
        return "closed"
    return None


def standing(part: Participant | None) -> Literal["barred", "excluded", "withdrawn", "teminat", "sartname"] | None:
    """What stands between a participant and bidding (A-37), most useful first: barred after his default
    as the buyer (S-13, A-70), excluded (A-10, OP-20), teminat withdrawn (OP-16), no confirmed teminat or
    exemption (A-50 … A-53), şartname not accepted."""
    if part is not None and part.barred_at is not None:
        return "barred"
    if part is not None and part.excluded:
        return "excluded"
    if part is not None and part.withdrawn_at is not None:
        return "withdrawn"
    if part is None or not part.teminat_ok:
        return "teminat"
    if part.sartname_accepted_at is None:
        return "sartname"
    return None


def bid_block(viewer: Principal | None, rnd: Round | None, part: Participant | None, t: datetime) -> Block | None:
    """Why `viewer` cannot bid on `rnd` (the round the lot shows) at server time t. A closed round first;
    then his own standing, so that before a round opens he already sees what to do (pay the teminat,
    accept the şartname); then whether the round is open yet."""
    if viewer is None:
        return "login"
    if viewer.is_staff:
        return "staff"
    if rnd is None:
        return "no_sale"
    timing = round_refusal(rnd, t)
    if timing == "closed":
        return "closed"
    return standing(part) or timing


async def recheck_and_touch(session: AsyncSession, sale_id: int, user_id: int, t: datetime) -> bool:
    """The bid's second eligibility check, a conditional write after the price UPDATE (READ COMMITTED:
    a withdrawal committed meanwhile is seen; one still running holds this row and we wait for it)."""
    result = await session.execute(
        update(Participant)
        .where(Participant.sale_id == sale_id, Participant.user_id == user_id, refusal_free(Participant),
               Participant.withdrawn_at.is_(None))
        .values(last_bid_at=t)
        .returning(Participant.id)
        .execution_options(synchronize_session=False))
    return result.first() is not None


async def accept_sartname(session: AsyncSession, actor: Principal, sale: Sale) -> Participant:
    """A-23 PRODUCT: the bidder confirms once per lot (per sale) that he read and accepts the şartname;
    the hash of the text he accepted is kept with the acceptance."""
    part = await ensure_participant(session, sale, actor.user_id)
    if part.sartname_accepted_at is None or part.sartname_hash != sale.sartname_hash:
        part.sartname_accepted_at = clock.now()
        part.sartname_hash = sale.sartname_hash
        audit.record(session, "sartname.accepted", "sale", sale.id, actor=actor, office_id=sale.office_id,
                     data={"sartname_hash": sale.sartname_hash})
        await session.flush()
    return part


async def exclude(session: AsyncSession, actor: Principal, sale: Sale, user_id: int, reason: str) -> Participant:
    """A-10: staff mark a person who may not bid in this sale."""
    if await session.get(User, user_id) is None:
        raise UserNotFound(details={"user_id": user_id})
    part = await ensure_participant(session, sale, user_id)
    part.excluded = True
    part.exclusion_reason = reason
    audit.record(session, "bidder.excluded", "sale", sale.id, actor=actor, office_id=sale.office_id,
                 data={"user_id": user_id, "reason": reason})
    await session.flush()
    return part


async def bar(session: AsyncSession, sale: Sale, user_id: int, reason: str) -> None:
    """S-13 (A-70): bar the defaulting buyer from the sale's later rounds. Written on the participant row
    that every bid re-checks (`excluded`), so a bid racing the bar either commits first or is refused."""
    await ensure_participant(session, sale, user_id)
    now = clock.now()
    await session.execute(
        update(Participant).where(Participant.sale_id == sale.id, Participant.user_id == user_id)
        .values(excluded=True, exclusion_reason=reason, barred_at=now, teminat_ok=False, updated_at=now)
        .execution_options(synchronize_session=False))


async def set_teminat_ok(session: AsyncSession, sale_id: int, user_id: int, ok: bool) -> None:
    await session.execute(
        update(Participant).where(Participant.sale_id == sale_id, Participant.user_id == user_id)
        .values(teminat_ok=ok, updated_at=clock.now()).execution_options(synchronize_session=False))
