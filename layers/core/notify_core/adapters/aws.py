"""boto3 clients for the adapters of one built function.

Each function builds one ``AwsClients`` when its handler is built and hands it to every adapter it composes:
each service's client is created once per container (cold start) and reused across invocations, from its own
boto3 session (clients are thread-safe, session creation is not), reading the endpoint (``AWS_ENDPOINT_URL``,
set by the local runtime) and region from the environment at that moment.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config

# Standard retry mode retries throttling and 5xx with backoff inside the SDK before we see an error.
SDK_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=10)


class AwsClients:
    def __init__(self, config: Config = SDK_CONFIG) -> None:
        self._config = config
        self._session = boto3.session.Session()
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __call__(self, service: str) -> Any:
        client = self._clients.get(service)
        if client is None:
            with self._lock:
                client = self._clients.get(service)
                if client is None:
                    client = self._clients[service] = self._session.client(service, config=self._config)
        return client
