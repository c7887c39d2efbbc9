import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from web.cli import cli


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", "ESATIS_VAR_DIR": str(tmp_path),
                "ESATIS_PASSWORD_HASHING": "fast"})
    env.pop("REDIS_URL", None)
    return env


def test_migrate_and_users_create_in_a_real_process(tmp_path):
    env = _env(tmp_path)
    r = subprocess.run([sys.executable, "-m", "web.cli", "migrate"], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([sys.executable, "-m", "web.cli", "users", "create", "--email", "admin@example.test",
                        "--password", "guclu-parola-1", "--role", "admin", "--phone", "0532 111 22 33"],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "created user" in r.stdout
    r = subprocess.run([sys.executable, "-c", (
        "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("
        "\"select phone from users where email='admin@example.test'\").fetchone()[0])"),
        str(tmp_path / "cli.db")], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "+905321112233"  # stored in E.164 for the SMS gateway
    # Staff need an office; the error is a clear message, not a traceback.
    r = subprocess.run([sys.executable, "-m", "web.cli", "users", "create", "--email", "s@example.test",
                        "--password", "guclu-parola-1", "--role", "staff"], env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode != 0
    assert "office_required" in r.stderr
    assert "Traceback" not in r.stderr


def test_production_refuses_to_start_with_unsafe_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("ESATIS_ENV", "production")
    monkeypatch.delenv("ESATIS_SECRET_KEY", raising=False)
    from auction.config import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["migrate"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code != 0
    assert "refusing to start" in result.output
    assert "ESATIS_SECRET_KEY" in result.output


def test_help_lists_the_contract_commands():
    result = CliRunner().invoke(cli, ["--help"])
    for command in ("serve", "worker", "migrate", "users", "distribute"):
        assert command in result.output
