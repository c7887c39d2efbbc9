"""Helpers of the distribution tests (a uniquely named module: test folders have no __init__.py)."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

# The worked cases are part of the law catalogue (docs/law/examples/, one copy): found from the repository
# root, so this module may move inside tests/ without a change.
ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
EXAMPLES = ROOT / "docs" / "law" / "examples"
EXAMPLE_NAMES = sorted(p.name.removesuffix(".json") for p in EXAMPLES.glob("*.json")
                       if not p.name.endswith(".expected.json"))


def load_example(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    case = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    expected = json.loads((EXAMPLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    return case, expected


def base_case(**overrides: Any) -> dict[str, Any]:
    """A small valid case (a taşınır, so no tapu harcı) that tests change field by field."""
    case: dict[str, Any] = {
        "sale_date": "2026-03-02",
        "paid_in_date": "2026-03-10",
        "price": "100000.00",
        "asset": {"kind": "tasinir", "use": "diger", "kdv_rate": None},
        "buyer": {"bank_17_4_r": False},
        "costs": [],
        "creditors": [],
    }
    case.update(copy.deepcopy(overrides))
    return case


def haciz(cid: str, haciz_date: str, takip_date: str, principal: str, *, sira: int = 4,
          document_date: str | None = None, kind: str = "haciz", **claim: Any) -> dict[str, Any]:
    line: dict[str, Any] = {"id": cid, "name": cid, "kind": kind, "haciz_date": haciz_date,
                            "takip_date": takip_date, "sira": sira, "claim": {"principal": principal, **claim}}
    if document_date is not None:
        line["document_date"] = document_date
    return line


def kamu(cid: str, haciz_date: str, principal: str) -> dict[str, Any]:
    return {"id": cid, "name": cid, "kind": "kamu_haczi", "haciz_date": haciz_date,
            "claim": {"principal": principal}}


def rehin(cid: str, degree: int, principal: str, limit: str | None = None, **claim: Any) -> dict[str, Any]:
    line: dict[str, Any] = {"id": cid, "name": cid, "kind": "rehin", "degree": degree,
                            "claim": {"principal": principal, **claim}}
    if limit is not None:
        line["limit"] = limit
    return line


def by_id(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["creditor_id"]: a for a in result["allocations"]}


def D(value: str) -> Decimal:
    return Decimal(value)
