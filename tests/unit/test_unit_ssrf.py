"""SSRF guard: https to public unicast addresses only; the vetted address is the one to connect to."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from pytest_socket import SocketBlockedError

from notify_core.domain import ssrf
from notify_core.domain.ssrf import UnsafeUrl, VettedUrl, vet

pytestmark = pytest.mark.unit

PUBLIC = "93.184.215.14"
PUBLIC_V6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c"

REFUSED = [
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "127.0.0.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "::1",
    "fe80::1",
    "fd00:ec2::254",
    "::ffff:127.0.0.1",
    "224.0.0.1",
    # and their neighbours
    "172.31.255.254",
    "100.127.255.254",
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",
    "::",
    "255.255.255.255",
    "198.18.0.1",
    "240.0.0.1",
    "ff02::1",
    "2001:db8::1",
]


class FakeDns:
    """Resolver stub: names from a table, IP literals resolve to themselves; records every lookup."""

    def __init__(self, table: dict[str, list[str]] | None = None) -> None:
        self.table = table or {}
        self.calls: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append((host, port))
        if host in self.table:
            return self.table[host]
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            raise OSError(f"[Errno -2] Name or service not known: {host}") from None


def _literal(ip: str) -> str:
    return f"[{ip}]" if ":" in ip else ip


def test_public_ip_allowed_for_https():
    dns = FakeDns({"hooks.example.com": [PUBLIC]})
    assert vet("https://hooks.example.com/notify?x=1&y=2", resolver=dns) == VettedUrl(
        scheme="https", host="hooks.example.com", port=443, path="/notify?x=1&y=2", address=PUBLIC
    )
    assert dns.calls == [("hooks.example.com", 443)]


def test_public_ipv6_and_an_explicit_port_the_deployment_allows():
    dns = FakeDns({"hooks.example.com": [PUBLIC_V6]})
    v = vet("https://Hooks.Example.COM:8443", resolver=dns, allowed_ports=(443, 8443))
    assert (v.host, v.port, v.path, v.address) == ("hooks.example.com", 8443, "/", PUBLIC_V6)
    assert dns.calls == [("hooks.example.com", 8443)]


def test_vetted_address_is_the_one_to_connect_to():
    dns = FakeDns({"hooks.example.com": ["93.184.215.15", PUBLIC]})
    assert vet("https://hooks.example.com/", resolver=dns).address == "93.184.215.15"
    assert vet(f"https://{PUBLIC}/x", resolver=FakeDns()).address == PUBLIC


def test_http_to_a_public_ip_is_refused():
    with pytest.raises(UnsafeUrl, match=r"^webhook URLs must use https$"):
        vet("http://hooks.example.com/", resolver=FakeDns({"hooks.example.com": [PUBLIC]}))


@pytest.mark.parametrize("ip", REFUSED)
def test_non_public_address_behind_a_name_is_refused(ip):
    dns = FakeDns({"hooks.example.com": [ip]})
    with pytest.raises(UnsafeUrl, match=r"^hooks\.example\.com resolves to a non-public address \("):
        vet("https://hooks.example.com/", resolver=dns)


@pytest.mark.parametrize("ip", REFUSED)
def test_non_public_address_literal_is_refused(ip):
    with pytest.raises(UnsafeUrl, match="non-public address"):
        vet(f"https://{_literal(ip)}/", resolver=FakeDns())


def test_link_local_with_zone_id_is_refused():
    with pytest.raises(UnsafeUrl, match=r"non-public address \(fe80::1\)"):
        vet("https://hooks.example.com/", resolver=FakeDns({"hooks.example.com": ["fe80::1%eth0"]}))


def test_one_public_and_one_private_address_is_refused():
    dns = FakeDns({"rebind.example.com": [PUBLIC, "10.0.0.1"]})
    with pytest.raises(UnsafeUrl, match=r"^rebind\.example\.com resolves to a non-public address \(10\.0\.0\.1\)$"):
        vet("https://rebind.example.com/", resolver=dns)


def test_allow_loopback_allows_http_to_loopback_only():
    v = vet("http://127.0.0.1:8089/hooks", allow_loopback=True, resolver=FakeDns())
    assert v == VettedUrl(scheme="http", host="127.0.0.1", port=8089, path="/hooks", address="127.0.0.1")
    dns = FakeDns({"localhost": ["127.0.0.1", "::1"]})
    assert vet("http://localhost/", allow_loopback=True, resolver=dns).address == "127.0.0.1"
    with pytest.raises(UnsafeUrl):
        vet("http://127.0.0.1:8089/hooks", resolver=FakeDns())


@pytest.mark.parametrize("ip", ["10.0.0.1", "169.254.169.254", "0.0.0.0", "::ffff:127.0.0.1", "fd00:ec2::254"])
def test_allow_loopback_still_refuses_other_non_public_addresses(ip):
    for scheme in ("http", "https"):
        with pytest.raises(UnsafeUrl, match="non-public address"):
            vet(f"{scheme}://{_literal(ip)}/", allow_loopback=True, resolver=FakeDns())


def test_allow_loopback_refuses_a_name_mixing_loopback_and_private():
    dns = FakeDns({"mixed.example.com": ["127.0.0.1", "169.254.169.254"]})
    with pytest.raises(UnsafeUrl, match=r"non-public address \(127\.0\.0\.1, 169\.254\.169\.254\)"):
        vet("http://mixed.example.com/", allow_loopback=True, resolver=dns)


def test_allow_loopback_does_not_relax_https_rule_for_public_hosts():
    with pytest.raises(UnsafeUrl, match="must use https"):
        vet("http://hooks.example.com/", allow_loopback=True, resolver=FakeDns({"hooks.example.com": [PUBLIC]}))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://user:pass@hooks.example.com/", "^credentials in webhook URLs are not allowed$"),
        ("https://user@hooks.example.com/", "^credentials in webhook URLs are not allowed$"),
        ("ftp://hooks.example.com/file", "^scheme 'ftp' is not allowed$"),
        ("file:///etc/passwd", "^scheme 'file' is not allowed$"),
        ("gopher://hooks.example.com/", "^scheme 'gopher' is not allowed$"),
        ("hooks.example.com/notify", "^scheme '' is not allowed$"),
        ("https:///notify", "^the URL has no host$"),
        ("https://", "^the URL has no host$"),
        ("https://hooks.example.com:99999/", "^the URL's port is invalid$"),
    ],
)
def test_malformed_or_dangerous_urls_are_refused_before_resolving(url, message):
    dns = FakeDns({"hooks.example.com": [PUBLIC]})
    with pytest.raises(UnsafeUrl, match=message):
        vet(url, resolver=dns)
    assert dns.calls == []


def test_unresolvable_host_is_refused():
    with pytest.raises(UnsafeUrl, match=r"^cannot resolve nowhere\.invalid: "):
        vet("https://nowhere.invalid/", resolver=FakeDns())
    with pytest.raises(UnsafeUrl, match=r"^empty\.example\.com resolves to no address$"):
        vet("https://empty.example.com/", resolver=FakeDns({"empty.example.com": []}))


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_network_and_dns_are_blocked_in_unit_tests():
    # the conftest blocks sockets and name resolution: proof that no test here resolves real names
    with pytest.raises(SocketBlockedError):
        vet("https://hooks.example.com/")
    for resolve in (socket.gethostbyname, socket.gethostbyname_ex, socket.gethostbyaddr):
        with pytest.raises(SocketBlockedError):
            resolve("localhost")
    with pytest.raises(SocketBlockedError):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)


@pytest.mark.parametrize("ip", [PUBLIC, PUBLIC_V6, "8.8.8.8", "1.1.1.1", "2001:4860:4860::8888"])
def test_public_unicast_addresses_are_public(ip):
    assert ssrf._is_public(ipaddress.ip_address(ip))


# -- what the first attack found open (6to4 embedding private IPv4, 192.0.0.0/24, 192.88.99.0/24, any port, any length)


@pytest.mark.parametrize(
    "address",
    [
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:a9fe:a9fe::",  # 6to4 of 169.254.169.254 (the metadata service)
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
        "2002:c0a8:101::",  # 6to4 of 192.168.1.1
        "192.0.0.9",  # IETF protocol assignments: Python 3.11 calls it global
        "192.0.0.170",
        "192.88.99.1",  # 6to4 relay anycast
        "198.18.0.1",  # benchmarking
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    ],
)
def test_ranges_that_reach_private_or_special_hosts_are_refused(address):
    with pytest.raises(UnsafeUrl, match="non-public address"):
        vet("https://hooks.example.com/x", resolver=FakeDns({"hooks.example.com": [address]}))


def test_a_6to4_address_of_a_public_ipv4_host_is_public():
    assert vet("https://h.example/", resolver=FakeDns({"h.example": ["2002:808:808::1"]})).port == 443


@pytest.mark.parametrize(
    "url", ["https://hooks.example.com:8443/x", "https://hooks.example.com:22/", "https://h.example:80/"]
)
def test_only_port_443_by_default_and_refused_before_any_dns_lookup(url):
    dns = FakeDns({"hooks.example.com": [PUBLIC], "h.example": [PUBLIC]})
    with pytest.raises(UnsafeUrl, match=r"port \d+ is not allowed \(allowed: 443\)"):
        vet(url, resolver=dns)
    assert dns.calls == []


def test_a_deployment_lists_more_ports():
    dns = FakeDns({"hooks.example.com": [PUBLIC]})
    assert vet("https://hooks.example.com:8443/x", resolver=dns, allowed_ports=(443, 8443)).port == 8443
    with pytest.raises(UnsafeUrl, match="port 9000 is not allowed"):
        vet("https://hooks.example.com:9000/x", resolver=dns, allowed_ports=(443, 8443))


def test_the_local_runtimes_loopback_receiver_may_use_any_port_nothing_else_may():
    local = FakeDns({"localhost": ["127.0.0.1"], "hooks.example.com": [PUBLIC]})
    assert vet("http://localhost:49152/x", resolver=local, allow_loopback=True).port == 49152
    with pytest.raises(UnsafeUrl, match="port 8443 is not allowed"):
        vet("https://hooks.example.com:8443/x", resolver=local, allow_loopback=True)


def test_a_url_over_the_length_cap_is_refused():
    from notify_core.domain.ssrf import MAX_URL_BYTES

    long_url = "https://hooks.example.com/" + "a" * MAX_URL_BYTES
    with pytest.raises(UnsafeUrl, match=f"longer than {MAX_URL_BYTES} bytes"):
        vet(long_url, resolver=FakeDns({"hooks.example.com": [PUBLIC]}))
