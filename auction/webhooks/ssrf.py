"""The SSRF guard: a webhook URL may only reach the public internet.

An admin types the URL, but the platform makes the request from inside the network: a URL pointing at
127.0.0.1, a private range or a cloud metadata service would let whoever controls an endpoint read or poke
internal services. So:

- on create, the URL is parsed strictly (http/https, no user:password, a host) and its host checked:
  an IP literal in any spelling (`127.1`, `2130706433`, `0x7f.0.0.1`, `0177.0.0.1`, `[::ffff:127.0.0.1]`),
  or every address a name resolves to;
- on every send, the name is resolved again and every address checked, and the request then connects to
  the checked address itself (the Host header and TLS name stay the hostname), so a DNS answer that
  changes between the check and the connection (DNS rebinding) cannot redirect it;
- redirects are never followed (a 3xx is a failed attempt).

Refused: loopback, unspecified, private (RFC 1918, IPv6 ULA), link-local, CGNAT (100.64/10), multicast,
documentation, benchmarking and every other non-global range, and the cloud metadata addresses, for IPv4
and IPv6, including IPv4 carried inside IPv6 (IPv4-mapped, NAT64, 6to4, Teredo).
`ESATIS_WEBHOOK_ALLOW_PRIVATE=true` (development and tests only; refused in production) lifts the check for
a receiver on localhost or a private network, never for the cloud metadata addresses or the link-local
ranges (169.254.0.0/16, fe80::/10) where metadata services live: those stay refused with the flag on.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from auction.webhooks.errors import WebhookUrlInvalid, WebhookUrlRefused, WebhookUrlUnresolvable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

# Cloud metadata and similar host services, some of them at otherwise public addresses.
METADATA = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean …
    "169.254.170.2",  # AWS ECS task metadata
    "168.63.129.16",  # Azure wire server (a public address)
    "100.100.100.200",  # Alibaba Cloud
    "192.0.0.192",  # Oracle Cloud
    "fd00:ec2::254",  # AWS over IPv6
))
CGNAT = ipaddress.ip_network("100.64.0.0/10")
PRIVATE = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"))
# Global by Python's tables but not a place a webhook should go.
EXTRA_RESERVED = tuple(ipaddress.ip_network(n) for n in (
    "192.88.99.0/24",  # 6to4 relay anycast (deprecated)
    "64:ff9b:1::/48",  # local-use NAT64
    "2001:db8::/32",  # documentation
))
NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Refused even with ESATIS_WEBHOOK_ALLOW_PRIVATE=true: the flag is for a receiver on localhost or a private
# network, and no receiver lives at a metadata service.
ALWAYS_REFUSED = frozenset({"metadata", "link_local"})
# Names that are local by definition, refused before any lookup.
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".localdomain")


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, NAT64, 6to4, Teredo client), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def refusal(ip: IPAddress) -> str | None:
    """Why this address may not receive a webhook (the address class), or None if it may."""
    if isinstance(ip, ipaddress.IPv6Address):
        ip = ip.__class__(ip.compressed.split("%")[0])  # a scope id changes nothing
        inner = _embedded_v4(ip)
        if inner is not None:
            return refusal(inner)
    if ip in METADATA:
        return "metadata"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link_local"
    if ip.is_multicast:
        return "multicast"
    if ip in CGNAT:
        return "cgnat"
    if any(ip in net for net in PRIVATE):
        return "private"
    if not ip.is_global or ip.is_reserved or any(ip in net for net in EXTRA_RESERVED):
        return "reserved"
    return None


def _legacy_part(part: str) -> int | None:
    try:
        if part.lower().startswith("0x"):
            return int(part[2:] or "0", 16)
        if len(part) > 1 and part.startswith("0"):
            return int(part, 8)
        return int(part, 10)
    except ValueError:
        return None


def legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address of the forms `inet_aton` (and so most resolvers and browsers) accept besides the
    dotted quad: 1 to 4 parts, each decimal, octal (leading 0) or hex (0x): `2130706433`, `0x7f.1`,
    `0177.0.0.1`, `127.1`. None for anything else (a hostname)."""
    parts = host.split(".")
    if host.endswith("."):
        parts = parts[:-1]
    if not 1 <= len(parts) <= 4:
        return None
    values = [_legacy_part(p) for p in parts]
    if any(v is None or v < 0 for v in values):
        return None
    nums = [int(v) for v in values if v is not None]
    *head, last = nums
    if any(v > 255 for v in head) or last >= 256 ** (5 - len(nums)):
        return None
    value = 0
    for v in head:
        value = value * 256 + v
    value = value * 256 ** (4 - len(head)) + last
    return ipaddress.IPv4Address(value)


