"""The SSRF guard through the system resolver (``socket.getaddrinfo`` faked: unit tests resolve no names), and
the corners of the guard the mutation run (``make mutate``) found untested."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from notify_core.domain import ssrf
from notify_core.domain.ssrf import UnsafeUrl, VettedUrl, vet

pytestmark = pytest.mark.unit

PUBLIC = "93.184.215.14"
PUBLIC_V6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c"


class FakeGetaddrinfo:
    """``socket.getaddrinfo`` answering from a table, in its own shape: (family, type, proto, canonname, sockaddr),
    sockaddr (host, port) for IPv4 and (host, port, flowinfo, scope_id) for IPv6; records every call."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.calls: list[tuple[str, int, int]] = []

    def __call__(self, host: str, port: int, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0):
        self.calls.append((host, port, type))
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, port, 0, 0))
            if ":" in a
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in self.table[host]
        ]


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch):
    def install(table: dict[str, list[str]]) -> FakeGetaddrinfo:
        fake = FakeGetaddrinfo(table)
        monkeypatch.setattr(socket, "getaddrinfo", fake)
        return fake

    return install


def test_the_system_resolver_returns_each_address_once_in_order(dns):
    # getaddrinfo repeats an address per socket type and protocol: the guard wants each address once
    fake = dns({"hooks.example.com": [PUBLIC_V6, PUBLIC, PUBLIC, "93.184.215.15"]})
    assert ssrf.system_resolver("hooks.example.com", 8443) == [
        "2606:2800:21f:cb07:6820:80da:af6b:8b2c",
        PUBLIC,
        "93.184.215.15",
    ]
    assert fake.calls == [("hooks.example.com", 8443, socket.SOCK_STREAM)]


def test_vet_resolves_through_the_system_resolver_by_default(dns):
    fake = dns({"hooks.example.com": [PUBLIC]})
    assert vet("https://hooks.example.com/notify") == VettedUrl(
        scheme="https", host="hooks.example.com", port=443, path="/notify", address=PUBLIC
    )
    assert fake.calls == [("hooks.example.com", 443, socket.SOCK_STREAM)]


def test_a_name_the_system_resolves_to_a_private_address_is_refused(dns):
    dns({"intranet.example.com": ["10.1.2.3"], "rebind.example.com": [PUBLIC, "169.254.169.254"]})
    with pytest.raises(UnsafeUrl, match=r"^intranet\.example\.com resolves to a non-public address \(10\.1\.2\.3\)$"):
        vet("https://intranet.example.com/")
    with pytest.raises(UnsafeUrl, match=r"non-public address \(169\.254\.169\.254\)"):
        vet("https://rebind.example.com/")


def test_a_name_the_system_cannot_resolve_is_refused(dns):
    dns({})
    with pytest.raises(UnsafeUrl, match=r"^cannot resolve nowhere\.example\.com: "):
        vet("https://nowhere.example.com/")


def test_http_without_a_port_is_port_80_on_loopback(dns):
    fake = dns({"localhost": ["127.0.0.1"]})
    v = vet("http://localhost/hooks", allow_loopback=True)
    assert (v.scheme, v.port, v.address) == ("http", 80, "127.0.0.1")
    assert fake.calls == [("localhost", 80, socket.SOCK_STREAM)]


def test_a_password_without_a_user_name_is_still_a_credential():
    with pytest.raises(UnsafeUrl, match=r"^credentials in webhook URLs are not allowed$"):
        vet("https://:s3cret@hooks.example.com/", resolver=lambda host, port: [PUBLIC])


def test_an_ipv4_mapped_ipv6_address_is_judged_as_the_ipv4_address_it_maps():
    # ::ffff:a.b.c.d is how a dual-stack resolver may answer for an IPv4 host: public when a.b.c.d is
    v = vet("https://hooks.example.com/", resolver=lambda host, port: [f"::ffff:{PUBLIC}"])
    assert ipaddress.ip_address(v.address).ipv4_mapped == ipaddress.ip_address(PUBLIC)
    with pytest.raises(UnsafeUrl, match="non-public address"):
        vet("https://hooks.example.com/", resolver=lambda host, port: ["::ffff:192.168.0.1"])


@pytest.mark.parametrize("ip", ["4000::1", "f000::1", "6000::1"])
def test_reserved_ipv6_space_is_refused(ip):
    # IETF-reserved, unallocated space: Python's ipaddress does not count it as private, only as reserved
    with pytest.raises(UnsafeUrl, match="non-public address"):
        vet("https://hooks.example.com/", resolver=lambda host, port: [ip])
