"""Payouts of a cetvel (D-44, D-54; TM-22; S-23, S-24): prepared by one person, approved by a different
müdür (four eyes), exported as a bank payment file, marked sent; the sale closes when everything is paid.

- `prepare` (staff or müdür): one instruction per final line without one (D-54: the D-01 gate met — the
  sale at `distributing` — the line final and not reserved). Creditors are paid to the IBAN their party
  account declared (the creditor itself, else its lawyer), the borçlu's surplus to the borçlu's, the
  satış masrafları to the office's account, harç (tahsil and cezaevi harcı withheld, the seller's tapu
  harcı) to the treasury (`channel = harc`, no IBAN). A creditor that bought the lot against its claim
  (A-57) kept part of the price by paying less: its line is settled by that netting first (`netted`), only
  the rest is paid (`channel = mahsup` when nothing is left to pay), and a line smaller than what it kept
  stops the payouts until the difference is collected (409 `mahsup_shortfall`, OP-21): the office's
  account would be short for the others. `due_by` is 3 working days on
  (`payout.instruction_working_days`, D-44). A line key has one live instruction over every version (a
  partial unique index: a cancelled or recalled one no longer counts).
- `approve` (müdür): one conditional UPDATE `prepared → approved WHERE prepared_by <> me`: two müdürs
  approving at once cannot both win, and whoever prepared it cannot approve it (403 `four_eyes`).
- `export` (staff or müdür): claims every approved instruction into a new payout file in one UPDATE
  (`approved → sent`; a second export finds none), writes the CSV with a TOPLAM line and a SHA-256 line,
  marks the lines paid, emits `payout.sent` per payout, and when every line of the cetvel is paid the
  cetvel becomes `paid` and the sale `closed` (S-24).
- `cancel` (staff or müdür, with a reason): an instruction not yet `sent` (`prepared` or `approved`) becomes
  `cancelled` in one conditional UPDATE (an export claiming it at the same moment wins or loses as a
  whole); its line is payable again and the next `prepare` re-issues the same row as a new instruction
  (the payee and IBAN read again, a new preparer, no approval: four eyes again). A cancelled instruction
  counts as not instructed (`instructed_sums`), so `distributed = instructed + held` keeps holding.
- `prepare_against_guarantee` (staff or müdür; D-43, İİK 142/a): a creditor's share entitled under the served
  cetvel and not final yet (`open` or `disputed`), instructed before finality once the creditor lodged a
  kesin ve süresiz teminat mektubu for the amount the office fixed (the share and its interest). The letter
  is recorded (`PayoutGuarantee`, `held`) with a `prepared` instruction that a müdür approves like any
  other (four eyes); the export marks the line `paid_against_guarantee` (`guarantees.settle` then makes it
  `paid` and releases the letter once the line is final; OP-50).
- `call_guarantee` (müdür; OP-50): the letter called after the objection against its line is upheld; the
  instruction `recalled`, the line `disputed` until the corrected version shares it again.
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auction import clock
from auction.audit import service as audit
from auction.calendar import add_working_days, local_date, local_datetime, office_closing_time
from auction.cases.models import Case, CaseParty, Creditor, PartyCapacity
from auction.clock import iso_ms
from auction.disbursement import forfeit, versions
from auction.disbursement import guarantees as G
from auction.disbursement import lines as L
from auction.disbursement.errors import (
    CetvelState,
    FourEyes,
    GuaranteeInvalid,
    GuaranteeNotAllowed,
    GuaranteeState,
    IbanMissing,
    MahsupShortfall,
    NotDistributable,
    NothingToPay,
    PayoutAlreadySent,
    PayoutNotFound,
    PayoutState,
)
from auction.disbursement.models import Cetvel, CetvelLine, Payout, PayoutFile, PayoutGuarantee
from auction.disbursement.schemas import GuaranteeCall, GuaranteeCreate
from auction.events import service as events
from auction.money import ZERO, fmt
from auction.rules.table import rulebook
from auction.runtime import Runtime
from auction.sales import state
from auction.sales.models import Sale, SaleStatus
from auction.settlement.mahsup import declared_creditor
from auction.settlement.service import settlement_for_sale
from auction.settlement.statement import paid_total
from auction.users.models import Office, Role, User
from auction.users.principal import Principal, ensure_office, requires_role

TREASURY = "Hazine (harç)"
# An instruction may be cancelled until the bank file carries it; `cancelled` ones are not instructed.
CANCELLABLE = ("prepared", "approved")
CANCELLED = "cancelled"
# OP-50: sent, then the teminat mektubu backing it was called: the money is back in the office's account.
RECALLED = "recalled"
NOT_LIVE = (CANCELLED, RECALLED)


def due_by(payable_at: datetime, runtime: Runtime) -> datetime:
    """TM-22. rule: D-44 - the instruction within 3 working days of the money becoming payable."""
    day = local_date(payable_at)
    n = rulebook().row("payout.instruction_working_days", day).integer()
    last = add_working_days(day, n, policy=runtime.policy)
    return local_datetime(last, office_closing_time(last))


async def _creditor_payee(session: AsyncSession, creditor_id: int) -> tuple[str, int | None, str | None]:
    creditor = await session.get(Creditor, creditor_id)
    assert creditor is not None
    links = (await session.execute(select(CaseParty.user_id, CaseParty.capacity).where(
        CaseParty.creditor_id == creditor_id, CaseParty.ended_at.is_(None)).order_by(CaseParty.id))).all()
    order = {PartyCapacity.alacakli.value: 0, PartyCapacity.alacakli_vekili.value: 1}
    candidates = [u for u, _ in sorted(links, key=lambda r: order.get(r[1], 2))]
    if creditor.user_id is not None:
        candidates.append(creditor.user_id)
    for uid in candidates:
        user = await session.get(User, uid)
        if user is not None and user.iban:
            return creditor.name, uid, user.iban
    return creditor.name, (candidates[0] if candidates else None), None


async def _debtor_payee(session: AsyncSession, case: Case) -> tuple[str, int | None, str | None]:
    links = (await session.scalars(select(CaseParty.user_id).where(
        CaseParty.case_id == case.id, CaseParty.capacity == PartyCapacity.borclu.value,
        CaseParty.ended_at.is_(None)).order_by(CaseParty.id))).all()
    candidates = [*([case.debtor_user_id] if case.debtor_user_id else []), *links]
    for uid in candidates:
        user = await session.get(User, uid)
        if user is not None and user.iban:
            return case.debtor, uid, user.iban
    return case.debtor, (candidates[0] if candidates else None), None


async def _payee(session: AsyncSession, cetvel: Cetvel, ln: CetvelLine) -> tuple[str, int | None, str | None, str]:
    """(party, its user, IBAN, channel) of one line."""
    if ln.kind == "harc" or (ln.kind == "deduction" and ln.ref == "tapu_harci_satici"):
        return TREASURY, None, None, "harc"
    if ln.kind == "deduction":
        office = await session.get(Office, cetvel.office_id)
        assert office is not None
        return f"{office.name} (satış masrafları)", None, office.iban, "eft"
    if ln.kind == "surplus":
        case = await session.get(Case, cetvel.case_id)
        assert case is not None
        return (*await _debtor_payee(session, case), "eft")
    if ln.creditor_id is None:
        return ln.name, None, None, "eft"
    return (*await _creditor_payee(session, ln.creditor_id), "eft")


async def kept_by_buyer(session: AsyncSession, runtime: Runtime, sale: Sale) -> tuple[int, Decimal] | None:
    """A-57, OP-21: the creditor the buyer bought for against its claim, and what the buyer kept of the price
    by netting — the price less the teminat credited to it and the cash it paid towards it. The actual
    payments decide, not a recomputed share: that part of the price never reached the office's account."""
    creditor_id = await declared_creditor(session, sale, sale.winner_user_id)
    if creditor_id is None or sale.price is None:
        return None
    settlement = await settlement_for_sale(session, sale, policy=runtime.policy)
    assert settlement is not None
    paid = await paid_total(session, sale.id, sale.winner_user_id, "price")
    return creditor_id, max(ZERO, settlement.price - settlement.teminat_credit - paid)


