"""Offices and people on the desk (docs/desk.md): admins create icra daireleri (`/staff/offices`); admins
and each office's müdür invite, reset and deactivate people (`/staff/people`); the holder of a one-time
link sets a password (`/invite/{token}`, `/reset/{token}`). The link is shown once to whoever made it,
to hand over; esatis keeps only its hash (auction/users/accounts.py, ADR 0013)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from auction.errors import CsrfFailed, DomainError
from auction.users import accounts
from auction.users import service as users
from auction.users.errors import PersonRoleRefused
from auction.users.models import Role, TokenPurpose
from web.deps import AdminUser, DbSession, ManagerUser, Public, RuntimeDep, client_ip
from web.params import Id
from web.security import PRE_CSRF_COOKIE, tokens_match
from web.templating import render

router = APIRouter()

INVITABLE = (Role.staff, Role.manager, Role.party, Role.admin)


@router.get("/staff/offices")
async def offices_page(request: Request, db: DbSession, _actor: AdminUser, kaydedildi: str | None = None) -> Response:
    return render(request, "desk/offices.html", {"offices": await users.list_offices(db), "form": {},
                                                 "created": kaydedildi})


@router.post("/staff/offices")
async def create_office(request: Request, db: DbSession, actor: AdminUser, code: str = Form(..., max_length=32),
                        name: str = Form(..., max_length=200), city: str = Form(..., max_length=80),
                        district: str = Form("", max_length=80), sales_bureau_name: str = Form("", max_length=200),
                        iban: str = Form("", max_length=40)) -> Response:
    try:
        office = await users.create_office(db, code=code, name=name, city=city, district=district or None,
                                           sales_bureau_name=sales_bureau_name or None, iban=iban or None, actor=actor)
    except DomainError as exc:
        await db.rollback()
        form = {"code": code, "name": name, "city": city, "district": district, "sales_bureau_name": sales_bureau_name,
                "iban": iban}
        return render(request, "desk/offices.html", {"offices": await users.list_offices(db), "form": form,
                                                     "error": exc}, status_code=exc.status)
    return RedirectResponse(f"/staff/offices?kaydedildi={office.code}", status_code=303)


async def _people_page(request: Request, db: DbSession, actor: ManagerUser, **extra: object) -> Response:
    offices = await users.list_offices(db) if actor.is_admin else []
    roles = INVITABLE if actor.is_admin else tuple(r for r in INVITABLE if r in accounts.MANAGER_INVITES)
    status = getattr(extra.get("error"), "status", 200)
    return render(request, "desk/people.html", {"people": await accounts.people(db, actor), "offices": offices,
                                                "roles": roles, "form": {}, **extra},
                  status_code=status, headers={"Cache-Control": "no-store"})


@router.get("/staff/people")
async def people_page(request: Request, db: DbSession, actor: ManagerUser, kaydedildi: str | None = None,
                      hata: str | None = None) -> Response:
    return await _people_page(request, db, actor, done=kaydedildi, error_code=hata)


@router.post("/staff/people")
async def invite(request: Request, db: DbSession, runtime: RuntimeDep, actor: ManagerUser,
                 email: str = Form(..., max_length=254), full_name: str = Form(..., max_length=200),
                 role: str = Form(..., max_length=16), office: str = Form("", max_length=32),
                 phone: str = Form("", max_length=32)) -> Response:
    form = {"email": email, "full_name": full_name, "role": role, "office": office, "phone": phone}
    try:
        if role not in {r.value for r in INVITABLE}:
            raise PersonRoleRefused(details={"role": role})
        person, raw = await accounts.invite(db, actor, email=email, full_name=full_name, role=Role(role),
                                            office_code=office or None, phone=phone or None,
                                            ttl=timedelta(hours=runtime.settings.invite_ttl_hours))
    except DomainError as exc:
        await db.rollback()
        return await _people_page(request, db, actor, form=form, error=exc)
    return await _people_page(request, db, actor, link={"kind": "invite", "path": f"/invite/{raw}",
                                                        "person": person.full_name})


@router.post("/staff/people/{user_id}/reset")
async def reset(request: Request, user_id: Id, db: DbSession, runtime: RuntimeDep, actor: ManagerUser) -> Response:
    try:
        ttl = timedelta(minutes=runtime.settings.reset_ttl_minutes)
        person, raw = await accounts.reset(db, actor, user_id, ttl=ttl)
    except DomainError as exc:
        await db.rollback()
        return RedirectResponse(f"/staff/people?hata={exc.code}", status_code=303)
    return await _people_page(request, db, actor, link={"kind": "reset", "path": f"/reset/{raw}",
                                                        "person": person.full_name})


@router.post("/staff/people/{user_id}/active")
async def set_active(user_id: Id, db: DbSession, actor: ManagerUser,
                     active: str = Form(..., max_length=1)) -> Response:
    try:
        await accounts.set_active(db, actor, user_id, active == "1")
    except DomainError as exc:
        await db.rollback()
        return RedirectResponse(f"/staff/people?hata={exc.code}", status_code=303)
    return RedirectResponse(f"/staff/people?kaydedildi={'activated' if active == '1' else 'deactivated'}",
                            status_code=303)


# --- The one-time links (anyone holding one) ----------------------------------------------------------------


def _purpose(kind: str) -> TokenPurpose:
    return TokenPurpose.invite if kind == "invite" else TokenPurpose.reset


async def _link_form(request: Request, db: DbSession, kind: str, token: str) -> Response:
    try:
        person = await accounts.holder_of(db, token, _purpose(kind))
    except DomainError as exc:
        return render(request, "desk/link.html", {"kind": kind, "invalid": True, "error": exc}, status_code=exc.status)
    return render(request, "desk/link.html", {"kind": kind, "token": token, "person": person},
                  headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


async def _link_submit(request: Request, db: DbSession, runtime: RuntimeDep, kind: str, token: str, password: str,
                       password2: str, csrf_token: str) -> Response:
    # The holder has no session yet: the pre-session CSRF token guards the form (as the login's).
    if not tokens_match(csrf_token, request.cookies.get(PRE_CSRF_COOKIE)):
        raise CsrfFailed()
    try:
        await runtime.limiter.hit("login", client_ip(request))
        person = await accounts.holder_of(db, token, _purpose(kind))
        if password != password2:
            return render(request, "desk/link.html", {"kind": kind, "token": token, "person": person,
                                                      "mismatch": True}, status_code=422)
        person = await accounts.redeem(db, token, _purpose(kind), password)
    except DomainError as exc:
        await db.rollback()
        return render(request, "desk/link.html", {"kind": kind, "token": token, "error": exc,
                                                  "invalid": exc.code == "link_invalid"}, status_code=exc.status)
    return render(request, "login.html", {"next": "/staff" if person.role != Role.party.value else "/files",
                                          "email": person.email, "notice": f"desk.link.done_{kind}"})


@router.get("/invite/{token}")
async def invite_form(request: Request, token: str, db: DbSession, _: Public) -> Response:
    return await _link_form(request, db, "invite", token)


@router.post("/invite/{token}")
async def invite_accept(request: Request, token: str, db: DbSession, runtime: RuntimeDep, _: Public,
                        password: str = Form(..., max_length=256), password2: str = Form(..., max_length=256),
                        csrf_token: str = Form("")) -> Response:
    return await _link_submit(request, db, runtime, "invite", token, password, password2, csrf_token)


@router.get("/reset/{token}")
async def reset_form(request: Request, token: str, db: DbSession, _: Public) -> Response:
    return await _link_form(request, db, "reset", token)


@router.post("/reset/{token}")
async def reset_accept(request: Request, token: str, db: DbSession, runtime: RuntimeDep, _: Public,
                       password: str = Form(..., max_length=256), password2: str = Form(..., max_length=256),
                       csrf_token: str = Form("")) -> Response:
    return await _link_submit(request, db, runtime, "reset", token, password, password2, csrf_token)
