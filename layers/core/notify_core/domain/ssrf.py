"""SSRF guard for webhook URLs.

A URL is allowed only if it is https, at most ``MAX_URL_BYTES`` long, names an allowed port (443 unless the
deployment lists more: ``WEBHOOK_ALLOWED_PORTS``), and every address its host resolves to is a public unicast
address: no private, loopback, link-local (incl. the 169.254.169.254 metadata service), CGNAT, multicast,
reserved, unspecified, IETF protocol (192.0.0.0/24), 6to4 relay (192.88.99.0/24) or benchmarking ranges, in IPv4
or IPv6 (incl. IPv4-mapped IPv6, 6to4 addresses whose embedded IPv4 address is not public, Teredo, and the
fd00:ec2::254 metadata address). The sender then connects to the vetted address itself, so a DNS answer that
changes between check and connect (rebinding) cannot redirect it.

The embedded local runtime may allow *loopback* http(s) URLs on any port, explicitly; nothing else is relaxed.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Collection
from dataclasses import dataclass
from urllib.parse import urlsplit

Resolver = Callable[[str, int], list[str]]

_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
# Ranges Python's ipaddress does not count as private or reserved (in every version we run on), refused all the same.
_NOT_PUBLIC_V4 = tuple(
    ipaddress.ip_network(n)
    for n in (
        "100.64.0.0/10",  # CGNAT
        "192.0.0.0/24",  # IETF protocol assignments (192.0.0.9 and .10 count as global in Python 3.11)
        "192.88.99.0/24",  # 6to4 relay anycast (deprecated, RFC 7526)
        "198.18.0.0/15",  # benchmarking
    )
)
_6TO4 = ipaddress.ip_network("2002::/16")
# Where a URL may point: https on 443 unless a deployment lists more ports (WEBHOOK_ALLOWED_PORTS).
DEFAULT_PORTS = (443,)
# No webhook URL needs more; the delivery log indexes <org>#webhook#<url>, and DynamoDB bounds index keys (2 KB).
MAX_URL_BYTES = 1024


class UnsafeUrl(ValueError):
    pass


@dataclass(frozen=True)
class VettedUrl:
    scheme: str
    host: str
    port: int
    path: str  # path + query, as sent
    address: str  # the IP to connect to


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        elif ip in _6TO4:
            # 2002:AABB:CCDD::/48 routes to the IPv4 address AA.BB.CC.DD: public only if that one is.
            embedded = ip.sixtofour
            return embedded is not None and _is_public(embedded)
        elif ip.teredo:
            return False  # a tunnel to an IPv4 host we cannot vet (and Python counts Teredo as private anyway)
    if ip in _METADATA:
        return False
    if isinstance(ip, ipaddress.IPv4Address) and any(ip in n for n in _NOT_PUBLIC_V4):
        return False
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def vet(  # noqa: C901
    url: str,
    *,
    allow_loopback: bool = False,
    resolver: Resolver = system_resolver,
    allowed_ports: Collection[int] = DEFAULT_PORTS,
) -> VettedUrl:
    # One guard, read top to bottom as the sequence of refusals it is; split up, the order would hide.
    if len(url.encode("utf-8", "surrogatepass")) > MAX_URL_BYTES:
        raise UnsafeUrl(f"the URL is longer than {MAX_URL_BYTES} bytes")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http"):
        raise UnsafeUrl(f"scheme {parts.scheme!r} is not allowed")
    if parts.username or parts.password:
        raise UnsafeUrl("credentials in webhook URLs are not allowed")
    host = parts.hostname
    if not host:
        raise UnsafeUrl("the URL has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeUrl("the URL's port is invalid") from None
    refused_port = f"port {port} is not allowed (allowed: {', '.join(map(str, sorted(allowed_ports)))})"
    if not allow_loopback:  # refused before any DNS lookup
        if parts.scheme != "https":
            raise UnsafeUrl("webhook URLs must use https")
        if port not in allowed_ports:
            raise UnsafeUrl(refused_port)
    try:
        addresses = resolver(host, port)
    except OSError as exc:
        raise UnsafeUrl(f"cannot resolve {host}: {exc}") from None
    if not addresses:
        raise UnsafeUrl(f"{host} resolves to no address")
    ips = [ipaddress.ip_address(a.split("%")[0]) for a in addresses]
    loopback_only = all(ip.is_loopback for ip in ips)
    if allow_loopback and loopback_only:
        pass  # the local runtime's receiver; http is fine on loopback
    else:
        bad = [str(ip) for ip in ips if not _is_public(ip)]
        if bad:
            raise UnsafeUrl(f"{host} resolves to a non-public address ({', '.join(bad)})")
        if parts.scheme != "https":
            raise UnsafeUrl("webhook URLs must use https")
        if port not in allowed_ports:
            raise UnsafeUrl(refused_port)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return VettedUrl(scheme=parts.scheme, host=host, port=port, path=path, address=str(ips[0]))
