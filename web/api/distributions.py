"""`POST /api/v1/distributions/preview` (docs/law/distribution-contract.md): the pure engine behind HTTP.

Bad input is a 422 in the API's one error shape, `{"error": {"code": "invalid_case", "message",
"details": {"problems": [{"path", "code", "message"}, …]}}}` — every problem at once, the same list the
CLI prints. The computation (0.7 s for 10,000 creditors) and the PDF run in a worker thread so that
live bidding on the same event loop never waits for them.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Body
from starlette.responses import HTMLResponse, Response

from auction.distribution.document import CetvelMeta, render_html, render_pdf
from auction.distribution.service import distribute
from web.deps import RuntimeDep, StaffUser
from web.documents import document_html, document_pdf

router = APIRouter(prefix="/distributions", tags=["distribution"])

CASE_BODY = Body(..., description="A distribution case as in docs/law/distribution-contract.md ('Input').")


@router.post("/preview", summary="Compute a distribution (sıra cetveli) preview (staff)")
async def preview(runtime: RuntimeDep, _actor: StaffUser, case: dict[str, Any] = CASE_BODY) -> dict[str, Any]:
    return await asyncio.to_thread(distribute, case, policy=runtime.policy)


@router.post("/preview/html", response_class=HTMLResponse, summary="The preview as the sıra cetveli HTML (staff)")
async def preview_html(runtime: RuntimeDep, _actor: StaffUser, case: dict[str, Any] = CASE_BODY) -> HTMLResponse:
    result = await asyncio.to_thread(distribute, case, policy=runtime.policy)
    return document_html(render_html(result, CetvelMeta(draft=True), policy=runtime.policy))


@router.post("/preview/pdf", summary="The preview as the sıra cetveli PDF (staff)",
             responses={200: {"content": {"application/pdf": {}}}})
async def preview_pdf(runtime: RuntimeDep, _actor: StaffUser, case: dict[str, Any] = CASE_BODY) -> Response:
    def build() -> bytes:
        result = distribute(case, policy=runtime.policy)
        return render_pdf(result, CetvelMeta(draft=True), policy=runtime.policy)

    return document_pdf(await asyncio.to_thread(build), "sira-cetveli-onizleme.pdf")