def _netting(ln: CetvelLine, kept: tuple[int, Decimal] | None) -> Decimal:
    """The part of a final line settled by the buyer's netting (zero for every line but its creditor's)."""
    if kept is None or ln.kind != "creditor" or ln.creditor_id != kept[0]:
        return ZERO
    if ln.amount < kept[1]:
        raise MahsupShortfall(details={"line": ln.key, "share": fmt(ln.amount), "netted": fmt(kept[1]),
                                       "owed_by_buyer": fmt(kept[1] - ln.amount), "rule": "A-57", "policy": "OP-21"})
    return kept[1]


@requires_role(Role.staff, Role.manager, Role.admin)
async def prepare(session: AsyncSession, runtime: Runtime, actor: Principal, cetvel: Cetvel) -> list[Payout]:
    if cetvel.status not in ("partly_final", "final"):
        raise CetvelState(details={"status": cetvel.status, "allowed_from": ["partly_final", "final"]})
    sale = await session.get(Sale, cetvel.sale_id)
    assert sale is not None
    if sale.status != SaleStatus.distributing.value:  # D-01
        raise NotDistributable(details={"status": sale.status})
    rows = await versions.current_lines(session, cetvel)
    every = await payouts_of(session, cetvel.id)
    live = {p.key for p in every if p.status not in NOT_LIVE}
    cancelled = {p.key: p for p in every if p.status == CANCELLED}
    kept = await kept_by_buyer(session, runtime, sale)
    for ln in rows:  # a shortfall stops every payout, before any is written: the others would not be funded
        if ln.state == "final" and ln.key not in live:
            _netting(ln, kept)
    now = clock.now()
    made: list[Payout] = []
    reissued: list[int] = []
    for ln in rows:
        if ln.state != "final" or ln.amount <= ZERO or ln.key in live:
            continue
        old = cancelled.get(ln.key)
        party, user_id, iban, channel = await _payee(session, cetvel, ln)
        netted = _netting(ln, kept)
        if netted == ln.amount:
            iban, channel = None, "mahsup"  # nothing leaves the account: the buyer kept it all
        fields = {"version": cetvel.version, "line_id": ln.id, "kind": ln.kind, "party": party[:200],
                  "party_user_id": user_id, "iban": iban, "channel": channel, "amount": ln.amount, "netted": netted,
                  "status": "prepared", "due_by": due_by(ln.payable_at or now, runtime),
                  "prepared_by": actor.user_id, "approved_by": None, "approved_at": None, "updated_at": now}
        if old is None:
            p = Payout(cetvel_id=cetvel.id, key=ln.key, created_at=now, **fields)
            session.add(p)
        else:
            # A line key has one instruction row (unique): a cancelled one is issued again, with whatever
            # approval it had cleared, so the re-issued instruction needs a new one (four eyes).
            p = old
            for name, value in fields.items():
                setattr(p, name, value)
            reissued.append(p.id)
        made.append(p)
    if not made:
        raise NothingToPay(details={"status": cetvel.status})
    await session.flush()
    audit.record(session, "payout.prepared", "distribution", cetvel.id, actor=actor, office_id=cetvel.office_id,
                 data={"rule": "D-44", "payouts": [{"id": p.id, "key": p.key, "amount": str(p.amount),
                                                    "netted": str(p.netted), "iban": p.iban,
                                                    "channel": p.channel} for p in made],
                       "reissued": reissued, "due_by": {p.key: iso_ms(p.due_by) for p in made}})
    return made


