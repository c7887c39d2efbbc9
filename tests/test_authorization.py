"""Every route declares who may call it, the role it declares is the one its services demand, and staff
only act on their own office's files."""

import ast
import inspect
import textwrap
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute, APIWebSocketRoute, RouteContext, iter_route_contexts

from auction.sales import outage
from auction.users.models import Role
from auction.users.principal import required_roles
from web.deps import (
    DbSession,
    RuntimeDep,
    StaffUser,
    declared_roles,
    optional_principal,
    optional_ws_principal,
    public,
)

AUTH_MARKERS = {public, optional_principal, optional_ws_principal}
ROOT = Path(__file__).resolve().parents[1]


def _calls(dependant):
    for dep in dependant.dependencies:
        yield dep.call
        yield from _calls(dep)


def api_routes(app: FastAPI) -> list[RouteContext]:
    """Every HTTP and WebSocket route of the app with its full path and dependencies. FastAPI keeps an
    included router as one lazy entry of `app.routes`; `iter_route_contexts` flattens them."""
    return [r for r in iter_route_contexts(app.routes) if isinstance(r.original_route, (APIRoute, APIWebSocketRoute))]


def test_every_route_declares_its_audience(app):
    assert len(api_routes(app)) > 100, "the walk must see the routers' routes, not only the app's own"
    missing = [route.path for route in api_routes(app) if not AUTH_MARKERS & set(_calls(route.dependant))]
    assert missing == [], f"routes without an auth dependency (use Public/MaybeUser/…): {missing}"


async def test_bidder_cannot_do_staff_work(client, bidder):
    r = await client.post("/api/v1/cases", headers=bidder.headers, json={"file_no": "2026/5 Esas", "debtor": "X Y"})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "role_required"


async def test_staff_are_scoped_to_their_office(client, runtime, staff, make_actor):
    from auction.users import service as users

    async with runtime.db.session() as s:
        await users.create_office(s, code="ANK-02", name="Ankara 2. İcra Dairesi", city="Ankara",
                                  sales_bureau_name="Ankara Satış Bürosu")
    other = await make_actor("staff", "ANK-02")
    case = (await client.post("/api/v1/cases", headers=staff.headers,
                              json={"file_no": "2026/9 Esas", "debtor": "Borçlu"})).json()
    r = await client.get(f"/api/v1/cases/{case['id']}", headers=other.headers)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "office_scope"
    r = await client.post(f"/api/v1/cases/{case['id']}/lots", headers=other.headers,
                          json={"kind": "tasinir", "title": "Traktör", "appraised_value": "100000.00"})
    assert r.status_code == 403
    assert [c["id"] for c in (await client.get("/api/v1/cases", headers=other.headers)).json()] == []
    admin = await make_actor("admin")
    assert (await client.get(f"/api/v1/cases/{case['id']}", headers=admin.headers)).status_code == 200


ADMIN_ONLY_PREFIXES = ("/api/v1/webhooks", "/yonetim")


def test_admin_areas_require_the_admin_role(app):
    """Webhook endpoints carry every event of the platform outside it: their routes (API and pages) admit
    admins alone (tests/webhooks/test_admin.py calls each of them as every other role)."""
    routes = [r for r in api_routes(app) if r.path.startswith(ADMIN_ONLY_PREFIXES)]
    assert len(routes) >= 16
    assert [r.path for r in routes if _declared(r) != {Role.admin}] == []
    # The services behind them demand the admin role too (`requires_role`), so the routes' declaration is
    # held against them by the test below.
    reached = {path for path, _, _, required in role_requirements(app) if required == {Role.admin}}
    assert {r.path for r in routes if r.path.startswith("/api/v1/webhooks")} <= reached


# --- The declared role is the real one --------------------------------------------------------------------


def _resolve(node: ast.expr, names: dict[str, object]) -> object | None:
    """The object a call's target names in its module: `f(...)`, `module.f(...)`, `pkg.module.f(...)`."""
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = _resolve(node.value, names)
        if isinstance(owner, ModuleType):
            return getattr(owner, node.attr, None)
    return None


