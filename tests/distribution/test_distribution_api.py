"""The distribution engine behind HTTP and the CLI (issue 4): same JSON, staff only, every problem."""

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

# The worked cases of the law catalogue (their one copy), found from the repository root.
ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
EXAMPLES = ROOT / "docs" / "law" / "examples"
CASE = json.loads((EXAMPLES / "03-haciz-dereceler-kamu.json").read_text())
EXPECTED = json.loads((EXAMPLES / "03-haciz-dereceler-kamu.expected.json").read_text())


async def test_preview_returns_the_contract_result(client, staff):
    r = await client.post("/api/v1/distributions/preview", headers=staff.headers, json=CASE)
    assert r.status_code == 200, r.text
    body = r.json()
    assert Decimal(body["distributable"]) == Decimal(EXPECTED["distributable"])
    assert {a["creditor_id"]: a["share"] for a in body["allocations"]} == {
        a["creditor_id"]: a["share"] for a in EXPECTED["allocations"]}
    assert body["check"] == EXPECTED["check"]


async def test_preview_is_staff_only(client, bidder):
    assert (await client.post("/api/v1/distributions/preview", json=CASE)).status_code == 401
    r = await client.post("/api/v1/distributions/preview", headers=bidder.headers, json=CASE)
    assert r.status_code == 403


async def test_bad_case_lists_every_problem_with_its_path(client, staff):
    bad = json.loads(json.dumps(CASE))
    bad["price"] = "-1.00"
    bad["creditors"][0]["claim"]["principal"] = "abc"
    bad["creditors"][1]["surprise"] = True
    r = await client.post("/api/v1/distributions/preview", headers=staff.headers, json=bad)
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "invalid_case"
    paths = {p["path"] for p in err["details"]["problems"]}
    assert {"price", "creditors[0].claim.principal"} <= paths
    assert any(p.startswith("creditors[1]") for p in paths)


async def test_not_an_object_is_a_422(client, staff):
    r = await client.post("/api/v1/distributions/preview", headers=staff.headers, json=[1, 2])
    assert r.status_code == 422


async def test_cetvel_html_and_pdf(client, staff):
    r = await client.post("/api/v1/distributions/preview/html", headers=staff.headers, json=CASE)
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert "Tekin Hırdavat" in r.text and "aciz" in r.text.lower()
    assert "style-src 'sha256-" in r.headers["content-security-policy"]  # its own styles, by hash
    assert "'unsafe-inline'" not in r.headers["content-security-policy"]
    r = await client.post("/api/v1/distributions/preview/pdf", headers=staff.headers, json=CASE)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")


async def test_staff_page_shows_problems_then_the_cetvel(client, staff, runtime):
    import re

    from tests.conftest import PASSWORD

    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    await client.post("/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": token})
    form = await client.get("/buro/sira-cetveli")
    assert form.status_code == 200 and "Sıra cetveli önizleme" in form.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    r = await client.post("/buro/sira-cetveli", data={"csrf_token": csrf, "case_json": "{not json"})
    assert r.status_code == 422 and "invalid_json" in r.text
    r = await client.post("/buro/sira-cetveli", data={"csrf_token": csrf, "case_json": json.dumps(CASE)})
    assert r.status_code == 200 and "Tekin Hırdavat" in r.text


@pytest.mark.parametrize("name", ["01-full-coverage", "04-sira-shortfall-remainder"])
def test_esatis_distribute_command(tmp_path, name):
    r = subprocess.run([sys.executable, "-m", "web.cli", "distribute", str(EXAMPLES / f"{name}.json")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    expected = json.loads((EXAMPLES / f"{name}.expected.json").read_text())
    assert json.loads(r.stdout)["debtor_surplus"] == expected["debtor_surplus"]
    bad = tmp_path / "bad.json"
    bad.write_text('{"price": 1.5}')
    r = subprocess.run([sys.executable, "-m", "web.cli", "distribute", str(bad)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2 and r.stdout == ""
    err = json.loads(r.stderr)
    assert err["error"] == "invalid_case" and err["problems"]
