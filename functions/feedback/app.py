"""SES feedback: delivery, bounce, complaint, reject and delay events -> delivery log and suppressions.

Each SQS record is an SNS envelope around one SES event (see ``notify_core.feedback``). A record that
is not an SES event at all fails and, after the queue's retries, waits in the feedback DLQ (alarmed);
an event for a delivery we do not know is logged and counted, not retried.
"""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from notify_core import feedback
from notify_core.observability import logger, metrics

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> dict:
    return feedback.handle_body(record.body)


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(event, record_handler, processor, context)
