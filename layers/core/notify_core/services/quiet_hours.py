"""The end of a held SMS's quiet hours (README "Time zones and quiet hours").

The router holds an SMS that would leave outside business hours in its recipient's time zone: it logs the delivery
``held`` (with when it goes) and starts a reminder-step execution that waits until then and invokes the remind
function with ``{"held": <the queue message>}``. Here that message goes on the SMS queue, as the router would have
queued it by day; from there the delivery protocol is the usual one (same delivery id, the sender's rule: a ``held``
record is attempted on the message's first receive, a repeat of a delivery already final is dropped).

Nothing is read or written here: releasing twice (a retried task) queues the message twice, which the FIFO queue
drops within five minutes and the sender drops after that (the delivery is final by then).
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from notify_core.observability import logger, metrics
from notify_core.services.ports import DeliveryQueues


class HeldReleases:
    def __init__(self, *, queues: DeliveryQueues) -> None:
        self.queues = queues

    def release(self, payload: dict[str, Any]) -> dict[str, Any]:
        message = payload["held"]
        if not isinstance(message, dict) or message.get("channel") != "sms" or not message.get("delivery_id"):
            # Only the router starts these executions, with an SMS: anything else is a bug, not worth a retry.
            logger.error("held payload is not an SMS delivery", extra={"payload": str(payload)[:500]})
            return {"outcome": "not an SMS delivery: nothing released"}
        self.queues.send_one("sms", json.dumps(message, separators=(",", ":")))
        metrics.add_metric(name="sms_released", unit=MetricUnit.Count, value=1)
        logger.info("held SMS released", extra={"delivery_id": message["delivery_id"], "org_id": message.get("org_id")})
        return {"outcome": "released", "delivery_id": message["delivery_id"]}
