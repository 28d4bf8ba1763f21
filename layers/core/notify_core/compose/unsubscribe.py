"""One-click unsubscribe's signing key from SSM, for the email sender (signs links) and the admin API's
``/public/unsubscribe`` route (verifies them): ``compose.send_email``, ``compose.api``, ``compose.admin``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from notify_core.adapters.ssm import SecretReader
from notify_core.domain.errors import TransientDeliveryError


def signing_key(ssm: Any, parameter: str) -> Callable[[], bytes]:
    """The HMAC key, read through Powertools' parameter cache (once per 5 minutes per container), never logged.

    A key that cannot be read (not created yet, SSM throttling) is a transient failure: the email is retried with
    backoff and ends ``dead`` with this reason, never sent without the link a person may need."""
    reader = SecretReader(ssm)

    def key() -> bytes:
        try:
            return reader(parameter).encode()
        except Exception as exc:
            raise TransientDeliveryError(
                "unsubscribe_key_unavailable", f"{parameter}: {type(exc).__name__}: {str(exc)[:200]}"
            ) from None

    return key