@requires_role(Role.staff, Role.manager, Role.admin)
async def prepare_against_guarantee(session: AsyncSession, runtime: Runtime, actor: Principal, cetvel: Cetvel,
                                    body: GuaranteeCreate) -> tuple[Payout, PayoutGuarantee]:
    """D-43: record the letter and prepare the instruction it backs (the caller holds the cetvel's lock)."""
    # rule: D-43 - "entitled under the served cetvel ... before the cetvel is final": served (the window
    # running, lines open) or partly final (lines disputed).
    if cetvel.status not in ("served", "partly_final"):
        raise GuaranteeNotAllowed(details={"status": cetvel.status, "allowed_from": ["served", "partly_final"]})
    sale = await session.get(Sale, cetvel.sale_id)
    assert sale is not None
    if sale.status != SaleStatus.distributing.value:  # D-01, D-54
        raise NotDistributable(details={"status": sale.status})
    key = f"creditor:{body.creditor_id}"
    rows = await versions.current_lines(session, cetvel)
    ln = next((x for x in rows if x.key == key), None)
    if ln is None:
        raise GuaranteeInvalid("Cetvelde bu alacaklının payı yok.", details={"creditor_id": body.creditor_id})
    if ln.state not in ("open", "disputed") or ln.amount <= ZERO:
        raise GuaranteeNotAllowed(details={"line": key, "state": ln.state, "amount": str(ln.amount)})
    # An objection against the line already upheld (awaiting its corrected version) denies the entitlement.
    upheld = versions.held_refs([o for o in await versions.holding_objections(session, cetvel.id)
                                 if o.status == "upheld"])
    if body.creditor_id in upheld:
        raise GuaranteeNotAllowed("Bu paya karşı itiraz kabul edildi; düzeltilmiş cetvel beklenir (D-48).",
                                  details={"line": key, "objection": "upheld"})
    if body.amount < ln.amount:
        raise GuaranteeInvalid("Teminat tutarı en az ödenecek pay kadar olmalıdır (pay ve faizi, D-43).",
                               details={"field": "amount", "share": str(ln.amount), "amount": str(body.amount)})
    now = clock.now()
    if body.letter_date > local_date(now):
        raise GuaranteeInvalid("Teminat mektubunun tarihi ileri bir tarih olamaz.", details={"field": "letter_date"})
    of_key = list((await session.scalars(select(Payout).where(Payout.cetvel_id == cetvel.id, Payout.key == key)
                                         .execution_options(populate_existing=True))).all())
    live = [x for x in of_key if x.status not in NOT_LIVE]
    if live:
        raise GuaranteeNotAllowed("Bu satır için zaten bir ödeme talimatı var.",
                                  details={"line": key, "payout_id": live[0].id, "status": live[0].status})
    old = next((x for x in of_key if x.status == CANCELLED), None)
    party, user_id, iban, channel = await _payee(session, cetvel, ln)
    fields = {"version": cetvel.version, "line_id": ln.id, "kind": ln.kind, "party": party[:200],
              "party_user_id": user_id, "iban": iban, "channel": channel, "amount": ln.amount, "netted": ZERO,
              "status": "prepared", "due_by": due_by(now, runtime), "prepared_by": actor.user_id,
              "approved_by": None, "approved_at": None, "updated_at": now}
    if old is None:
        p = Payout(cetvel_id=cetvel.id, key=key, created_at=now, **fields)
        session.add(p)
    else:
        p = old
        for name, value in fields.items():
            setattr(p, name, value)
    await session.flush()
    g = PayoutGuarantee(cetvel_id=cetvel.id, payout_id=p.id, key=key, version=cetvel.version, bank=body.bank.strip(),
                        letter_no=body.letter_no.strip(), letter_date=body.letter_date, amount=body.amount,
                        share=ln.amount, status=G.HELD, recorded_by=actor.user_id, created_at=now, updated_at=now)
    session.add(g)
    await session.flush()
    v = await versions.current_version(session, cetvel)
    L.check(rows, v.distributed)
    audit.record(session, "payout.guarantee_recorded", "distribution", cetvel.id, actor=actor,
                 office_id=cetvel.office_id, data={
                     "rule": "D-43", "policy": "OP-50", "guarantee_id": g.id, "payout_id": p.id, "key": key,
                     "line_state": ln.state, "share": str(ln.amount), "amount": str(g.amount),
                     "interest": str(g.amount - ln.amount), "bank": g.bank, "letter_no": g.letter_no,
                     "letter_date": g.letter_date.isoformat(), "iban": p.iban})
    return p, g


