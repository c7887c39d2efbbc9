"""One HTTP attempt of one delivery: check the URL again (SSRF, after DNS), sign, POST to the checked
address, read a bounded excerpt of the answer. Never raises: every way an attempt can end is an outcome."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpx

from auction import clock
from auction.errors import DomainError
from auction.webhooks import ssrf
from auction.webhooks.errors import WebhookUrlRefused, WebhookUrlUnresolvable
from auction.webhooks.policy import DeliveryPolicy
from auction.webhooks.signing import signature_header

USER_AGENT = "esatis-webhooks/1 (+Standard Webhooks)"


@dataclass(frozen=True)
class Outcome:
    # success | http_error | gone | redirect | timeout | connection_error | refused | unresolvable | invalid_url
    outcome: str
    status_code: int | None
    duration_ms: int
    excerpt: str | None = None
    error: str | None = None
    address: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "success"


def classify(status: int) -> str:
    if 200 <= status < 300:
        return "success"
    if status == 410:
        return "gone"  # the receiver says: stop sending (the endpoint is disabled)
    if 300 <= status < 400:
        return "redirect"  # never followed: the redirect target was never checked
    return "http_error"


@dataclass(frozen=True)
class Request:
    url: str
    msg_id: str
    body: bytes
    secrets: list[str]


async def _read_excerpt(response: httpx.Response, limit: int) -> bytes:
    data = b""
    async for chunk in response.aiter_raw():
        data += chunk
        if len(data) >= limit:
            break
    return data[:limit]


async def send(req: Request, *, policy: DeliveryPolicy, allow_private: bool, require_https: bool) -> Outcome:
    started = time.monotonic()

    def ms() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = await ssrf.resolve(ssrf.parse_url(req.url, require_https=require_https),
                                    allow_private=allow_private)
    except WebhookUrlRefused as exc:
        return Outcome("refused", None, ms(), error=f"{exc.details.get('reason')}: {exc.details.get('address', '')}"
                       .strip(": "))
    except WebhookUrlUnresolvable:
        return Outcome("unresolvable", None, ms(), error="DNS lookup failed")
    except DomainError as exc:
        return Outcome("invalid_url", None, ms(), error=str(exc.details.get("reason", exc.code)))
    now = clock.now()
    headers = {
        "host": target.host_header(),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": req.msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature_header(req.secrets, req.msg_id, now, req.body),
    }
    extensions: dict[str, str] = {}
    if target.scheme == "https" and ssrf.ip_literal(target.host) is None:
        extensions["sni_hostname"] = target.host  # TLS name and certificate check: the hostname, not the IP
    timeout = httpx.Timeout(policy.io_timeout, connect=policy.connect_timeout)
    try:
        async with asyncio.timeout(policy.total_timeout):
            # A client per attempt: connections are never shared between hostnames that resolve to one IP.
            async with httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False) as client:
                request = client.build_request("POST", target.connect_url(), content=req.body, headers=headers,
                                               extensions=extensions)
                response = await client.send(request, stream=True)
                try:
                    raw = await _read_excerpt(response, policy.max_response_bytes)
                finally:
                    await response.aclose()
    except (TimeoutError, httpx.TimeoutException):
        return Outcome("timeout", None, ms(), error=f"no answer within {policy.total_timeout:g} s", address=target.ip)
    except httpx.HTTPError as exc:
        return Outcome("connection_error", None, ms(), error=f"{type(exc).__name__}: {exc}"[:300], address=target.ip)
    excerpt = raw.decode("utf-8", errors="replace").strip()[: policy.excerpt_chars] or None
    return Outcome(classify(response.status_code), response.status_code, ms(), excerpt=excerpt, address=target.ip)
