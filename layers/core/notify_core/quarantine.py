"""Events that cannot be routed go to the quarantine queue with their reason; a metric counts them."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from notify_core import clients
from notify_core.config import get_config
from notify_core.delivery_log import utcnow_iso
from notify_core.errors import InvalidEventError
from notify_core.observability import logger, metrics

MAX_KEPT_BYTES = 200 * 1024


def quarantine(raw_body: str, error: InvalidEventError, *, message_id: str | None = None) -> None:
    kept: Any = raw_body if len(raw_body.encode()) <= MAX_KEPT_BYTES else raw_body[:MAX_KEPT_BYTES]
    body = json.dumps(
        {
            "reason": error.reason,
            "detail": error.detail,
            "quarantined_at": utcnow_iso(),
            "source_message_id": message_id,
            "event": kept,
        },
        separators=(",", ":"),
    )
    clients.client("sqs").send_message(
        QueueUrl=get_config().queue_url("quarantine"),
        MessageBody=body,
        MessageAttributes={"reason": {"DataType": "String", "StringValue": error.reason}},
    )
    metrics.add_metric(name="events_quarantined", unit=MetricUnit.Count, value=1)
    metrics.add_metadata(key="quarantine_reason", value=error.reason)
    logger.warning("event quarantined", extra={"reason": error.reason, "detail": error.detail})
