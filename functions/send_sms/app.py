"""Sender for the sms channel: one delivery per SQS message, exactly once, retried with backoff.

The handler is built on the first invocation from this function's environment (``notify_core.compose.send_sms``).
"""

from notify_core.compose.send_sms import build
from notify_core.handlers.entry import LazyHandler

handler = LazyHandler(build)
