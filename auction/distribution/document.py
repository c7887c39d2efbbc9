"""The sıra cetveli as a document: HTML (Jinja2) and PDF (WeasyPrint), from a distribution result.

No I/O beyond returning text or bytes: the caller stores or serves them. The document carries the columns a
müdür signs (D-50): creditor, basis, derece and sıra, claim breakdown, share, status, fees, net payout,
shortfall and certificate, each figure with the rule that produced it (G-11); the header (office, file,
cetvel number and version, lot, ihale date, price, paid-in date, legal basis, müdür); the deductions; totals
per stage and derece with the public and private parts; the debtor surplus; the check line; the notice of
rights (D-41, D-43) and the rule rows used. Turkish, A4 landscape, page numbers.

A document for people: the body names every party by its name and cites the law in words (İİK 140, the
Harçlar Kanunu); the machine trail — rule ids, rule rows and their sources, the engine's paths and creditor
ids, the computation steps — is kept whole in the dashed annex "Ek — Makine izi" at the end, as the
office's other documents do (docs/aftersale.md "Documents"), so every figure stays traceable.

`result` is the JSON a `distribute()` call returned (as stored with the sale) or a `Distribution`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from auction.distribution.result import Distribution
from auction.money import fmt_tr
from auction.rules.policy import Policy
from auction.rules.table import rulebook


@dataclass(frozen=True)
class CetvelMeta:
    """What the document shows beyond the engine's result; every field is optional."""

    office_name: str | None = None  # "İstanbul 12. İcra Dairesi"
    file_no: str | None = None  # "2025/12345 Esas"
    lot_title: str | None = None
    cetvel_no: str | None = None
    version: int | None = None
    cetvel_date: date | None = None
    mudur_name: str | None = None
    legal_basis: str | None = None  # default: İİK 140 (haciz) or İİK 151 (rehin only)
    draft: bool = True  # D-52: a draft until the müdür approves it
    creditor_files: Mapping[str, str] | None = None  # creditor id → takip file and office (D-50 column 2)
    include_explain: bool = True  # the computation appendix (G-11)


_KIND_TR = {
    "rehin": "Rehin / ipotek",
    "asset_tax": "Mala ilişkin vergi",
    "haciz": "Kesin haciz",
    "ihtiyati_haciz": "İhtiyati haciz",
    "kamu_haczi": "6183 kamu haczi",
    "takipsiz": "Takipsiz iştirak (İİK 101)",
}
_STAGE_TR = {"rehin": "Rehin", "asset_tax": "Mala ilişkin vergiler", "haciz": "Haciz"}
_STATUS_TR = {"paid": "Ödenecek", "reserved": "Bloke (İİK 138/4)"}
_CERT_TR = {"aciz_vesikasi": "Aciz vesikası", "rehin_acigi_belgesi": "Rehin açığı belgesi"}


def _money(value: Any) -> str:
    if value is None or value == "":
        return "—"
    try:
        return fmt_tr(Decimal(str(value)), currency=False)
    except InvalidOperation:
        return str(value)


def _date(value: Any) -> str:
    if not value:
        return "—"
    d = value if isinstance(value, date) else date.fromisoformat(str(value))
    return d.strftime("%d.%m.%Y")


def _rate(value: Any) -> str:
    """"0.1199" → "% 11,99" (Turkish writes the per-cent sign first)."""
    if value is None:
        return "—"
    pct = (Decimal(str(value)) * 100).normalize()
    text = f"{pct:f}".replace(".", ",")
    return f"% {text}"


