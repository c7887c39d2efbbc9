"""The ESATIS_SMS senders: each form delivers the message where the setting says (a real HTTP server for
the gateway form), and bad phone numbers never reach a gateway."""

import asyncio
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from typing import ClassVar

import pytest

from auction.sms import ConsoleSms, FileSms, HttpSms, SmsError, SmsMessage, sender_for


def test_sender_for_each_form(tmp_path):
    assert isinstance(sender_for("console"), ConsoleSms)
    file_sender = sender_for(f"file:{tmp_path / 'sms.jsonl'}")
    assert isinstance(file_sender, FileSms)
    assert file_sender.path == tmp_path / "sms.jsonl"
    http_sender = sender_for("https://user:secret@sms.example.test:8443/api/send?x=1")
    assert isinstance(http_sender, HttpSms)
    assert http_sender.url == "https://sms.example.test:8443/api/send?x=1"
    assert http_sender.auth == ("user", "secret")


@pytest.mark.parametrize("phone", ["05321234567", "+0532", "532 123 45 67", "+90532123456789012", ""])
def test_only_e164_numbers_are_accepted(phone):
    with pytest.raises(SmsError):
        SmsMessage(to=phone, text="x")


async def test_file_sender_writes_one_json_line_per_message_even_concurrently(tmp_path):
    path = tmp_path / "out" / "sms.jsonl"
    sender = FileSms(path)
    await asyncio.gather(*(sender.send(SmsMessage(to="+905321234567", text=f"Kod {i:06d}", code=f"{i:06d}"))
                           for i in range(50)))
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 50
    assert sorted(line["code"] for line in lines) == [f"{i:06d}" for i in range(50)]
    assert all(line["to"] == "+905321234567" and line["text"] == f"Kod {line['code']}" for line in lines)


class _Gateway(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str | None, dict]]] = []
    status = 200

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append((self.headers.get("Authorization"), body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def gateway():
    _Gateway.received = []
    _Gateway.status = 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


async def test_http_sender_posts_to_the_gateway_without_the_code_field(gateway):
    port = gateway.server_address[1]
    sender = sender_for(f"http://acct:key@127.0.0.1:{port}/send")
    await sender.send(SmsMessage(to="+905321234567", text="Ödeme kodunuz: 123456", code="123456"))
    assert len(_Gateway.received) == 1
    auth, body = _Gateway.received[0]
    assert auth is not None and auth.startswith("Basic ")
    assert body == {"to": "+905321234567", "text": "Ödeme kodunuz: 123456"}


async def test_http_sender_reports_a_refusal_and_an_unreachable_gateway(gateway):
    _Gateway.status = 503
    port = gateway.server_address[1]
    with pytest.raises(SmsError, match="503"):
        await sender_for(f"http://127.0.0.1:{port}/send").send(SmsMessage(to="+905321234567", text="x"))
    gateway.shutdown()
    gateway.server_close()
    with pytest.raises(SmsError, match="unreachable"):
        await HttpSms(f"http://127.0.0.1:{port}/send", timeout=2).send(SmsMessage(to="+905321234567", text="x"))
