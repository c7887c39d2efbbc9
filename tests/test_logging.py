"""Secrets and personal data never reach the logs (issue 16 A, docs/security.md): the `redact` processor,
and a scan of every line a sign-up, a sign-in, a token and an IBAN change write."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import structlog

from auction.logging import REDACTED, configure_logging, redact, redact_text

TCKN = "10000000146"  # a valid TC kimlik no (checksum), not a real person's
IBAN = "TR330006100519786457841326"


@pytest.mark.parametrize(("raw", "leaked"), [
    (f"kimlik {TCKN} ile", TCKN),
    (f"iade IBAN {IBAN}", IBAN),
    ("iade IBAN TR33 0006 1005 1978 6457 8413 26", "0006 1005 1978"),
    ("Authorization: Bearer esat_Zx9-abc.def", "esat_Zx9"),
    ("secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
    ("smtp://bildirim:Gizli-Parola@mail.example:587", "Gizli-Parola"),
])
def test_redact_text_masks_personal_data_and_secrets(raw, leaked):
    assert leaked not in redact_text(raw)


def test_what_is_not_a_secret_stays_readable():
    # 11 digits without a valid checksum (a timestamp, an amount in kuruş) and the IBAN's last four.
    assert redact_text("ts 17331234567 tutar 1250000.50") == "ts 17331234567 tutar 1250000.50"
    assert redact_text(f"IBAN {IBAN}").endswith("1326")


def test_secret_fields_are_blanked_at_any_depth():
    out = redact(None, "info", {"event": "x", "password": "p4ss", "csrf_token": "c", "webhook_secret": "s",
                                "headers": {"Authorization": "Bearer x", "cookie": "esatis_session=abc"},
                                "items": [{"token": "t"}, f"tc {TCKN}"], "code": "bid_too_low", "sale_id": 7})
    assert out["password"] == out["csrf_token"] == out["webhook_secret"] == REDACTED
    assert out["headers"] == {"Authorization": REDACTED, "cookie": REDACTED}
    assert out["items"] == [{"token": REDACTED}, "tc ***********"]
    assert (out["code"], out["sale_id"]) == ("bid_too_low", 7)  # error codes and ids stay


@contextmanager
def logs_in(fmt: str) -> Iterator[io.StringIO]:
    """The app's log configuration in format `fmt`, written to a buffer; the previous configuration restored
    after."""
    root = logging.getLogger()
    handlers, level, config = root.handlers[:], root.level, structlog.get_config()
    try:
        configure_logging("INFO", fmt)
        structlog.configure(cache_logger_on_first_use=False)
        buffer = io.StringIO()
        handler = root.handlers[0]
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(buffer)
        yield buffer
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        structlog.configure(**config)


@pytest.fixture
def json_logs():
    """The production log configuration (JSON lines) for one test."""
    with logs_in("json") as buffer:
        yield lambda: buffer.getvalue().splitlines()


async def test_a_scan_of_the_logs_finds_no_secret(client, json_logs):
    password = "Gizli-Parola-2026x"
    r = await client.post("/api/v1/auth/register", json={"email": "tarama@esatis.test", "password": password,
                                                          "full_name": "Tarama Testi"})
    assert r.status_code == 201, r.text
    r = await client.post("/api/v1/auth/token", json={"email": "tarama@esatis.test", "password": password})
    token = r.json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    # The IBAN goes through the request and the service (refused here: no phone for the code, issue 17).
    r = await client.put("/api/v1/me/refund-iban", headers=headers, json={"iban": IBAN})
    assert r.status_code == 409 and r.json()["error"]["code"] == "phone_required", r.text
    await client.post("/api/v1/auth/token", json={"email": "tarama@esatis.test", "password": password + "x"})
    # And a careless log line of our own: the processor catches it too.
    structlog.get_logger("esatis.test").warning("careless", password=password, note=f"iban {IBAN} tc {TCKN}",
                                                authorization=f"Bearer {token}")
    lines = json_logs()
    assert len(lines) >= 5
    events = [json.loads(line) for line in lines if line.startswith("{")]
    assert any(e.get("event") == "careless" for e in events)
    text = "\n".join(lines)
    for secret in (password, token, IBAN, TCKN):
        assert secret not in text


def test_weasyprint_font_subset_notice_is_dropped_and_its_other_warnings_kept(json_logs):
    """A machine without libharfbuzz-subset made WeasyPrint warn once per font of every PDF (about 90 lines
    after the demo's start-up banner); that notice is dropped, any other WeasyPrint warning still shows."""
    weasy = logging.getLogger("weasyprint")
    weasy.warning('Using fontTools instead of HarfBuzz-Subset for font "DejaVu Sans". This will be unsupported '
                  "in future versions of WeasyPrint. Please install HarfBuzz-Subset >= 4.1.0 with your package "
                  "manager.")
    weasy.warning("Ignored `float: sideways` at 3:5, invalid value.")
    events = [json.loads(line)["event"] for line in json_logs()]
    assert events == ["Ignored `float: sideways` at 3:5, invalid value."]


def test_console_tracebacks_show_no_locals():
    """The console format (the demo's) renders an exception as a plain traceback (`format_exc_info` runs before
    the renderer): structlog's own default renders it with rich and every frame's locals — ~25 s for one 500
    on PostgreSQL, and the locals (tokens, passwords) would bypass `redact`."""
    def fails(password: str) -> None:
        raise RuntimeError("boom")

    secret = "-".join(["Gizli", "Parola", "2026"])  # built at run time: the source line never shows it
    with logs_in("console") as buffer:
        try:
            fails(secret)
        except RuntimeError:
            structlog.get_logger("test").exception("unexpected")
    out = buffer.getvalue()
    assert "RuntimeError: boom" in out and "fails" in out  # the traceback is there
    assert "Gizli-Parola-2026" not in out  # the frame's locals are not
