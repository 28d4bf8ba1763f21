"""Sender for chat channels (Slack, Telegram): one delivery per SQS message, exactly once, retried with backoff.

The handler is built on the first invocation from this function's environment (``notify_core.compose.send_chat``).
"""

from notify_core.compose.send_chat import build
from notify_core.handlers.entry import LazyHandler

handler = LazyHandler(build)
