"""Dead letters: deliveries whose retries are exhausted are marked dead, their message kept for replay.

The handler is built on the first invocation from this function's environment (``notify_core.compose.dead_letter``).
"""

from notify_core.compose.dead_letter import build
from notify_core.handlers.entry import LazyHandler

handler = LazyHandler(build)
