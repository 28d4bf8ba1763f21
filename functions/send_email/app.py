"""Sender for the email channel: one delivery per SQS message, exactly once, retried with backoff.

The handler is built on the first invocation from this function's environment (``notify_core.compose.send_email``).
"""

from notify_core.compose.send_email import build
from notify_core.handlers.entry import LazyHandler

handler = LazyHandler(build)
