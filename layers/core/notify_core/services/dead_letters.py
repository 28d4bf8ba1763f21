"""Dead letters: a delivery whose retries are exhausted is marked dead, its message kept for replay.

A dead webhook delivery also publishes "URL notification failed" (products.md §3) so the org's contacts
subscribed to it get an email; if publishing fails the record stays in the DLQ and is tried again (the alert's
event id makes the repeat a no-op for the router). A delivery that went out (sent, failed, skipped, feedback)
is never marked dead: a message can reach the DLQ after a sender crashed having recorded its outcome.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from notify_core.observability import logger, metrics
from notify_core.services.alerts import UrlFailureAlerts
from notify_core.services.ports import DeliveryLog


class DeadLetters:
    def __init__(self, *, deliveries: DeliveryLog, alerts: UrlFailureAlerts) -> None:
        self.deliveries = deliveries
        self.alerts = alerts

    def handle(self, body: str, *, source_queue: str) -> dict[str, Any]:
        message = json.loads(body)
        dead = self.deliveries.mark_dead(message, source_queue=source_queue)
        metrics.add_metric(name="deliveries_dead", unit=MetricUnit.Count, value=1)
        logger.error(
            "delivery dead",
            extra={
                "delivery_id": message["delivery_id"],
                "org_id": message["org_id"],
                "channel": message.get("channel"),
                "queue": source_queue,
            },
        )
        if dead is not None and message.get("channel") == "webhook":
            attempts = max(1, dead.attempt_count)
            statuses = [a.http_status for a in dead.attempts if a.http_status]
            self.alerts.publish(
                message,
                # One alert per death: a replayed delivery that dies again alerts again (more attempts).
                event_id=f"delivery-dead:{message['delivery_id']}:{attempts}",
                last_error=dead.error_detail or dead.error_code or "retries exhausted",
                attempts=attempts,
                http_status=statuses[-1] if statuses else None,
                reason="delivery_dead",
            )
        return {"dead": dead is not None}
