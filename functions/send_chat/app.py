"""Sender for chat channels (Slack): one delivery per SQS message, exactly once, retried with backoff."""

from notify_core.channels.slack import SlackChannel
from notify_core.sending import sqs_handler

handler = sqs_handler(SlackChannel())
