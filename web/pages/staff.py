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
from web.templating import STATIC_DIR, render

router = APIRouter(prefix="/buro")


def _sample() -> str:
    return (STATIC_DIR / "examples" / "sira-cetveli-ornek.json").read_text(encoding="utf-8")


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
