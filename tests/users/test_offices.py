"""Offices: the admin API and the CLI on a fresh install (docs/api-contract.md: `esatis offices create/list`)."""

import os
import subprocess
import sys

VALID_IBAN = "TR330006100519786457841326"


async def test_admin_creates_and_lists_offices_and_bad_input_is_a_clear_422(client, make_actor):
    admin = await make_actor("admin")
    r = await client.post("/api/v1/offices", headers=admin.headers, json={
        "code": "ank-04", "name": "Ankara 4. İcra Dairesi", "city": "Ankara",
        "iban": "TR33 0006 1005 1978 6457 8413 26"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["code"], body["iban"]) == ("ANK-04", VALID_IBAN)
    assert body["sales_bureau_name"] == "Ankara 4. İcra Dairesi Satış İşlemleri Bürosu"
    again = await client.post("/api/v1/offices", headers=admin.headers,
                              json={"code": "ANK-04", "name": "Başka", "city": "Ankara"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "office_exists"
    bad_iban = await client.post("/api/v1/offices", headers=admin.headers,
                                 json={"code": "ANK-05", "name": "Ankara 5", "city": "Ankara", "iban": "TR34000"})
    assert bad_iban.status_code == 422 and bad_iban.json()["error"]["code"] == "invalid_iban"
    bad_code = await client.post("/api/v1/offices", headers=admin.headers,
                                 json={"code": "ank 05!", "name": "Ankara 5", "city": "Ankara"})
    assert bad_code.status_code == 422 and bad_code.json()["error"]["code"] == "invalid_office"
    listed = (await client.get("/api/v1/offices", headers=admin.headers)).json()
    assert [o["code"] for o in listed] == ["ANK-04"]
    staff = await make_actor("staff", "ANK-04")
    assert (await client.get("/api/v1/offices", headers=staff.headers)).status_code == 403
    assert (await client.post("/api/v1/offices", headers=staff.headers,
                              json={"code": "X-1", "name": "Xxx", "city": "Yy"})).status_code == 403


def test_offices_cli_on_a_fresh_install_lets_staff_be_created(tmp_path):
    env = dict(os.environ)
    env.update({"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", "ESATIS_VAR_DIR": str(tmp_path),
                "ESATIS_PASSWORD_HASHING": "fast"})
    env.pop("REDIS_URL", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "web.cli", *args], env=env, capture_output=True, text=True,
                              timeout=120)

    assert run("migrate").returncode == 0
    assert "no offices yet" in run("offices", "list").stdout
    r = run("offices", "create", "--code", "IZM-07", "--name", "İzmir 7. İcra Dairesi", "--city", "İzmir",
            "--sales-bureau", "İzmir Satış Bürosu", "--iban", VALID_IBAN)
    assert r.returncode == 0, r.stderr
    assert "created office IZM-07" in r.stdout
    dup = run("offices", "create", "--code", "IZM-07", "--name", "Yine", "--city", "İzmir")
    assert dup.returncode != 0 and "office_exists" in dup.stderr and "Traceback" not in dup.stderr
    listed = run("offices", "list").stdout
    assert "IZM-07\tİzmir 7. İcra Dairesi\tİzmir\tİzmir Satış Bürosu\t" + VALID_IBAN in listed
    r = run("users", "create", "--email", "p@example.test", "--password", "guclu-parola-1", "--role", "staff",
            "--office", "IZM-07")
    assert r.returncode == 0, r.stderr
    r = run("users", "create", "--email", "vekil@example.test", "--password", "guclu-parola-1", "--role", "party")
    assert r.returncode == 0, r.stderr