def _reachable(fn: Callable[..., object], depth: int = 6) -> list[Callable[..., object]]:
    """Every function of this project `fn` may call, following calls by name through the modules' own
    globals (what an endpoint reaches in the services, and what those reach in turn)."""
    out: list[Callable[..., object]] = []
    seen: set[int] = set()
    stack = [(fn, 0)]
    while stack:
        f, d = stack.pop()
        if id(f) in seen:
            continue
        seen.add(id(f))
        out.append(f)
        target = inspect.unwrap(f)
        ours = d == 0 or target.__module__.startswith(("auction.", "web."))
        if d >= depth or not inspect.isfunction(target) or not ours:
            continue
        tree = ast.parse(textwrap.dedent(inspect.getsource(target)))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                callee = _resolve(node.func, target.__globals__)
                if callable(callee) and inspect.isfunction(inspect.unwrap(callee)):
                    stack.append((callee, d + 1))
    return out


def _declared(route: RouteContext) -> frozenset[Role]:
    """The roles a route admits: its `require_roles` dependency's, else anyone signed in (or anonymous)."""
    admitted = [r for r in (declared_roles(c) for c in _calls(route.dependant)) if r is not None]
    return frozenset.intersection(*admitted) if admitted else frozenset(Role)


def role_requirements(app: FastAPI) -> list[tuple[str, frozenset[Role], Callable[..., object], frozenset[Role]]]:
    """(path, roles the route admits, a service it reaches that declares roles, the roles it requires)."""
    out = []
    for route in api_routes(app):
        for fn in _reachable(route.endpoint):
            required = required_roles(fn)
            if required is not None:
                out.append((route.path, _declared(route), fn, required))
    return out


def role_mismatches(app: FastAPI) -> list[str]:
    """Routes that admit a role one of the services they reach refuses (`requires_role`)."""
    return [f"{path} admits {sorted(r.value for r in declared - required)} but {fn.__module__}.{fn.__qualname__} "
            f"requires {sorted(r.value for r in required)}"
            for path, declared, fn, required in role_requirements(app) if not declared <= required]


def test_every_route_declares_the_role_its_services_require(app):
    # The walk does reach the müdür's services through their routes (else the check would prove nothing) …
    reached = {path for path, *_ in role_requirements(app)}
    assert {"/api/v1/sales/{sale_id}/cancel", "/api/v1/sales/{sale_id}/tutanak/post",
            "/api/v1/sales/{sale_id}/outage-report/review", "/api/v1/sales/{sale_id}/outage-extension"} <= reached
    # The party's objection form on its file page reaches the service that demands the party role.
    assert "/files/{case_id}/cetvel/{distribution_id}/objections" in reached
    # … and every route admits only roles those services accept.
    assert role_mismatches(app) == []


def test_the_role_check_catches_a_route_that_admits_too_much():
    # The mistake this guards against, on purpose: a staff route in front of a müdür-only service.
    router = APIRouter()

    @router.post("/sales/{sale_id}/outage-report/review")
    async def review(sale_id: int, db: DbSession, actor: StaffUser, runtime: RuntimeDep) -> None:
        await outage.review(db, runtime, actor, sale_id, None)  # type: ignore[arg-type]

    wrong = FastAPI()
    wrong.include_router(router)
    assert role_mismatches(wrong) == [
        "/sales/{sale_id}/outage-report/review admits ['staff'] but auction.sales.outage.review requires "
        "['admin', 'manager']"]


def test_services_declare_their_roles_instead_of_checking_them_inline():
    # A role check written as an `if` in a service body would be invisible to the test above.
    declaring = ROOT / "auction" / "users" / "principal.py"  # `requires_role` and `ensure_role` themselves
    inline = [f"{path.relative_to(ROOT)}:{n}" for path in sorted((ROOT / "auction").rglob("*.py")) if path != declaring
              for n, line in enumerate(path.read_text().splitlines(), 1)
              if "raise ManagerRequired(" in line or "raise RoleRequired(" in line]
    assert inline == []

