"""Sender for the email channel: one delivery per SQS message, exactly once, retried with backoff."""

from notify_core.channels.email import EmailChannel
from notify_core.sending import sqs_handler

handler = sqs_handler(EmailChannel())
