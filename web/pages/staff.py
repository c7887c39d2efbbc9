"""Pages of the satış bürosu (staff). The distribution preview: paste or upload a case, get the sıra
cetveli as the müdür would sign it (HTML) or as a PDF."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from auction.distribution.document import CetvelMeta, render_html, render_pdf
from auction.distribution.errors import InvalidCase, Problem
from auction.distribution.service import distribute
from web.deps import RuntimeDep, StaffUser
from web.documents import document_html, document_pdf
from web.i18n import add_messages
from web.templating import STATIC_DIR, render

router = APIRouter(prefix="/buro")

add_messages({
    "staff.title": {"tr": "Satış bürosu", "en": "Sales office"},
    "staff.intro": {"tr": "Satış bürosunun araçları.", "en": "Tools of the sales office."},
    "staff.cetvel.title": {"tr": "Sıra cetveli önizleme", "en": "Ranking table (sıra cetveli) preview"},
    "staff.mektup.title": {"tr": "Alıcıların gönderdiği teminat mektupları",
                           "en": "Teminat letters sent in by bidders"},
    "staff.cetvel.intro": {
        "tr": "Satış bedelinin paylaştırılmasını hesaplayın: dağıtım girdisini (JSON) yapıştırın; sonuç, müdürün "
              "imzalayacağı sütunlarla sıra cetveli olarak açılır. Hesaplama taslaktır; ödeme talimatı vermez.",
        "en": "Compute how the sale price is shared: paste the distribution case (JSON); the result opens as the "
              "ranking table with the columns the müdür signs. It is a draft and instructs no payment.",
    },
    "staff.cetvel.case": {"tr": "Dağıtım girdisi (JSON)", "en": "Distribution case (JSON)"},
    "staff.cetvel.case_hint": {"tr": "Biçim: dağıtım sözleşmesi (docs/law/distribution-contract.md). Örnek bir dosya "
                                     "yüklendi.",
                               "en": "Format: the distribution contract (docs/law/distribution-contract.md). A sample "
                                     "case is filled in."},
    "staff.cetvel.show": {"tr": "Sıra cetvelini göster", "en": "Show the ranking table"},
    "staff.cetvel.pdf": {"tr": "PDF olarak indir", "en": "Download as PDF"},
    "staff.cetvel.problems": {"tr": "Girdide {n} sorun var:", "en": "The case has {n} problems:"},
})


def _sample() -> str:
    return (STATIC_DIR / "examples" / "sira-cetveli-ornek.json").read_text(encoding="utf-8")


@router.get("")
async def staff_home(request: Request, _actor: StaffUser) -> Response:
    return render(request, "staff/home.html")


@router.get("/sira-cetveli")
async def cetvel_form(request: Request, _actor: StaffUser) -> Response:
    return render(request, "staff/cetvel_form.html", {"case_json": _sample(), "problems": []})


def _parse(case_json: str) -> Any:
    try:
        return json.loads(case_json)
    except json.JSONDecodeError as exc:
        raise InvalidCase([Problem("$", "invalid_json", f"JSON değil: {exc.msg} (satır {exc.lineno})")]) from None


@router.post("/sira-cetveli")
async def cetvel_show(request: Request, runtime: RuntimeDep, actor: StaffUser,
                      case_json: str = Form(..., max_length=20_000_000), output: str = Form("html")) -> Response:
    try:
        payload = _parse(case_json)
        result = await asyncio.to_thread(distribute, payload, policy=runtime.policy)
    except InvalidCase as exc:
        return render(request, "staff/cetvel_form.html", {"case_json": case_json, "problems": exc.problems},
                      status_code=422)
    meta = CetvelMeta(draft=True, mudur_name=actor.full_name if actor.role.value == "manager" else None)
    if output == "pdf":
        pdf = await asyncio.to_thread(render_pdf, result, meta, policy=runtime.policy)
        return document_pdf(pdf, "sira-cetveli-onizleme.pdf", inline=False)
    return document_html(render_html(result, meta, policy=runtime.policy))