def ip_literal(host: str) -> IPAddress | None:
    """The address if `host` is an IP literal in any accepted spelling, else None."""
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return ipaddress.ip_address(bare.split("%")[0])
    except ValueError:
        return legacy_ipv4(bare)


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (`ip`) and what to ask for (`host`, `path`)."""

    scheme: str
    host: str  # the hostname as written (lower case), for the Host header and TLS
    port: int
    path: str  # path and query
    ip: str | None = None  # the address checked, once resolved

    @property
    def default_port(self) -> bool:
        return self.port == (443 if self.scheme == "https" else 80)

    def connect_url(self) -> str:
        """The URL with the checked address in place of the name (the request connects to it)."""
        assert self.ip is not None
        literal = f"[{self.ip}]" if ":" in self.ip else self.ip
        return f"{self.scheme}://{literal}:{self.port}{self.path}"

    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.default_port else f"{host}:{self.port}"


def parse_url(url: str, *, require_https: bool) -> Target:
    """Check the shape of an endpoint URL (no network)."""
    url = url.strip()
    if len(url) > 2000:
        raise WebhookUrlInvalid(details={"reason": "too_long"})
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise WebhookUrlInvalid(details={"reason": "malformed"}) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise WebhookUrlInvalid(details={"reason": "scheme", "allowed": ["https", "http"]})
    if require_https and scheme != "https":
        raise WebhookUrlInvalid("Webhook adresi https:// ile başlamalıdır.", details={"reason": "https_required"})
    if parts.username is not None or parts.password is not None:
        raise WebhookUrlInvalid("Adreste kullanıcı adı ve parola bulunamaz; alıcı imzayı doğrular.",
                                details={"reason": "credentials_in_url"})
    if parts.fragment:
        raise WebhookUrlInvalid(details={"reason": "fragment"})
    host = (parts.hostname or "").lower().rstrip(".")
    if not host or any(c.isspace() for c in host):
        raise WebhookUrlInvalid(details={"reason": "host"})
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=scheme, host=host, port=port or (443 if scheme == "https" else 80), path=path)


def _check_ip(ip: IPAddress, host: str, *, allow_private: bool = False) -> None:
    why = refusal(ip)
    if why is not None and (not allow_private or why in ALWAYS_REFUSED):
        raise WebhookUrlRefused(details={"reason": why, "host": host, "address": str(ip)})


async def system_resolver(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    out: list[str] = []
    for info in infos:
        address = str(info[4][0]).split("%")[0]
        if address not in out:
            out.append(address)
    return out


_resolver: Resolver = system_resolver


def set_resolver(resolver: Resolver | None) -> Resolver:
    """Install the name resolver (tests give names their own answers); returns the previous one."""
    global _resolver
    previous = _resolver
    _resolver = resolver or system_resolver
    return previous


async def resolve(target: Target, *, allow_private: bool) -> Target:
    """Resolve and check the target's host; the returned target carries the address to connect to.
    Every address of the answer must be allowed (a name that also points inside is refused)."""
    literal = ip_literal(target.host)
    if literal is not None:
        _check_ip(literal, target.host, allow_private=allow_private)
        host = str(literal)
        return Target(target.scheme, host, target.port, target.path, ip=host)
    if not allow_private and (target.host == "localhost" or target.host.endswith(LOCAL_SUFFIXES)):
        raise WebhookUrlRefused(details={"reason": "local_name", "host": target.host})
    try:
        answers = await _resolver(target.host, target.port)
    except (OSError, UnicodeError):
        raise WebhookUrlUnresolvable(details={"host": target.host}) from None
    addresses: list[IPAddress] = []
    for answer in answers:
        try:
            addresses.append(ipaddress.ip_address(answer))
        except ValueError:
            continue
    if not addresses:
        raise WebhookUrlUnresolvable(details={"host": target.host})
    for ip in addresses:
        _check_ip(ip, target.host, allow_private=allow_private)
    return Target(target.scheme, target.host, target.port, target.path, ip=str(addresses[0]))


async def check_url(url: str, *, allow_private: bool, require_https: bool) -> Target:
    """The full check of an endpoint URL: shape, then host and addresses. Raises a 422 domain error."""
    return await resolve(parse_url(url, require_https=require_https), allow_private=allow_private)
