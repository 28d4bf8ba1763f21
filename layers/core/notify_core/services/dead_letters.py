"""Dead letters: a message in a channel's DLQ is one whose last receive ended without an outcome.

A sender records ``dead`` itself when the last retry fails (and deletes the message), so a message only reaches
the DLQ when a receive crashed, timed out or could not write its outcome, after it may have reached the provider:
the delivery is recorded ``unknown`` (never ``dead``: dead means it surely did not go out), its message kept for
a person to replay. A delivery already final is left alone; an unreadable message stays in the DLQ, where the
DLQ-depth alarm shows it.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from notify_core.observability import logger, metrics
from notify_core.services.ports import DeliveryLog


class DeadLetters:
    def __init__(self, *, deliveries: DeliveryLog) -> None:
        self.deliveries = deliveries

    def handle(self, body: str, *, source_queue: str) -> dict[str, Any]:
        message = json.loads(body)
        settled = self.deliveries.settle_dead_letter(message, source_queue=source_queue)
        metrics.add_metric(name="deliveries_unknown", unit=MetricUnit.Count, value=1 if settled else 0)
        logger.error(
            "delivery outcome unknown: its last receive left none" if settled else "dead letter of a final delivery",
            extra={
                "delivery_id": message["delivery_id"],
                "org_id": message["org_id"],
                "channel": message.get("channel"),
                "queue": source_queue,
            },
        )
        return {"unknown": settled is not None}
