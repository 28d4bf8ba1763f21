"""boto3 clients, created once per process (cold start) and reused across invocations.

``reset()`` drops every cached client and PynamoDB connection: the local runtime calls it when it
points the process at a new moto endpoint.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# Standard retry mode retries throttling and 5xx with backoff inside the SDK before we see an error.
_SDK_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=10)


@cache
def client(service: str) -> Any:
    return boto3.client(service, config=_SDK_CONFIG)  # type: ignore[call-overload]


def reset() -> None:
    client.cache_clear()
    from notify_core.delivery_log import Delivery
    from notify_core.inbox import InboxItem
    from notify_core.settings_store import SettingsItem
    from notify_core.suppression import Suppression
    from notify_core.users import UserSettings

    for model in (Delivery, SettingsItem, InboxItem, Suppression, UserSettings):
        model._connection = None
