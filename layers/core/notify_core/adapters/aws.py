"""AWS SDK clients for the adapters of one built function.

Each function builds one ``AwsClients`` when its handler is built and hands it to every adapter it composes:
each service's client is created once per container (cold start) and reused across invocations (clients are
thread-safe), reading the endpoint (``AWS_ENDPOINT_URL``, set by the local runtime) and region from the
environment at that moment.

Clients come from a botocore session, not boto3's: boto3 adds nothing a client needs here, and importing it
pulls in s3transfer and its managers (about a third of ``import boto3``), which every cold start would pay.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

import botocore.session
from botocore.config import Config

# Standard retry mode retries throttling and 5xx with backoff inside the SDK before we see an error.
SDK_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=10)


@cache
def shared_session() -> botocore.session.Session:
    # One per process: its loader caches the service models every client is made from. On Lambda a process is
    # one function; the local runtime, which builds every function (again after each reset), would otherwise
    # parse the same JSON models a dozen times per build. Clients are created from it one at a time (the lock
    # below), as botocore requires.
    return botocore.session.get_session()


_lock = threading.Lock()


class AwsClients:
    def __init__(self, config: Config = SDK_CONFIG) -> None:
        self._config = config
        self.session = shared_session()
        self._clients: dict[str, Any] = {}

    def __call__(self, service: str) -> Any:
        client = self._clients.get(service)
        if client is None:
            with _lock:
                client = self._clients.get(service)
                if client is None:
                    client = self._clients[service] = self.session.create_client(service, config=self._config)
        return client

    def separate(self, service: str, config: Config, *, name: str) -> Any:
        """A client with its own configuration (e.g. without retries), cached under ``name`` apart from the
        shared ones."""
        key = f"{service}@{name}"
        client = self._clients.get(key)
        if client is None:
            with _lock:
                client = self._clients.get(key)
                if client is None:
                    client = self._clients[key] = self.session.create_client(service, config=config)
        return client
