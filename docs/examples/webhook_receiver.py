#!/usr/bin/env python3
"""A minimal esatis webhook receiver: verifies every request (Standard Webhooks) and prints the event.

    pip install standardwebhooks
    WEBHOOK_SECRET=whsec_... python webhook_receiver.py --port 8142 [--fail-first]

- The signature is checked on the raw body, before anything else; a bad one gets 401 (esatis retries it,
  so a receiver whose secret is wrong sees the same event again once it is fixed).
- `webhook-id` identifies the event: the same id on every retry, so processing is made idempotent by
  remembering the ids already done (here in memory; use your database).
- Answer 2xx quickly and do the work afterwards: esatis waits at most a few seconds per attempt.
- During a secret rotation esatis signs with both secrets; give both, comma-separated, in WEBHOOK_SECRET.
- `--fail-first` answers 500 to the first delivery of each event, to watch the retries (demo only).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

SECRETS = [s.strip() for s in os.environ.get("WEBHOOK_SECRET", "").split(",") if s.strip()]
SEEN: set[str] = set()
FAILED_ONCE: set[str] = set()
LOCK = threading.Lock()


def verify(body: bytes, headers: dict[str, str]) -> dict:
    last: Exception | None = None
    for secret in SECRETS:
        try:
            return Webhook(secret).verify(body, headers)
        except WebhookVerificationError as exc:
            last = exc
    raise WebhookVerificationError(str(last or "no secret configured"))


class Handler(BaseHTTPRequestHandler):
    fail_first = False

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        msg_id = headers.get("webhook-id", "?")
        try:
            event = verify(body, headers)
        except WebhookVerificationError as exc:
            print(f"REJECTED {msg_id}: {exc}", flush=True)
            self._answer(401, b"bad signature")
            return
        with LOCK:
            if self.fail_first and msg_id not in FAILED_ONCE:
                FAILED_ONCE.add(msg_id)
                print(f"VERIFIED {msg_id} {event['type']} -> answering 500 once (demo)", flush=True)
                self._answer(500, b"try again")
                return
            duplicate = msg_id in SEEN
            SEEN.add(msg_id)
        print(f"VERIFIED {msg_id} {event['type']}{' (duplicate, ignored)' if duplicate else ''} "
              f"signatures={len(headers['webhook-signature'].split())} "
              f"data={json.dumps(event['data'], ensure_ascii=False)}", flush=True)
        self._answer(200, b"ok")

    def _answer(self, status: int, text: bytes) -> None:
        self.send_response(status)
        self.send_header("content-type", "text/plain")
        self.send_header("content-length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8142)
    parser.add_argument("--fail-first", action="store_true")
    args = parser.parse_args()
    if not SECRETS:
        sys.exit("set WEBHOOK_SECRET to the endpoint's whsec_… secret")
    Handler.fail_first = args.fail_first
    print(f"listening on http://{args.host}:{args.port}/", flush=True)
    ThreadingHTTPServer((args.host, args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
