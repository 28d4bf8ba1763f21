"""Sender for the sms channel: one delivery per SQS message, exactly once, retried with backoff."""

from notify_core.channels.sms import SmsChannel
from notify_core.sending import sqs_handler

handler = sqs_handler(SmsChannel())
