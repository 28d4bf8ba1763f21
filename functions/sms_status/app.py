"""SNS SMS delivery status (CloudWatch Logs subscription) -> delivery log (delivered / failed).

The handler is built on the first invocation from this function's environment (``notify_core.compose.sms_status``).
"""

from notify_core.compose.sms_status import build
from notify_core.handlers.entry import LazyHandler

handler = LazyHandler(build)
