"""One-click unsubscribe: the signing key from SSM, the service for the email sender (links) and for the admin API's
``/unsubscribe`` route (``handlers.unsubscribe_http.unsubscribe_router``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from notify_core.adapters.ssm import SecretReader
from notify_core.services.unsubscribe import Unsubscriber


def signing_key(ssm: Any, parameter: str) -> Callable[[], bytes]:
    """The HMAC key, read through Powertools' parameter cache (once per 5 minutes per container), never logged."""
    reader = SecretReader(ssm)

    def key() -> bytes:
        return reader(parameter).encode()

    return key


def build_unsubscriber(
    ssm: Any, *, key_parameter: str, suppressions_table: str, users_table: str, base_url: str = ""
) -> Unsubscriber:
    """The endpoint's service (the admin API composes it with its own clients and settings)."""
    from notify_core.adapters.dynamodb.suppressions_table import SuppressionsTable
    from notify_core.adapters.dynamodb.users_table import UsersTable

    return Unsubscriber(
        store=SuppressionsTable(suppressions_table),
        users=UsersTable(users_table),
        key=signing_key(ssm, key_parameter),
        base_url=base_url,
    )
