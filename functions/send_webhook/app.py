"""Sender for the webhook channel: one delivery per SQS message, exactly once, retried with backoff."""

from notify_core.channels.webhook import WebhookChannel
from notify_core.sending import sqs_handler

handler = sqs_handler(WebhookChannel())
