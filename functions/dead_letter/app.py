"""Dead letters: a delivery whose retries are exhausted is marked dead, its message kept for replay.

A message that is not a delivery (unreadable) is reported as failed and stays in the DLQ, where the
DLQ-depth alarm shows it: nothing is deleted unseen.
"""

import json

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from notify_core import delivery_log
from notify_core.observability import logger, metrics

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> None:
    message = json.loads(record.body)
    queue = record.event_source_arn.rsplit(":", 1)[-1]
    delivery_log.mark_dead(message, source_queue=queue)
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


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(event, record_handler, processor, context)