@requires_role(Role.manager, Role.admin)
async def approve(session: AsyncSession, actor: Principal, payout_id: int) -> Payout:
    """Four eyes in the one write that decides: whoever commits first wins; the other waits for the row
    lock, re-reads it (READ COMMITTED) and finds it no longer `prepared`."""
    p = await session.get(Payout, payout_id)
    if p is None:
        raise PayoutNotFound(details={"payout_id": payout_id})
    cetvel = await session.get(Cetvel, p.cetvel_id)
    assert cetvel is not None
    ensure_office(actor, cetvel.office_id)
    if p.prepared_by == actor.user_id:
        raise FourEyes(details={"payout_id": p.id, "prepared_by": p.prepared_by})
    if p.channel == "eft" and not p.iban:
        raise IbanMissing(details={"payout_id": p.id, "party": p.party})
    now = clock.now()
    if not await approve_write(session, p.id, actor.user_id, now):
        current = await session.scalar(select(Payout.status).where(Payout.id == p.id))
        raise PayoutState(details={"payout_id": p.id, "status": current})
    await session.refresh(p)
    audit.record(session, "payout.approved", "payout", p.id, actor=actor, office_id=cetvel.office_id,
                 data={"rule": "D-44", "distribution_id": cetvel.id, "key": p.key, "amount": str(p.amount),
                       "prepared_by": p.prepared_by})
    return p


