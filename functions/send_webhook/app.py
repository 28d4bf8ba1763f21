"""Sender for the webhook channel: signed POSTs, exactly once, retried with backoff; endpoint health.

The handler is built on the first invocation from this function's environment (``notify_core.compose.send_webhook``).
"""

from notify_core.compose.send_webhook import build
from notify_core.handlers.entry import LazyHandler

handler = LazyHandler(build)
