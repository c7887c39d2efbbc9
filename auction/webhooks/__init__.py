"""Signed webhooks for outside systems (Standard Webhooks), as the API contract names them.

- `models`: endpoints, deliveries (one per endpoint and event), attempts.
- `consumer`: the outbox relay's consumer that writes the deliveries in the relay's transaction.
- `dispatch` + `sender` (run by workers/webhook_dispatcher.py): claim, send, record, retry, circuit.
- `ssrf`: the address checks, at creation and before every send.
- `signing`: secrets (encrypted at rest) and signatures; `payloads`: the bodies (ids and pseudonyms).
- `service`: the admin operations behind `/api/v1/webhooks/…` and `/yonetim/webhooklar`.

docs/webhooks.md is the receivers' guide; docs/adr/0010-webhook-delivery.md the design.
"""
