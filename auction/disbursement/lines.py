"""A version's lines: how an engine result becomes the outflows the office pays, their states, and the
invariant checked on every write.

Every kuruş of the money shared (the engine's `price`) is on exactly one line:
- `deduction:<id>`: a cost or the seller's tapu harcı (D-05, T-21);
- `creditor:<cid>`: a creditor's net payout (share − tahsil harcı − cezaevi harcı, T-25, T-26, T-30);
- `harc:<cid>`: the harç withheld from that share, due to the treasury (T-30);
- `surplus`: what the last derece leaves, for the borçlu (D-49, OP-47).
The engine's own check (`price = deductions + shares + debtor_surplus`) makes the sum exact; `check` holds
the stored lines against the version's `distributed` amount again on every write (the issue's invariant:
price = paid out + harç withheld + held + surplus).

Line states (D-52): `open` (served, window running, or draft), `final` (payable, D-54), `disputed` (held
by an objection, D-53), `reserved` (the engine's `reserved`: an ihtiyati haciz, D-14), `held` (the
surplus while anything else is not final: "surplus only when the cetvel is wholly final"), `paid`,
`paid_against_guarantee` (paid before final against a teminat mektubu, D-43; `paid` once final).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from auction.disbursement.errors import InvariantBroken
from auction.disbursement.models import CetvelLine
from auction.money import ZERO

STATES = ("open", "final", "disputed", "reserved", "held", "paid", "paid_against_guarantee")


def lines_of(result: dict[str, Any], creditor_ids: dict[str, int]) -> list[dict[str, Any]]:
    """The outflows of one engine result, in cetvel order, each with its amount as a Decimal."""
    out: list[dict[str, Any]] = []
    for d in result.get("deductions", []):
        out.append({"key": f"deduction:{d['id']}", "kind": "deduction", "ref": d["id"], "creditor_id": None,
                    "name": d.get("label") or d["id"], "amount": Decimal(d["amount"]), "reserved": False,
                    "rules": ["D-05", "T-21"] if d["id"] == "tapu_harci_satici" else ["D-05"]})
    for a in result.get("allocations", []):
        cid = a["creditor_id"]
        reserved = a.get("status") == "reserved"
        name = a.get("name") or cid
        fees = Decimal(a.get("tahsil_harci", "0")) + Decimal(a.get("cezaevi_harci", "0"))
        out.append({"key": f"creditor:{cid}", "kind": "creditor", "ref": cid, "creditor_id": creditor_ids.get(cid),
                    "name": name, "amount": Decimal(a["net_payout"]), "reserved": reserved,
                    "rules": ["D-44", "D-54"]})
        if fees > ZERO:
            out.append({"key": f"harc:{cid}", "kind": "harc", "ref": cid, "creditor_id": creditor_ids.get(cid),
                        "name": f"Tahsil ve cezaevi harcı ({name})", "amount": fees, "reserved": reserved,
                        "rules": ["T-25", "T-26", "T-30"]})
    surplus = Decimal(result.get("debtor_surplus", "0"))
    if surplus > ZERO:
        out.append({"key": "surplus", "kind": "surplus", "ref": None, "creditor_id": None, "name": "Borçlu (artan)",
                    "amount": surplus, "reserved": False, "rules": ["D-49", "OP-47"]})
    return out


def check(lines: Iterable[CetvelLine], distributed: Decimal) -> None:
    """The invariant, to the kuruş. Called by every write of lines or their states."""
    total = sum((ln.amount for ln in lines), ZERO)
    if total != distributed:
        raise InvariantBroken(details={"distributed": str(distributed), "lines": str(total)})


def totals(lines: Sequence[CetvelLine], distributed: Decimal, instructed: Decimal, sent: Decimal) -> dict[str, str]:
    """`distributed` = `instructed` (every payout prepared, whatever its status) + `held` (the rest, still in
    the office's account); by state as well, and the harç and surplus parts."""
    by_state = {s: ZERO for s in STATES}
    for ln in lines:
        by_state[ln.state] += ln.amount
    harc = sum((ln.amount for ln in lines if ln.kind == "harc"), ZERO)
    surplus = sum((ln.amount for ln in lines if ln.kind == "surplus"), ZERO)
    # D-60: the lines of the forfeited teminat's run (keys `forfeit:…`); the rest shares the price.
    forfeited = sum((ln.amount for ln in lines if ln.key.startswith("forfeit:")), ZERO)
    # D-62: the nema of the price held during a rejected fesih (keys `nema:…`).
    nema = sum((ln.amount for ln in lines if ln.key.startswith("nema:")), ZERO)
    return {"distributed": str(distributed), "price": str(distributed - forfeited - nema),
            "forfeited": str(forfeited), "nema": str(nema),
            "instructed": str(instructed), "held": str(distributed - instructed),
            "sent": str(sent), "harc_withheld": str(harc), "surplus": str(surplus),
            **{f"state_{s}": str(v) for s, v in by_state.items()}}
