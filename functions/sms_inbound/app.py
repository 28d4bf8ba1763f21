"""Inbound SMS to the two-way number (AWS End User Messaging SMS -> sms-inbound topic -> queue).

STOP-like replies opt the number out of the org whose SMS it answered (every org when that cannot be
told), START-like ones opt it back in; other texts are ignored (see ``notify_core.sms_feedback``). A
payload that cannot be read fails its record: retried, then kept in the alarmed DLQ.
"""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from notify_core import sms_feedback
from notify_core.observability import logger, metrics

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> dict:
    return sms_feedback.handle_inbound_body(record.body)


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(event, record_handler, processor, context)
