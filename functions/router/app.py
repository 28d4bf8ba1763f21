"""Router: EventBridge (via the events queue) -> validated, resolved, queued deliveries."""

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from notify_core.batch import BackoffBatchProcessor
from notify_core.dispatch import Dispatcher
from notify_core.observability import logger, metrics

processor = BackoffBatchProcessor()
dispatcher = Dispatcher()


def record_handler(record: SQSRecord) -> dict:
    return dispatcher.handle_body(record.body, message_id=record.message_id)


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    dispatcher.register_context(context)
    return process_partial_response(event, record_handler, processor, context)
