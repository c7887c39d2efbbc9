"""The invariant through the service layer and the database: random cases (the engine's property-test
strategy) stored as corrected versions of one sale's draft cetvel, each read back through the API. Every
stored version's lines, kept as BIGINT kuruş, add up to exactly what it shares, and each creditor's lines
to its share; a case id naming no creditor of the file is stored as a line of the case alone."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings

from auction.distribution import distribute
from tests.disbursement.conftest import distributing
from tests.distribution.test_dist_properties import cases


def _collect(n: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    @settings(max_examples=n, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(cases())
    def take(case: dict[str, Any]) -> None:
        out.append(case)

    take()
    return out


async def test_stored_versions_add_up(env, manual_clock, runtime, sms_file, no_pdf):
    d = await distributing(env, manual_clock, sms_file)
    c = (await env.client.get(f"/api/v1/sales/{d.sale_id}/distribution", headers=env.staff.headers)).json()
    did = c["distribution_id"]
    random_cases = _collect(25)
    # One id that looks like the file's but names no creditor of it.
    first = next(case for case in random_cases if case["creditors"] and not any(
        x.get("joins") == case["creditors"][0]["id"] for x in case["creditors"]))
    first["creditors"][0]["id"] = "cr999999"
    for n, case in enumerate(random_cases, start=2):
        expected = distribute(case, explain=False)
        r = await env.client.post(f"/api/v1/distributions/{did}/versions", headers=env.staff.headers,
                                  json={"reason": f"rastgele girdi {n}", "case": case})
        assert r.status_code == 201, r.text
        got = (await env.client.get(f"/api/v1/distributions/{did}", headers=env.staff.headers)).json()
        assert got["version"] == n
        total = sum((Decimal(x["amount"]) for x in got["lines"]), Decimal(0))
        assert total == Decimal(expected["price"]) == Decimal(got["totals"]["distributed"])
        for a in expected["allocations"]:
            mine = sum((Decimal(x["amount"]) for x in got["lines"] if x["ref"] == a["creditor_id"]
                        and x["kind"] in ("creditor", "harc")), Decimal(0))
            assert mine == Decimal(a["share"])
        assert all(x["creditor_id"] is None or x["creditor_id"] in d.creditors for x in got["lines"])
    assert len(got["versions"]) == len(random_cases) + 1
