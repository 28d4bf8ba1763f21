"""Unit tests: the pure core, with the network blocked.

Every test runs with sockets disabled (pytest-socket) and name resolution stubbed out, so a unit test
that reached for AWS, DNS or an HTTP endpoint fails instead of quietly depending on the machine.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import pytest_socket

REPO_ROOT = Path(__file__).resolve().parents[2]


def _no_dns(*args: object, **kwargs: object) -> None:
    raise pytest_socket.SocketBlockedError("name resolution is blocked in unit tests")


@pytest.fixture(autouse=True)
def _network_blocked(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # disable_socket() blocks socket.socket, getaddrinfo and gethostbyname; these two resolve names too.
    for name in ("gethostbyname_ex", "gethostbyaddr"):
        monkeypatch.setattr(socket, name, _no_dns)
    pytest_socket.disable_socket(allow_unix_socket=False)
    try:
        yield
    finally:
        pytest_socket.enable_socket()


@pytest.fixture
def templates_dir() -> str:
    """The repository's default templates (the directory the layer ships), independent of env vars."""
    return str(REPO_ROOT / "templates")
