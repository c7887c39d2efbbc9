"""Every route of the desk with every role: who is let in, who is refused with which code."""

from __future__ import annotations

import pytest

ROLES = ("anonymous", "bidder", "party", "staff", "manager", "admin")
STAFF_SIDE = {"staff", "manager", "admin"}
# (path, the roles let in)
GETS = [
    ("/staff", STAFF_SIDE), ("/staff/count", STAFF_SIDE), ("/staff/sales", STAFF_SIDE),
    ("/staff/audit", STAFF_SIDE), ("/staff/audit.csv", STAFF_SIDE), ("/api/v1/staff/queue", STAFF_SIDE),
    ("/api/v1/staff/queue/count", STAFF_SIDE), ("/staff/people", {"manager", "admin"}),
    ("/staff/offices", {"admin"}), ("/files", {"party"}),
    ("/staff/files", STAFF_SIDE), ("/staff/files/999999", STAFF_SIDE), ("/staff/lots/999999", STAFF_SIDE),
    ("/staff/sales/999999", STAFF_SIDE), ("/staff/sales/999999/live", STAFF_SIDE), ("/files/999999", {"party"}),
    # Whoever is paid declares the IBAN it is paid to: a bidder (refunds) or a party (its cetvel payouts).
    ("/hesabim/iban", {"bidder", "party"}), ("/hesabim", {"bidder"}),
]
# Müdür decisions on a sale (no sale 999999: who is let in meets the 404 or the missing confirmation).
MANAGER_POSTS = ["/staff/sales/999999/tutanak", "/staff/sales/999999/outage-review", "/staff/sales/999999/cancel",
                 "/staff/sales/999999/outage-extension"]
STAFF_POSTS = ["/staff/sales/999999/threshold", "/staff/sales/999999/finality", "/staff/sales/999999/handover",
               "/staff/sales/999999/mektup", "/staff/sales/999999/exemption", "/staff/sales/999999/exclusion",
               "/staff/files", "/staff/files/999999/lots", "/staff/files/999999/parties", "/staff/lots/999999/sale"]


@pytest.fixture
async def actors(office, make_actor):
    out = {"anonymous": None}
    for role in ROLES[1:]:
        out[role] = await make_actor(role, office.code if role in ("staff", "manager") else None)
    return out


def _headers(actor):
    return actor.headers if actor is not None else {}


async def test_every_desk_page_admits_its_roles_only(client, actors):
    for path, admitted in GETS:
        for role, actor in actors.items():
            r = await client.get(path, headers=_headers(actor))
            if role in admitted:
                assert r.status_code == (404 if "999999" in path else 200), (path, role, r.status_code)
            elif actor is None:
                assert r.status_code == 401, (path, role)
            else:
                assert (r.status_code, r.json()["error"]["code"]) == (403, "role_required"), (path, role)


async def test_every_decision_route_admits_its_roles_only(client, actors):
    for paths, admitted in ((MANAGER_POSTS, {"manager", "admin"}), (STAFF_POSTS, STAFF_SIDE)):
        for path in paths:
            for role, actor in actors.items():
                r = await client.post(path, headers=_headers(actor), data={})
                if role in admitted:
                    assert r.status_code in (303, 404, 422), (path, role, r.status_code)
                elif actor is None:
                    assert r.status_code == 401, (path, role)
                else:
                    assert (r.status_code, r.json()["error"]["code"]) == (403, "role_required"), (path, role)


async def test_the_one_time_link_pages_are_open_and_say_nothing_of_a_wrong_token(client, actors):
    for kind in ("invite", "reset"):
        for actor in actors.values():
            r = await client.get(f"/{kind}/not-a-token", headers={"Accept": "text/html", **_headers(actor)})
            assert r.status_code == 404 and 'data-testid="link-invalid"' in r.text
