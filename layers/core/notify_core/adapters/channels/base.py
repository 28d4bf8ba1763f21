"""What every channel adapter is: ``send(message, rendered) -> SendResult`` or a classified delivery error."""

from __future__ import annotations

from typing import Any, Protocol

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from notify_core.domain.delivery import SendResult
from notify_core.domain.errors import AmbiguousDeliveryError, PermanentDeliveryError, TransientDeliveryError
from notify_core.domain.rendered import Rendered

__all__ = ["Channel", "SendResult", "classify_aws_error"]


class Channel(Protocol):
    name: str

    def send(self, message: dict[str, Any], rendered: Rendered) -> SendResult:
        """Send one delivery. Raise PermanentDeliveryError or TransientDeliveryError on failure."""
        ...


# Provider errors that retrying cannot fix; anything else is retried and, if it persists, dead-lettered
# (an unknown error must end in the DLQ with its reason, never be dropped as "failed" unseen).
_TRANSIENT_CODES = {
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
    "LimitExceededException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "InternalFailure",
    "InternalError",
    "InternalServerError",
    "RequestTimeout",
    "KMSThrottlingException",
}


def classify_aws_error(exc: Exception, permanent_codes: set[str]) -> Exception:
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "ClientError")
        message = exc.response.get("Error", {}).get("Message", "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in permanent_codes and code not in _TRANSIENT_CODES:
            return PermanentDeliveryError(f"rejected:{code}", message, http_status=status)
        return TransientDeliveryError(f"provider:{code}", message, http_status=status)
    if isinstance(exc, (ConnectTimeoutError, EndpointConnectionError)):
        return TransientDeliveryError("provider_unreachable", str(exc))  # the request never left
    if isinstance(exc, (ReadTimeoutError, ConnectionClosedError)):
        # The request went out and no answer came: the provider may have taken it. Sending again could send twice.
        return AmbiguousDeliveryError("provider_no_answer", str(exc)[:300])
    if isinstance(exc, BotoCoreError):
        return TransientDeliveryError("provider_unreachable", str(exc))
    return exc
