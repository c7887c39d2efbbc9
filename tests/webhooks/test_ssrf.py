"""The SSRF guard refuses every address class, in every spelling, on create and again on every send after
DNS resolution; the send connects to the address it checked."""

from __future__ import annotations

import ipaddress

import pytest
from sqlalchemy import func, select

from auction.webhooks import ssrf
from auction.webhooks.errors import WebhookUrlInvalid, WebhookUrlRefused, WebhookUrlUnresolvable
from auction.webhooks.models import WebhookEndpoint

CLASSES = [
    ("127.0.0.1", "loopback"), ("127.255.0.9", "loopback"), ("::1", "loopback"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"),  # noqa: S104 - an address to refuse, not to bind
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("172.31.255.254", "private"), ("192.168.1.1", "private"),
    ("fd12:3456::1", "private"),
    ("169.254.1.1", "link_local"), ("fe80::1", "link_local"),
    ("100.64.0.1", "cgnat"), ("100.127.255.254", "cgnat"),
    ("224.0.0.1", "multicast"), ("239.255.255.250", "multicast"), ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"), ("255.255.255.255", "reserved"), ("192.0.2.10", "reserved"),
    ("198.18.0.1", "reserved"), ("198.51.100.7", "reserved"), ("203.0.113.5", "reserved"), ("2001:db8::1", "reserved"),
    ("192.88.99.1", "reserved"),
    ("169.254.169.254", "metadata"), ("169.254.170.2", "metadata"), ("168.63.129.16", "metadata"),
    ("100.100.100.200", "metadata"), ("fd00:ec2::254", "metadata"), ("192.0.0.192", "metadata"),
    # IPv4 carried in IPv6: mapped, NAT64, 6to4, Teredo (client 10.0.0.1, obfuscated).
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"), ("::ffff:169.254.169.254", "metadata"),
    ("64:ff9b::7f00:1", "loopback"), ("2002:7f00:1::", "loopback"), ("2002:a9fe:a9fe::1", "metadata"),
    ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "private"),
]
PUBLIC = ["93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2a00:1450:4001:80b::200e",
          "::ffff:93.184.216.34"]


@pytest.mark.parametrize(("address", "why"), CLASSES)
def test_every_address_class_is_refused(address, why):
    assert ssrf.refusal(ipaddress.ip_address(address)) == why


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address):
    assert ssrf.refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(("spelling", "address"), [
    ("2130706433", "127.0.0.1"), ("0x7f000001", "127.0.0.1"), ("017700000001", "127.0.0.1"),
    ("0177.0.0.1", "127.0.0.1"), ("0x7f.0.0.1", "127.0.0.1"), ("127.1", "127.0.0.1"), ("0x7f.1", "127.0.0.1"),
    ("10.1", "10.0.0.1"), ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"), ("2852039166", "169.254.169.254"),
    ("127.0.0.1.", "127.0.0.1"),
])
def test_legacy_ipv4_spellings_are_read_as_the_resolver_would(spelling, address):
    assert ssrf.ip_literal(spelling) == ipaddress.ip_address(address)


@pytest.mark.parametrize("host", ["example.com", "1.2.3.4.5", "256.1.1.1", "1e3", "hooks.bank.com.tr", "08.1"])
def test_names_are_not_mistaken_for_addresses(host):
    assert ssrf.legacy_ipv4(host) is None


