""" "URL notification failed" (products.md §3): the org hears when its webhook endpoint cannot be reached.

Published on the platform's bus (source ``config.PLATFORM_SOURCE``) as an ordinary event, so the org's contacts
subscribed to the ``url_notification.failed`` group get an email. It cannot loop: that event type goes by email
only, and an alert is only ever raised for a webhook delivery that is not itself an alert.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from notify_core.domain.delivery import utcnow_iso
from notify_core.observability import logger, metrics
from notify_core.services.ports import DeliveryReader, Publisher

URL_FAILED = "url_notification.failed"


class UrlFailureAlerts:
    def __init__(self, *, publisher: Publisher, deliveries: DeliveryReader) -> None:
        self.publisher = publisher
        self.deliveries = deliveries

    def attempts(self, message: dict[str, Any]) -> int:
        """How many times this delivery was attempted (read once, only when alerting)."""
        try:
            record = self.deliveries.get_any(message["delivery_id"])
        except Exception:  # an alert with an approximate count beats no alert
            return 1
        return max(1, record.attempt_count) if record else 1

    def publish(
        self,
        message: dict[str, Any],
        *,
        event_id: str,
        last_error: str,
        attempts: int,
        http_status: int | None,
        reason: str,
    ) -> bool:
        """Publish ``url_notification.failed`` for a webhook delivery; False when it is not one to alert on."""
        if message.get("channel") != "webhook" or message.get("event_type") == URL_FAILED:
            return False
        data: dict[str, Any] = {
            "url": message["address"],
            "last_error": last_error or "unknown",
            "attempts": max(1, attempts),
            "endpoint_id": message.get("endpoint_id") or "",
            "notification_type": message.get("event_type"),
            "delivery_id": message["delivery_id"],
            "reason": reason,
        }
        if http_status:
            data["http_status"] = http_status
        payment_id = ((message.get("event") or {}).get("data") or {}).get("payment_id")
        if payment_id:
            data["payment_id"] = str(payment_id)
        detail = {
            "org_id": message["org_id"],
            "event_id": event_id,
            "occurred_at": utcnow_iso(),
            "subject": {"type": "webhook_endpoint", "id": message.get("endpoint_id") or "unknown", "scope": {}},
            "data": data,
        }
        self.publisher.publish(URL_FAILED, detail)
        metrics.add_metric(name="url_failure_alerts", unit=MetricUnit.Count, value=1)
        logger.info(
            "url failure alert published", extra={"org_id": message["org_id"], "event_id": event_id, "reason": reason}
        )
        return True
