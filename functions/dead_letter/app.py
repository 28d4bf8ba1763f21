"""Dead letters: a delivery whose retries are exhausted is marked dead, its message kept for replay.

A dead webhook delivery also publishes "URL notification failed" (SEEDS §3) so the org's contacts
subscribed to it get an email (``notify_core.endpoint_health.publish_url_failure``; if publishing fails
the record stays in the DLQ and is tried again: the alert's event id makes the repeat a no-op).

A message that is not a delivery (unreadable) is reported as failed and stays in the DLQ, where the
DLQ-depth alarm shows it: nothing is deleted unseen.
"""

import json

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from notify_core import delivery_log
from notify_core.endpoint_health import publish_url_failure
from notify_core.observability import logger, metrics

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> None:
    message = json.loads(record.body)
    queue = record.event_source_arn.rsplit(":", 1)[-1]
    dead = delivery_log.mark_dead(message, source_queue=queue)
    metrics.add_metric(name="deliveries_dead", unit=MetricUnit.Count, value=1)
    logger.error(
        "delivery dead",
        extra={
            "delivery_id": message["delivery_id"],
            "org_id": message["org_id"],
            "channel": message.get("channel"),
            "queue": queue,
        },
    )
    if dead is not None and message.get("channel") == "webhook":
        attempts = int(dead.attempt_count or 1)
        statuses = [a.http_status for a in dead.attempts or [] if a.http_status]
        publish_url_failure(
            message,
            # One alert per death: a replayed delivery that dies again alerts again (more attempts).
            event_id=f"delivery-dead:{message['delivery_id']}:{attempts}",
            last_error=dead.error_detail or dead.error_code or "retries exhausted",
            attempts=attempts,
            http_status=statuses[-1] if statuses else None,
            reason="delivery_dead",
        )


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(event, record_handler, processor, context)
