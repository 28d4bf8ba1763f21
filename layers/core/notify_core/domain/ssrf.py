"""SSRF guard for webhook URLs.

A URL is allowed only if it is https and every address its host resolves to is a public unicast
address: no private, loopback, link-local (incl. the 169.254.169.254 metadata service), CGNAT,
multicast, reserved or unspecified ranges, in IPv4 or IPv6 (incl. IPv4-mapped IPv6 and the
fd00:ec2::254 metadata address). The sender then connects to the vetted address itself, so a DNS
answer that changes between check and connect (rebinding) cannot redirect it.

The embedded local runtime may allow *loopback* http(s) URLs, explicitly; nothing else is relaxed.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

Resolver = Callable[[str, int], list[str]]

_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
_CGNAT = ipaddress.ip_network("100.64.0.0/10")


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
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip in _METADATA:
        return False
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
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


def vet(url: str, *, allow_loopback: bool = False, resolver: Resolver = system_resolver) -> VettedUrl:  # noqa: C901
    # One guard, read top to bottom as the sequence of refusals it is; split up, the order would hide.
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
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return VettedUrl(scheme=parts.scheme, host=host, port=port, path=path, address=str(ips[0]))
