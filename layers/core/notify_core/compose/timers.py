"""Timers: the events that start, end and change reminder series (rule ``timer-events`` -> ``timers`` queue).

``clock`` is the time the service reads (the local runtime gives it the clock it can move; on AWS, real time).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from notify_core.adapters.aws import AwsClients
from notify_core.adapters.dynamodb.settings_table import SettingsTable
from notify_core.compose import Env, sqs_handler
from notify_core.compose._reminders import service
from notify_core.config import TimersSettings
from notify_core.handlers.batch import plain_processor
from notify_core.handlers.entry import Handler


def build(
    env: Env, *, clock: Callable[[], datetime] | None = None, quiet_hours: Callable[[], bool] | None = None
) -> Handler:
    """``quiet_hours``: whether steps land in business hours (always on AWS; the local runtime's tests may not)."""
    s = TimersSettings.from_env(env)
    reminders = service(
        s,
        AwsClients(),
        profiles=SettingsTable(s.settings_table),
        publishers_required=s.publishers_required,
        clock=clock,
        quiet_hours=quiet_hours,
    )
    # A record that fails (a lost race on the item, AWS throttling) is retried alone, then kept in the DLQ.
    return sqs_handler(lambda record: reminders.on_event(record.body), plain_processor())
