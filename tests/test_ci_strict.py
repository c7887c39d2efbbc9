"""Under CI=true no test skips silently (tests/conftest.py): a skip for a missing service or tool fails,
except the SQLite pass's by-design skips of `postgres` / `redis` tests; the Hypothesis `ci` profile is
derandomised. Each case runs pytest in a real process with the suite's own hooks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = '''
import pytest
from hypothesis import settings

def test_a_tool_is_missing():
    pytest.skip("no such tool")

@pytest.mark.xfail(reason="a known bug is not a skip", strict=True)
def test_known_bug():
    assert False

def test_profile():
    print("PROFILE", settings().derandomize, settings().deadline)
'''


def _pytest(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k not in ("CI", "ESATIS_CI_PASS", "DATABASE_URL", "REDIS_URL",
                                                               "HYPOTHESIS_PROFILE")}
    full.update(env, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *args],
                          cwd=tmp_path, env=full, capture_output=True, text=True, timeout=180)


def _probe(tmp_path: Path) -> Path:
    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "conftest.py").write_text("from tests.conftest import pytest_runtest_makereport  # noqa: F401\n")
    (probe / "test_probe.py").write_text(PROBE)
    return probe


def test_outside_ci_a_skip_is_a_skip(tmp_path):
    r = _pytest([str(_probe(tmp_path))], tmp_path)
    assert "1 passed, 1 skipped, 1 xfailed" in r.stdout, r.stdout
    assert "PROFILE False" in r.stdout


def test_under_ci_a_skip_fails_and_hypothesis_is_derandomised(tmp_path):
    r = _pytest([str(_probe(tmp_path))], tmp_path, CI="true")
    assert r.returncode == 1
    assert "1 failed, 1 passed, 1 xfailed" in r.stdout, r.stdout
    assert "CI=true: this test skipped" in r.stdout and "no such tool" in r.stdout
    assert "PROFILE True None" in r.stdout


def test_postgres_tests_skip_by_design_only_on_the_sqlite_pass(tmp_path):
    target = str(ROOT / "tests" / "faults" / "test_clock_skew.py")  # marked postgres; skips at setup
    sqlite_pass = _pytest([target, "--rootdir", str(ROOT)], tmp_path, CI="true", ESATIS_CI_PASS="sqlite")
    assert sqlite_pass.returncode == 0 and "2 skipped" in sqlite_pass.stdout, sqlite_pass.stdout
    pg_pass = _pytest([target, "--rootdir", str(ROOT)], tmp_path, CI="true", ESATIS_CI_PASS="postgres")
    assert pg_pass.returncode == 1 and "2 errors" in pg_pass.stdout, pg_pass.stdout  # fails at setup
    assert "CI=true, PostgreSQL pass: PostgreSQL" in pg_pass.stdout
