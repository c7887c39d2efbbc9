"""The first command's terminal (issue 17, quiet start): the installer's noise goes to var/install.log and
the terminal shows numbered steps; `esatis serve --demo` prints its banner — ruleset, demo logins, URL —
after the start-up log lines, the URL last."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOISE = "DEPRECATION: the project.license table is deprecated"


def _fake_python(tmp_path: Path, exit_code: int) -> Path:
    """A stand-in for the venv's python that talks like pip: the bootstrap runs it as a real subprocess, so
    what reaches the terminal and what reaches the log is the bootstrap's real redirection."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True, exist_ok=True)
    py = venv / "bin" / "python"
    py.write_text(f"#!/bin/sh\necho 'Collecting things'\necho '{NOISE}' >&2\nexit {exit_code}\n")
    py.chmod(0o755)
    return venv


def _bootstrap(tmp_path: Path, exit_code: int) -> subprocess.CompletedProcess[str]:
    venv = _fake_python(tmp_path, exit_code)
    env = dict(os.environ, ESATIS_VENV=str(venv), ESATIS_VAR_DIR=str(tmp_path / "var"))
    env.pop("ESATIS_VERBOSE_INSTALL", None)
    # ensure_env only: main() would exec the fake environment's `esatis`.
    code = ("import importlib.machinery, sys; m = importlib.machinery.SourceFileLoader('boot', sys.argv[1])"
            ".load_module(); m.ensure_env()")
    return subprocess.run([sys.executable, "-c", code, str(ROOT / "esatis")], env=env, capture_output=True,
                          text=True, timeout=60, check=False)


def test_the_installer_talks_to_its_log_and_the_terminal_shows_the_steps(tmp_path):
    done = _bootstrap(tmp_path, 0)
    assert done.returncode == 0, done.stderr
    terminal = done.stdout + done.stderr
    assert NOISE not in terminal and "Collecting" not in terminal
    assert "[1/2]" in terminal and "[2/2] done" in terminal
    assert all(line.startswith("[esatis]") for line in terminal.splitlines()), terminal
    log = (tmp_path / "var" / "install.log").read_text()
    assert NOISE in log and "Collecting things" in log
    assert (tmp_path / "venv" / ".esatis-installed").exists()
    # A second start with the same pyproject.toml installs nothing and says nothing.
    again = _bootstrap(tmp_path, 0)
    assert again.returncode == 0 and again.stdout + again.stderr == ""


def test_a_failing_install_step_shows_the_log_tail_and_stops(tmp_path):
    done = _bootstrap(tmp_path, 3)
    assert done.returncode == 3
    assert "step 1 failed (exit 3)" in done.stderr
    assert NOISE in done.stderr  # the log's tail, shown only now
    assert not (tmp_path / "venv" / ".esatis-installed").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_serve_demo_prints_the_ruleset_the_logins_and_the_url_last(tmp_path):
    """A real `esatis serve --demo` on a fresh SQLite file: read its terminal until the URL line."""
    env = dict(os.environ, ESATIS_VAR_DIR=str(tmp_path), DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/demo.db",
               ESATIS_PASSWORD_HASHING="fast", ESATIS_SMS=f"file:{tmp_path}/sms.jsonl", PYTHONWARNINGS="default")
    for name in ("REDIS_URL", "ESATIS_RULESET", "ESATIS_WORKERS", "ESATIS_FAULT"):
        env.pop(name, None)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "web.cli", "serve", "--demo", "--port", str(port)], env=env,
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    url_seen = threading.Event()

    def read() -> None:  # a thread: a blocking readline never stalls on the pipe's buffering
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if "esatis is running at" in line:
                url_seen.set()
        url_seen.set()  # the process ended

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        url_seen.wait(timeout=240)  # a bound on a hung start, not a measure: no assertion on time
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        reader.join(timeout=10)
    text = "\n".join(lines)
    url = next(i for i, ln in enumerate(lines) if "esatis is running at" in ln)
    assert f"http://localhost:{port}/" in lines[url]
    ruleset = next(i for i, ln in enumerate(lines) if ln.strip().startswith("Ruleset: law"))
    logins = next(i for i, ln in enumerate(lines) if "Demo logins:" in ln)
    assert ruleset < logins < url, text
    assert "ESATIS_RULESET=demo" in lines[ruleset + 1]  # how to get the minutes-long rules
    for email in ("alici1@esatis.test", "personel@esatis.test", "mudur@esatis.test", "admin@esatis.test"):
        assert any(email in ln for ln in lines[logins:url]), email
    # The start-up's own lines (migrations, demo, workers) all come before the banner.
    assert ruleset > 0 and all(ln.strip() == "" or ln.startswith("  ") for ln in lines[ruleset:url + 1]), text
    assert "DeprecationWarning" not in text and "deprecated" not in text.lower(), text