async def approve_write(session: AsyncSession, payout_id: int, user_id: int, now: datetime) -> bool:
    """The one write that decides an approval (the row lock serialises two approvers)."""
    won = (await session.execute(update(Payout).where(
        Payout.id == payout_id, Payout.status == "prepared", Payout.prepared_by != user_id,
    ).values(status="approved", approved_by=user_id, approved_at=now, updated_at=now)
        .returning(Payout.id))).first()
    return won is not None


@requires_role(Role.staff, Role.manager, Role.admin)
async def cancel(session: AsyncSession, actor: Principal, cetvel: Cetvel, payout: Payout, reason: str) -> Payout:
    """An instruction not yet sent, cancelled (a wrong IBAN, a late objection). The caller holds the cetvel's
    lock; the conditional UPDATE still decides, so a payout a concurrent export claimed stays `sent`."""
    before = {"status": payout.status, "approved_by": payout.approved_by, "iban": payout.iban}
    now = clock.now()
    won = (await session.execute(update(Payout).where(
        Payout.id == payout.id, Payout.status.in_(CANCELLABLE),
    ).values(status=CANCELLED, updated_at=now).returning(Payout.id))).first()
    if won is None:
        current = await session.scalar(select(Payout.status).where(Payout.id == payout.id))
        if current == "sent":
            raise PayoutAlreadySent(details={"payout_id": payout.id, "status": current})
        raise PayoutState(details={"payout_id": payout.id, "status": current, "allowed_from": list(CANCELLABLE)})
    await session.refresh(payout)
    # The lines do not move (a cancelled instruction leaves its line `final`, payable again); the invariant
    # is checked all the same, as on every write of the distribution.
    v = await versions.current_version(session, cetvel)
    L.check(await versions.current_lines(session, cetvel), v.distributed)
    audit.record(session, "payout.cancelled", "payout", payout.id, actor=actor, office_id=cetvel.office_id,
                 data={"rule": "D-44", "distribution_id": cetvel.id, "key": payout.key,
                       "amount": str(payout.amount), "reason": reason, "was": before})
    return payout


