"""Timers: the events that start, end and change reminder series of pending items (README "Timers").

The handler is built on the first invocation from this function's environment (``notify_core.compose.timers``).
"""

from notify_core.compose.timers import build
from notify_core.handlers.entry import LazyHandler

handler = LazyHandler(build)
