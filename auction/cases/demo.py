"""Demo parties (appended to `auction.demo.DEMO_EXTENSIONS` after the aftersale demo, which opens the
forklift's file): the file's haciz creditor is followed by its lawyer and the borçlu by himself, each a
`party` account linked to the file with a payout IBAN, so the forklift's cetvel can be paid out and the
sale closed in the browser (D-44: a payout goes to the IBAN the payee's party account declared; without
one the müdür's approval answers `iban_missing`).

The IBANs are written straight into the accounts, as the demo writes the bidders' phones: they are seed
data, not a change a person made (a party changes its IBAN only with an SMS code, `/hesabim/iban`).
Both IBANs are made-up numbers with a valid ISO 13616 check (`auction.users.service.normalise_iban`).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auction.cases.models import Case, Creditor
from auction.cases.parties import link_party
from auction.cases.schemas import PartyLink
from auction.runtime import Runtime
from auction.users.models import User
from auction.users.principal import Principal
from auction.users.service import normalise_iban

FILE_NO = "2026/3307 Esas"  # the aftersale demo's file (auction/aftersale/demo.py), with the forklift
CREDITOR = "Anadolu Yedek Parça A.Ş."  # its haciz creditor on the forklift

# e-mail → (capacity, phone for the SMS codes, IBAN); the accounts themselves are demo logins (auction/demo.py).
PARTIES = {
    "vekil@esatis.test": ("alacakli_vekili", "+905320000003", "TR290006400000112345678901"),
    "borclu@esatis.test": ("borclu", "+905320000004", "TR070001200945200058000035"),
}


async def load_demo_parties(session: AsyncSession, runtime: Runtime, staff: Principal) -> None:
    case = await session.scalar(select(Case).where(Case.file_no == FILE_NO))
    if case is None:  # the aftersale demo did not run: nothing to follow
        return
    creditor_id = await session.scalar(select(Creditor.id).where(Creditor.case_id == case.id,
                                                                 Creditor.name == CREDITOR))
    for email, (capacity, phone, iban) in PARTIES.items():
        await session.execute(update(User).where(User.email == email).values(phone=phone,
                                                                            iban=normalise_iban(iban)))
        await link_party(session, staff, case.id, PartyLink.model_validate({
            "email": email, "capacity": capacity,
            "creditor_id": creditor_id if capacity == "alacakli_vekili" else None}))
