"""Sender for the webhook channel: one delivery per SQS message, exactly once, retried with backoff."""

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from notify_core.batch import BackoffBatchProcessor
from notify_core.channels.webhook import WebhookChannel
from notify_core.observability import logger, metrics
from notify_core.sending import Sender

processor = BackoffBatchProcessor()
sender = Sender(WebhookChannel())


def record_handler(record: SQSRecord) -> dict:
    return sender.handle_body(record.body)


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    sender.register_context(context)
    return process_partial_response(event, record_handler, processor, context)
