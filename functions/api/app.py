"""Admin API: API Gateway HTTP API (JWT authorizer) -> the Powertools resolver of ``notify_core.handlers.api``.

The handler is built on the first invocation from this function's environment (``notify_core.compose.api``).
"""

from notify_core.compose.api import build
from notify_core.handlers.entry import LazyHandler

handler = LazyHandler(build)
