"""SES feedback: delivery, bounce, complaint, reject and delay events -> delivery log and suppressions.

The handler is built on the first invocation from this function's environment (``notify_core.compose.feedback``).
"""

from notify_core.compose.feedback import build
from notify_core.handlers.entry import LazyHandler

handler = LazyHandler(build)
