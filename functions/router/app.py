"""Router: EventBridge (via the events queue) -> validated, resolved, queued deliveries.

The handler is built on the first invocation from this function's environment (``notify_core.compose.router``).
"""

from notify_core.compose.router import build
from notify_core.handlers.entry import LazyHandler

handler = LazyHandler(build)
