"""Delivery outcomes that are not a plain success.

A channel adapter raises ``PermanentDeliveryError`` when trying again cannot help (invalid address,
HTTP 4xx, rejected by the provider), ``TransientDeliveryError`` when it can and the provider surely did not take
the message (5xx, throttling, no connection), and ``AmbiguousDeliveryError`` when it cannot know (the request
went out, no answer came). The sender records the first as failed, lets SQS retry the second, and records the
third as ``unknown``.
"""

from __future__ import annotations


class DeliveryError(Exception):
    def __init__(self, code: str, detail: str = "", *, http_status: int | None = None) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.http_status = http_status


class PermanentDeliveryError(DeliveryError):
    """Retrying will not help; the delivery is recorded as failed."""


class TransientDeliveryError(DeliveryError):
    """Retry later; after the queue's maxReceiveCount the message goes to the DLQ."""

    def __init__(
        self,
        code: str,
        detail: str = "",
        *,
        http_status: int | None = None,
        retry_after_s: int | None = None,
    ) -> None:
        super().__init__(code, detail, http_status=http_status)
        self.retry_after_s = retry_after_s


class AmbiguousDeliveryError(DeliveryError):
    """The request may have reached the provider but its answer never came (a read timeout, a connection closed
    mid-answer): sending again could send twice. The delivery is recorded ``unknown``, never retried by itself."""


class UnansweredDeliveryError(TransientDeliveryError):
    """No answer, to a receiver that takes repeats (it deduplicates by the delivery's id): retried, but the request
    may have been acted on, so a delivery that never gets an answer ends ``unknown``, never ``dead``."""


class InvalidEventError(Exception):
    """An event that cannot be routed; it is quarantined with ``reason`` and never retried."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
