"""A lot's claim records on the desk's file page (`/staff/files/{case_id}`, "Alacak kayıtları"): staff add
a pledge, a haciz with its claim (interest periods, part payments) and a tax on the asset — the sıra
cetveli's input (auction.cetvel.case_from_file). Each form calls the same service as the API
(web/api/lot_records.py: `lots.add_pledge`, `claims.add_haciz`, `claims.add_asset_tax`) with the same body
schema; this module only translates the form: amounts as people type them (`parse_typed_money`), a yearly
rate typed in per cent, empty fields as absent. A refusal renders the file page again with the service's
message, its code and every problem next to the form, the typed values kept (nothing is written)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from auction.cases.schemas import AssetTaxCreate, HacizCreate, PledgeCreate
from auction.distribution.schema import KANUNI
from auction.errors import DomainError, Unprocessable
from auction.lots import claims
from auction.lots import service as lots
from auction.money import MoneyError, parse_typed_money
from web.deps import DbSession, StaffUser
from web.pages.desk_files import RECORD_ROWS, file_page_response
from web.params import Id

router = APIRouter()

# The fields a problem may name (`desk.rec.field.*`); a row's field is `interest.start` etc. with its row.
FIELDS = ("creditor_id", "kind", "haciz_date", "takip_date", "document_date", "sira", "joins_creditor_id",
          "principal", "interest_accrued", "costs", "vekalet_ucreti", "imputation", "interest.start",
          "interest.end", "interest.rate", "payments.paid_on", "payments.amount", "degree", "limit_amount",
          "claim_amount", "tax", "authority", "amount", "other")
# The problem codes explained in words (`desk.rec.problem.*`): the services' (auction.lots.claims), the
# money parser's and the schema's most common; any other code reads "other" (its code is shown anyway).
PROBLEMS = ("required", "rate_with_kanuni", "not_for_kind", "in_future", "out_of_range", "not_positive",
            "invalid_rate", "not_after_start", "overlaps", "joins_itself", "not_a_haciz_creditor_of_lot",
            "not_for_asset",
            "missing", "money_invalid", "money_not_a_number", "money_too_many_decimals", "money_negative",
            "money_too_large", "date_from_datetime_parsing", "date_out_of_range", "int_parsing", "literal_error",
            "string_too_short", "string_too_long", "greater_than_equal", "less_than_equal", "other")
_ROW_PATH = re.compile(r"^(interest|payments)\[(\d+)\]\.([a-z_]+)$")


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _money(form: FormData, name: str, path: str, problems: list[dict[str, Any]]) -> str | None:
    """An amount as typed ("1.250.000,50", "1250000.5", "₺ 300.000"), as the schema's plain string; empty is
    absent (the schema's default, or its `missing` problem)."""
    raw = _text(form, name)
    if not raw:
        return None
    try:
        return str(parse_typed_money(raw))
    except MoneyError as exc:
        problems.append({"path": path, "code": exc.code})
        return None


def _rate(kind: str, percent: str, path: str, problems: list[dict[str, Any]]) -> str:
    """A period's rate as the API takes it: "kanuni", or the yearly rate as a fraction — staff type the per
    cent ("24", "%9,75"), so 24 → "0.24". What is not a number goes through as typed: the service refuses it
    with `invalid_rate` at its row (and so does a rate beyond the engine's bounds)."""
    if kind == KANUNI:
        if percent:  # two rates for one period: which one was meant is not ours to guess
            problems.append({"path": path, "code": "rate_with_kanuni"})
        return KANUNI
    text = percent.strip().removeprefix("%").strip().replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return percent
    if not value.is_finite():
        return percent
    return f"{value.scaleb(-2):f}"


M = TypeVar("M", bound=BaseModel)
# A translated form: the API body, the form row of each filled interest and payment row, the problems found
# while translating (an amount that is not one).
Translated = tuple[dict[str, Any], dict[str, list[int]], list[dict[str, Any]]]


def _validate(schema: type[M], body: dict[str, Any], problems: list[dict[str, Any]]) -> M:
    """The API's body schema over the translated form; its errors become problems as the API's 422 lists
    them (web/errors.py). A field already refused while translating is not named twice (`missing`)."""
    try:
        data = schema.model_validate({k: v for k, v in body.items() if v is not None})
    except ValidationError as exc:
        seen = {p["path"] for p in problems}
        for err in exc.errors():
            path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".")
            if path not in seen:
                problems.append({"path": path, "code": str(err["type"])})
        raise Unprocessable(details={"problems": problems}) from None
    if problems:
        raise Unprocessable(details={"problems": problems})
    return data


def problem_views(exc: DomainError, rows: dict[str, list[int]]) -> list[dict[str, Any]]:
    """Each problem of a refusal as the template shows it: the field's label key, the form's row (1-based;
    the body's `interest[1]` is the second *filled* row), the code and whether it is explained in words."""
    out = []
    for p in exc.details.get("problems", []):
        path, code = str(p.get("path", "")), str(p.get("code", ""))
        m = _ROW_PATH.match(path)
        field, row = path, None
        if m:
            field, index = f"{m.group(1)}.{m.group(3)}", int(m.group(2))
            filled = rows.get(m.group(1), [])
            row = (filled[index] if index < len(filled) else index) + 1
        out.append({"field": field if field in FIELDS else "other", "row": row, "code": code,
                    "known": code if code in PROBLEMS else "other"})
    return out


