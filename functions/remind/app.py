"""Remind: one step of a reminder series, invoked by the reminder state machine (README "Timers").

The handler is built on the first invocation from this function's environment (``notify_core.compose.remind``).
"""

from notify_core.compose.remind import build
from notify_core.handlers.entry import LazyHandler

handler = LazyHandler(build)
