"""Inbound SMS to the two-way number: STOP opts the number out of the org it answered, START back in.

The handler is built on the first invocation from this function's environment (``notify_core.compose.sms_inbound``).
"""

from notify_core.compose.sms_inbound import build
from notify_core.handlers.entry import LazyHandler

handler = LazyHandler(build)