def haciz_form(form: FormData) -> Translated:
    """The haciz form as the API's `HacizCreate` body: the filled interest and payment rows in order."""
    problems: list[dict[str, Any]] = []
    body: dict[str, Any] = {
        name: _text(form, name) or None
        for name in ("creditor_id", "kind", "haciz_date", "takip_date", "document_date", "sira",
                     "joins_creditor_id", "imputation")}
    for name in ("principal", "interest_accrued", "costs", "vekalet_ucreti"):
        body[name] = _money(form, name, name, problems)
    interest: list[dict[str, Any]] = []
    rows: dict[str, list[int]] = {"interest": [], "payments": []}
    for i in range(RECORD_ROWS):
        start, end, percent = (_text(form, f"interest_{f}_{i}") for f in ("start", "end", "rate"))
        if not (start or end or percent):
            continue  # an unused row (its rate kind is a select, always sent)
        rows["interest"].append(i)
        rate = _rate(_text(form, f"interest_kind_{i}"), percent, f"interest[{len(interest)}].rate", problems)
        period = {"start": start or None, "end": end or None, "rate": rate}
        interest.append({k: v for k, v in period.items() if v is not None})
    payments: list[dict[str, Any]] = []
    for i in range(RECORD_ROWS):
        paid_on, raw = _text(form, f"payment_date_{i}"), _text(form, f"payment_amount_{i}")
        if not (paid_on or raw):
            continue
        rows["payments"].append(i)
        amount = _money(form, f"payment_amount_{i}", f"payments[{len(payments)}].amount", problems)
        payments.append({k: v for k, v in {"paid_on": paid_on or None, "amount": amount}.items() if v is not None})
    body["interest"], body["payments"] = interest, payments
    return body, rows, problems


def pledge_form(form: FormData) -> Translated:
    problems: list[dict[str, Any]] = []
    body = {"creditor_id": _text(form, "creditor_id") or None, "degree": _text(form, "degree") or None,
            "limit_amount": _money(form, "limit_amount", "limit_amount", problems),
            "claim_amount": _money(form, "claim_amount", "claim_amount", problems)}
    return body, {}, problems


def asset_tax_form(form: FormData) -> Translated:
    problems: list[dict[str, Any]] = []
    body = {"tax": _text(form, "tax") or None, "authority": _text(form, "authority") or None,
            "amount": _money(form, "amount", "amount", problems)}
    return body, {}, problems


async def _record(request: Request, db: DbSession, actor: StaffUser, lot_id: int, which: str) -> Response:
    # Office scope first: another office's staff get the 403 page, as from the API, and no form.
    lot = await lots.get_lot_for(db, actor, lot_id)
    case_id, lot_id = lot.case_id, lot.id  # read before a rollback expires the row
    form = await request.form()
    rows: dict[str, list[int]] = {}
    try:
        if which == "pledge":
            body, rows, problems = pledge_form(form)
            await lots.add_pledge(db, actor, lot_id, _validate(PledgeCreate, body, problems))
        elif which == "haciz":
            body, rows, problems = haciz_form(form)
            await claims.add_haciz(db, actor, lot_id, _validate(HacizCreate, body, problems))
        else:
            body, rows, problems = asset_tax_form(form)
            await claims.add_asset_tax(db, actor, lot_id, _validate(AssetTaxCreate, body, problems))
    except DomainError as exc:
        await db.rollback()  # nothing of a refused record is written
        values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
        error = {"lot_id": lot_id, "form": which, "code": exc.code, "message": exc.message,
                 "problems": problem_views(exc, rows), "typed": values}
        return await file_page_response(request, db, actor, case_id, records_error=error,
                                        status_code=exc.status)
    return RedirectResponse(f"/staff/files/{case_id}?kaydedildi={which}#lot-{lot_id}", status_code=303)


@router.post("/staff/lots/{lot_id}/pledges")
async def add_pledge(request: Request, lot_id: Id, db: DbSession, actor: StaffUser) -> Response:
    """A rehin/ipotek on the lot (A-31), as `POST /api/v1/lots/{id}/pledges`."""
    return await _record(request, db, actor, lot_id, "pledge")


@router.post("/staff/lots/{lot_id}/hacizler")
async def add_haciz(request: Request, lot_id: Id, db: DbSession, actor: StaffUser) -> Response:
    """A creditor's haciz with its claim, as `POST /api/v1/lots/{id}/hacizler`."""
    return await _record(request, db, actor, lot_id, "haciz")


@router.post("/staff/lots/{lot_id}/asset-taxes")
async def add_asset_tax(request: Request, lot_id: Id, db: DbSession, actor: StaffUser) -> Response:
    """A tax on the asset (emlak vergisi, MTV), as `POST /api/v1/lots/{id}/asset-taxes`."""
    return await _record(request, db, actor, lot_id, "asset_tax")
