"""Sender for chat channels (Slack, Telegram): one delivery per SQS message, exactly once, retried with backoff.

The chat queue carries both; each message goes through the adapter its ``channel`` names.
"""

from notify_core.channels.slack import SlackChannel
from notify_core.channels.telegram import TelegramChannel
from notify_core.sending import sqs_handler

handler = sqs_handler(SlackChannel(), TelegramChannel())