@pytest.mark.parametrize(("url", "why"), [
    ("http://127.0.0.1/hook", "loopback"), ("http://[::1]:8080/hook", "loopback"), ("http://2130706433/", "loopback"),
    ("http://0x7f.1/", "loopback"), ("http://0177.0.0.1/", "loopback"), ("http://[::ffff:127.0.0.1]/", "loopback"),
    ("http://10.0.0.5/", "private"), ("https://192.168.0.10/x", "private"), ("http://[fd00::1]/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "metadata"), ("http://[fe80::1]/", "link_local"),
    ("http://100.64.1.1/", "cgnat"), ("http://224.0.0.251/", "multicast"), ("http://0.0.0.0:9000/", "unspecified"),
    ("http://localhost:8000/", "local_name"), ("http://api.localhost/", "local_name"),
    ("http://metadata.google.internal/computeMetadata/v1/", "local_name"), ("http://printer.local/", "local_name"),
])
async def test_urls_to_refused_addresses_are_refused(url, why):
    with pytest.raises(WebhookUrlRefused) as caught:
        await ssrf.check_url(url, allow_private=False, require_https=False)
    assert caught.value.details["reason"] == why


async def test_every_resolved_address_must_be_public(resolver):
    resolver["hooks.example.test"] = ["93.184.216.34"]
    resolver["rebind.example.test"] = ["93.184.216.34", "10.0.0.1"]
    target = await ssrf.check_url("https://hooks.example.test/in", allow_private=False, require_https=True)
    assert (target.ip, target.host, target.port, target.path) == ("93.184.216.34", "hooks.example.test", 443, "/in")
    assert target.connect_url() == "https://93.184.216.34:443/in"
    with pytest.raises(WebhookUrlRefused) as caught:
        await ssrf.check_url("https://rebind.example.test/", allow_private=False, require_https=True)
    assert caught.value.details == {"reason": "private", "host": "rebind.example.test", "address": "10.0.0.1"}
    with pytest.raises(WebhookUrlUnresolvable):
        await ssrf.check_url("https://nowhere.example.test/", allow_private=False, require_https=True)


@pytest.mark.parametrize(("url", "reason"), [
    ("ftp://example.com/", "scheme"), ("file:///etc/passwd", "scheme"),
    ("https://user:pw@example.com/", "credentials_in_url"),
    ("https:///nohost", "host"), ("https://example.com/#frag", "fragment"), ("http://[::1/", "malformed"),
    ("https://example.com:99999/", "malformed"),
])
def test_malformed_urls(url, reason):
    with pytest.raises(WebhookUrlInvalid) as caught:
        ssrf.parse_url(url, require_https=False)
    assert caught.value.details["reason"] == reason


def test_production_requires_https():
    with pytest.raises(WebhookUrlInvalid) as caught:
        ssrf.parse_url("http://example.com/", require_https=True)
    assert caught.value.details["reason"] == "https_required"


async def test_allow_private_lets_loopback_through():
    target = await ssrf.check_url("http://127.0.0.1:8142/hook", allow_private=True, require_https=False)
    assert target.ip == "127.0.0.1" and target.host_header() == "127.0.0.1:8142"


@pytest.mark.parametrize(("url", "why"), [
    ("http://169.254.169.254/latest/meta-data/", "metadata"), ("http://[fd00:ec2::254]/", "metadata"),
    ("http://[::ffff:169.254.169.254]/", "metadata"), ("http://2852039166/", "metadata"),
    ("http://168.63.129.16/", "metadata"), ("http://100.100.100.200/", "metadata"),
    ("http://169.254.1.1/", "link_local"), ("http://[fe80::1]/", "link_local"), ("http://[febf::1]/", "link_local"),
])
async def test_allow_private_still_refuses_metadata_and_link_local(url, why):
    with pytest.raises(WebhookUrlRefused) as caught:
        await ssrf.check_url(url, allow_private=True, require_https=False)
    assert caught.value.details["reason"] == why


async def test_allow_private_still_refuses_a_name_resolving_to_metadata(resolver):
    resolver["lan.example.test"] = ["192.168.1.20"]
    resolver["meta.example.test"] = ["192.168.1.20", "169.254.169.254"]
    target = await ssrf.check_url("http://lan.example.test/hook", allow_private=True, require_https=False)
    assert target.ip == "192.168.1.20"
    with pytest.raises(WebhookUrlRefused) as caught:
        await ssrf.check_url("http://meta.example.test/", allow_private=True, require_https=False)
    assert caught.value.details == {"reason": "metadata", "host": "meta.example.test", "address": "169.254.169.254"}


async def test_create_refuses_a_private_url_and_writes_nothing(hooks, runtime):
    runtime.settings.webhook_allow_private = False
    for url in ("http://127.0.0.1:8000/x", "http://[::ffff:169.254.169.254]/", "http://2130706433/"):
        r = await hooks.client.post("/api/v1/webhooks/endpoints", headers=hooks.admin.headers,
                                    json={"url": url, "events": ["sale.won"]})
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == "webhook_url_refused"
        assert r.json()["error"]["details"]["reason"] in ("loopback", "metadata")
    async with runtime.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0


async def test_a_name_that_turns_private_after_creation_is_refused_at_send(hooks, receiver, runtime, resolver):
    """DNS rebinding: the name was public when the endpoint was made; at send time it points inside. The
    dispatcher resolves again, refuses, and never connects (the receiver on 127.0.0.1 hears nothing)."""
    runtime.settings.webhook_allow_private = False
    resolver["hooks.example.test"] = ["93.184.216.34"]
    ep = await hooks.endpoint(f"http://hooks.example.test:{receiver.port}/hook")
    resolver["hooks.example.test"] = ["127.0.0.1"]
    await hooks.emit("sale.won", {"sale_id": 1})
    await hooks.deliver()
    attempt, = (await hooks.log(ep["id"]))["attempts"]
    assert (attempt["outcome"], attempt["status_code"]) == ("refused", None)
    assert "loopback" in attempt["error"] and attempt["next_retry_at"] is not None
    assert receiver.requests == []


async def test_the_send_connects_to_the_address_it_checked(hooks, receiver, resolver):
    """The name exists only in the guard's resolver: the request can only have reached the receiver by
    connecting to the checked address, with the name kept in the Host header."""
    resolver["hooks.example.test"] = ["127.0.0.1"]
    ep = await hooks.endpoint(f"http://hooks.example.test:{receiver.port}/hook")
    await hooks.emit("sale.won", {"sale_id": 1})
    await hooks.deliver()
    got, = await receiver.wait_for(1)
    assert got.headers["host"] == f"hooks.example.test:{receiver.port}"
    assert (await hooks.log(ep["id"]))["attempts"][0]["status_code"] == 200