@requires_role(Role.manager, Role.admin)
async def call_guarantee(session: AsyncSession, actor: Principal, cetvel: Cetvel, g: PayoutGuarantee,
                         body: GuaranteeCall) -> PayoutGuarantee:
    """OP-50: the court upheld (or is about to have recorded as upheld) an objection against a line paid
    against a letter; the müdür called the letter and the bank paid. The money is back: the instruction is
    `recalled` (no longer instructed, so `held` grows by the share), the line `disputed` again (held by the
    objection, D-53), the letter `called`. The interest (what the bank paid beyond the share) enters the
    corrected version as nema (`versions._store`, D-62). The caller holds the cetvel's lock."""
    if g.status != G.HELD:
        raise GuaranteeState(details={"guarantee_id": g.id, "status": g.status})
    p = await session.get(Payout, g.payout_id)
    assert p is not None
    rows = await versions.current_lines(session, cetvel)
    ln = next((x for x in rows if x.key == g.key), None)
    held = versions.held_refs([o for o in await versions.holding_objections(session, cetvel.id)
                               if o.status == "pending"])
    if p.status != "sent" or ln is None or ln.state != G.PAID_AGAINST_GUARANTEE or G.ref_of(g.key) not in held:
        raise GuaranteeState("Mektup yalnızca teminat karşılığı ödenmiş ve bekleyen bir itirazın tuttuğu bir satır "
                             "için paraya çevrilir; gönderilmemiş talimat iptal edilir.",
                             details={"guarantee_id": g.id, "payout_status": p.status,
                                      "line_state": ln.state if ln else None})
    if not g.share <= body.called_amount <= g.amount:
        raise GuaranteeInvalid("Tahsil edilen tutar ödenen paydan az, mektup tutarından çok olamaz.",
                               details={"field": "called_amount", "share": str(g.share), "amount": str(g.amount)})
    now = clock.now()
    if body.called_on > local_date(now):
        raise GuaranteeInvalid("Tahsil tarihi ileri bir tarih olamaz.", details={"field": "called_on"})
    won = (await session.execute(update(Payout).where(Payout.id == p.id, Payout.status == "sent")
                                 .values(status=RECALLED, updated_at=now).returning(Payout.id))).first()
    if won is None:
        raise GuaranteeState(details={"guarantee_id": g.id, "payout_id": p.id})
    ln.state = "disputed"
    g.status = "called"
    g.called_amount = body.called_amount
    g.called_on = body.called_on
    g.called_by = actor.user_id
    g.updated_at = now
    await session.flush()
    v = await versions.current_version(session, cetvel)
    L.check(rows, v.distributed)
    audit.record(session, "payout.guarantee_called", "distribution", cetvel.id, actor=actor,
                 office_id=cetvel.office_id, data={
                     "rule": "D-43", "policy": "OP-50", "guarantee_id": g.id, "payout_id": p.id, "key": g.key,
                     "called_amount": str(body.called_amount), "principal": str(g.share),
                     "interest": str(body.called_amount - g.share), "called_on": body.called_on.isoformat(),
                     "reason": body.reason.strip()})
    return g


