"""Schedules: the platform-wide tick (EventBridge Scheduler) that sends the activity reports that fell due
(README "Activity reports and schedules").

The handler is built on the first invocation from this function's environment (``notify_core.compose.schedules``).
"""

from notify_core.compose.schedules import build
from notify_core.handlers.entry import LazyHandler

handler = LazyHandler(build)