def _value(value: Any) -> str:
    """An explain value: money in the Turkish form, anything else (a derece, a status) as it is."""
    text = str(value)
    head, _, tail = text.partition(".")
    if len(tail) == 2 and head.lstrip("-").isdigit() and tail.isdigit():
        return _money(text)
    return text


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(loader=PackageLoader("auction.distribution", "templates"),
                      autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["tl"] = _money
    env.filters["tarih"] = _date
    env.filters["oran"] = _rate
    env.filters["deger"] = _value
    return env


# The engine's figure paths as the annex names them in Turkish (the path itself is printed beside it).
_FIELD_TR = {
    "kdv": "KDV", "damga_vergisi": "damga vergisi", "tapu_harci_alici": "tapu harcı (alıcı payı)",
    "total_due": "alıcının ödeyeceği toplam", "claim_breakdown.interest": "faiz", "claim_breakdown.principal": "asıl",
    "claim_breakdown.costs": "masraf", "claim_total": "satış tarihindeki alacak", "derece": "derece",
    "share": "pay", "tahsil_harci": "tahsil harcı", "cezaevi_harci": "cezaevi harcı", "net_payout": "net ödeme",
    "certificate": "belge", "shortfall": "açık", "kamu_part": "kamu payı", "private_part": "özel pay",
}
_PATH = re.compile(r"^(?P<head>[a-z_]+)(?:\[(?P<key>[^\]]+)\])?(?:\.(?P<field>.+))?$")


def _figure_label(path: str, names: Mapping[str, str], deductions: Mapping[str, str]) -> str:
    """`allocations[cr1].net_payout` → "Anadolu Yedek Parça A.Ş.: net ödeme" (the annex's Turkish column)."""
    m = _PATH.match(path)
    if m is None:
        return path
    head, key, fld = m["head"], m["key"], m["field"]
    what = _FIELD_TR.get(fld or "", fld or "")
    if head == "buyer_settlement":
        return f"Alıcı: {what}"
    if head == "allocations" and key:
        return f"{names.get(key, key)}: {what}"
    if head == "deductions" and key:
        return f"Kesinti: {deductions.get(key, key)}"
    if head == "stages" and key:
        stage, _, degree = key.partition(" ")
        return f"{_STAGE_TR.get(stage, stage)} {degree}. derece: {what}".replace("  ", " ")
    return {"distributable": "Paylaştırılacak tutar", "debtor_surplus": "Borçluya kalan",
            "check": "Denetim: bedel = kesintiler + paylar + borçluya kalan"}.get(head, path)


_LAW = re.compile(r"\bLaw (\d+)")


def _source_tr(source: str) -> str:
    """A rule row's source as the rule tables state it, with the English words said in Turkish ("Law 2548
    m.1" → "2548 sayılı Kanun m.1"; an open point's "default" → "varsayılan")."""
    return _LAW.sub(r"\1 sayılı Kanun", source).replace(" default", " (varsayılan)")


def _rule_tr(rule: str) -> str:
    return rule.replace("contract step ", "hesap adımı ")


def _rules_by_figure(explain: list[Mapping[str, Any]]) -> dict[str, list[str]]:
    """path → sorted rule ids (and rule rows) of every explain entry for that figure."""
    out: dict[str, set[str]] = defaultdict(set)
    for e in explain:
        out[e["path"]].update(e.get("rules", []))
    return {k: sorted(v) for k, v in out.items()}


def context(result: Mapping[str, Any] | Distribution, meta: CetvelMeta | None = None,
            policy: Policy | None = None) -> dict[str, Any]:
    """Everything the template shows, prepared (exposed for tests and for other renderers)."""
    data: Mapping[str, Any] = result.to_json() if isinstance(result, Distribution) else result
    meta = meta or CetvelMeta()
    policy = policy or Policy(rulebook())
    explain: list[Mapping[str, Any]] = list(data.get("explain") or [])
    rules = _rules_by_figure(explain)
    stages = list(data.get("stages", []))
    has_haciz = any(s["stage"] == "haciz" for s in stages)
    legal_basis = meta.legal_basis or ("İİK 140–142 (haciz yoluyla satış)" if has_haciz
                                       else "İİK 151 (rehnin paraya çevrilmesi), 140–142")
    shortfall = bool(data.get("sira_cetveli_required",
                              any(Decimal(a["shortfall"]) > 0 for a in data.get("allocations", []))))

    names = {a["creditor_id"]: a.get("name") or a["creditor_id"] for a in data.get("allocations", [])}
    deductions = {d["id"]: d.get("label") or d["id"] for d in data.get("deductions", [])}
    rows = []
    for n, a in enumerate(data.get("allocations", []), start=1):
        cid = a["creditor_id"]
        base = f"allocations[{cid}]"
        basis = a.get("basis") or {}
        rows.append({
            "no": n,
            "a": a,
            "kind_tr": _KIND_TR.get(a.get("kind", ""), a.get("kind", "")),
            "stage_tr": _STAGE_TR.get(a["stage"], a["stage"]),
            "status_tr": _STATUS_TR.get(a["status"], a["status"]),
            "cert_tr": _CERT_TR.get(a["certificate"] or "", "—"),
            "basis": basis,
            "file": (meta.creditor_files or {}).get(cid, ""),
            "share_rules": ", ".join(rules.get(f"{base}.share", [])),
            "fee_rules": ", ".join(sorted(set(rules.get(f"{base}.tahsil_harci", []))
                                          | set(rules.get(f"{base}.cezaevi_harci", [])))),
            "cert_rules": ", ".join(rules.get(f"{base}.certificate", [])),
            "derece_rules": ", ".join(rules.get(f"{base}.derece", [])),
        })

    totals = {
        "shares": sum((Decimal(a["share"]) for a in data.get("allocations", [])), Decimal("0.00")),
        "tahsil": sum((Decimal(a["tahsil_harci"]) for a in data.get("allocations", [])), Decimal("0.00")),
        "cezaevi": sum((Decimal(a["cezaevi_harci"]) for a in data.get("allocations", [])), Decimal("0.00")),
        "net": sum((Decimal(a["net_payout"]) for a in data.get("allocations", [])), Decimal("0.00")),
        "shortfall": sum((Decimal(a["shortfall"]) for a in data.get("allocations", [])), Decimal("0.00")),
    }
    sikayet = policy.get("cetvel.sikayet_from")
    serve_debtor = policy.get("cetvel.serve_debtor")
    return {
        "r": data,
        "meta": meta,
        "title": "SIRA CETVELİ" if shortfall else "PAYLAŞTIRMA CETVELİ",
        "sira_cetveli": shortfall,
        "legal_basis": legal_basis,
        "rows": rows,
        "stages": stages,
        "totals": totals,
        "explain": [{**e, "label": _figure_label(e["path"], names, deductions),
                     "rules": [_rule_tr(r) for r in e.get("rules", [])]}
                    for e in explain] if meta.include_explain else [],
        "rules_used": [{**u, "source_tr": _source_tr(str(u.get("source", "")))} for u in data.get("rules_used", [])],
        "names": names,
        "warnings": data.get("warnings", []),
        # UNCERTAIN(OP-45): the şikayet window runs from service by default; UNCERTAIN(OP-48): served on
        # the borçlu too.
        "sikayet_from_service": sikayet.value == "service",
        "sikayet_ref": sikayet.ref,
        "serve_debtor": bool(serve_debtor.value),
        "serve_ref": serve_debtor.ref,
        "generated": meta.cetvel_date,
    }


def render_html(result: Mapping[str, Any] | Distribution, meta: CetvelMeta | None = None, *,
                policy: Policy | None = None) -> str:
    """The sıra cetveli (or, when nobody is short, the paylaştırma cetveli) as a standalone HTML page."""
    return _env().get_template("sira_cetveli.html").render(**context(result, meta, policy))


def render_pdf(result: Mapping[str, Any] | Distribution, meta: CetvelMeta | None = None, *,
               policy: Policy | None = None) -> bytes:
    """The same document as PDF (A4 landscape, page numbers). WeasyPrint is imported only here: it pulls
    in Pango and fonts, which nothing else in the distribution needs."""
    from weasyprint import HTML

    html = render_html(result, meta, policy=policy)
    pdf = HTML(string=html, base_url=None).write_pdf()
    if pdf is None:  # pragma: no cover - write_pdf returns bytes when no target is given
        raise RuntimeError("WeasyPrint returned no PDF")
    return bytes(pdf)