def payment_file(cetvel: Cetvel, payouts: list[Payout], created_at: datetime) -> tuple[str, str, Decimal, int]:
    """The bank payment file: one line per payout with money to move (what the buyer's netting left of it,
    A-57), a TOPLAM line (count and sum), and a SHA-256 line over every byte before it (UTF-8, CRLF line
    ends), so the bank and the office can check it was not altered. A payout settled whole by netting moves
    no money and has no row; its line is paid all the same."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(["odeme_no", "alici", "iban", "kanal", "tutar", "aciklama"])
    total, count = ZERO, 0
    for p in payouts:
        cash = p.amount - p.netted
        if cash <= ZERO:
            continue
        total += cash
        count += 1
        note = f"Sira cetveli {cetvel.id} v{p.version} {p.key}"
        if p.netted > ZERO:
            note += f" (pay {fmt(p.amount)}, mahsup {fmt(p.netted)})"
        w.writerow([p.id, p.party, p.iban or "", p.channel, fmt(cash), note])
    w.writerow(["TOPLAM", count, "", "", fmt(total), iso_ms(created_at)])
    body = buf.getvalue()
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    return body + f"SHA256;{digest}\r\n", digest, total, count


@requires_role(Role.staff, Role.manager, Role.admin)
async def export(session: AsyncSession, runtime: Runtime, actor: Principal, cetvel: Cetvel) -> PayoutFile:
    now = clock.now()
    f = PayoutFile(cetvel_id=cetvel.id, content="", sha256="", total=ZERO, count=0, created_by=actor.user_id,
                   created_at=now)
    session.add(f)
    await session.flush()
    claimed = list((await session.execute(update(Payout).where(
        Payout.cetvel_id == cetvel.id, Payout.status == "approved",
    ).values(status="sent", file_id=f.id, sent_at=now, updated_at=now).returning(Payout.id))).scalars().all())
    if not claimed:
        raise NothingToPay("Onaylanmış ve gönderilmemiş ödeme talimatı yok.")
    sent = list((await session.scalars(select(Payout).where(Payout.id.in_(claimed)).order_by(Payout.id)
                                       .execution_options(populate_existing=True))).all())
    f.content, f.sha256, f.total, f.count = payment_file(cetvel, sent, now)
    sale = await session.get(Sale, cetvel.sale_id)
    assert sale is not None
    rows = {ln.key: ln for ln in await versions.current_lines(session, cetvel)}
    guaranteed = {g.key for g in await G.held_of(session, cetvel.id)}
    for p in sent:
        ln = rows.get(p.key)
        if ln is not None:
            # D-43: a share paid before its line is final is paid against the letter the office holds.
            ln.state = G.PAID_AGAINST_GUARANTEE if ln.state != "final" and p.key in guaranteed else "paid"
        audit.record(session, "payout.sent", "payout", p.id, actor=actor, office_id=cetvel.office_id,
                     data={"rule": "D-44", "file_id": f.id, "key": p.key, "amount": str(p.amount),
                           "netted": str(p.netted)})
        events.emit(session, "payout.sent", {
            "payout_id": p.id, "distribution_id": cetvel.id, "sale_id": sale.id, "case_id": cetvel.case_id,
            "kind": p.kind, "channel": p.channel, "amount": str(p.amount), "netted": str(p.netted),
            "cash": str(p.amount - p.netted), "party_user_id": p.party_user_id,
            "sent_at": iso_ms(now)}, subject_type="payout", subject_id=p.id, office_id=cetvel.office_id)
    v = await versions.current_version(session, cetvel)
    L.check(rows.values(), v.distributed)
    audit.record(session, "payout.file", "distribution", cetvel.id, actor=actor, office_id=cetvel.office_id,
                 data={"file_id": f.id, "count": f.count, "total": str(f.total), "sha256": f.sha256})
    await session.flush()
    await close_if_paid(session, actor, cetvel, sale, now)
    return f


async def close_if_paid(session: AsyncSession, actor: Principal, cetvel: Cetvel, sale: Sale, now: datetime) -> bool:
    """S-24: every line paid (nothing disputed, reserved or held) → the cetvel `paid`, the sale `closed`."""
    rows = await versions.current_lines(session, cetvel)
    if cetvel.status != "final" or any(ln.state != "paid" for ln in rows if ln.amount > ZERO):
        return False
    cetvel.status = "paid"
    cetvel.paid_at = now
    cetvel.updated_at = now
    await state.apply(session, sale.id, "distribution_paid", now=now, values={"closed_at": now})
    forfeitures = await forfeit.mark_distributed(session, sale.id)
    audit.record(session, "distribution.paid", "distribution", cetvel.id, actor=actor, office_id=cetvel.office_id,
                 data={"rule": "S-24", "forfeitures_distributed": forfeitures})
    audit.record(session, "sale.closed", "sale", sale.id, actor=actor, office_id=sale.office_id,
                 data={"rule": "S-24", "distribution_id": cetvel.id})
    return True


async def payouts_of(session: AsyncSession, cetvel_id: int) -> list[Payout]:
    return list((await session.scalars(select(Payout).where(Payout.cetvel_id == cetvel_id).order_by(Payout.id)
                                       .execution_options(populate_existing=True))).all())


async def instructed_sums(session: AsyncSession, cetvel_id: int) -> tuple[Decimal, Decimal]:
    """What is instructed (every payout neither cancelled nor recalled) and what of it was sent."""
    payouts = [p for p in await payouts_of(session, cetvel_id) if p.status not in NOT_LIVE]
    instructed = sum((p.amount for p in payouts), ZERO)
    sent = sum((p.amount for p in payouts if p.status == "sent"), ZERO)
    return instructed, sent


async def file_of(session: AsyncSession, file_id: int) -> PayoutFile | None:
    return await session.get(PayoutFile, file_id)
