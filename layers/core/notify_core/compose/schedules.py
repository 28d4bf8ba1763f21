"""Schedules: the platform-wide tick (EventBridge Scheduler, ``wiring.SCHEDULES``) -> the activity reports due.

``clock`` is the time the tick reads (the local runtime gives the clock it moves and fires the tick on; on AWS, real
time: the scheduled time is in the input too, for the logs).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from notify_core.adapters.aws import AwsClients
from notify_core.adapters.dynamodb.activity_table import ActivityCounters, ReportSchedule
from notify_core.adapters.dynamodb.settings_table import SettingsTable
from notify_core.adapters.eventbridge import PlatformEvents
from notify_core.compose import Env, lambda_handler
from notify_core.config import SchedulesSettings
from notify_core.handlers.entry import Handler
from notify_core.observability import logger
from notify_core.services.activity_reports import ReportTick


def build(env: Env, *, clock: Callable[[], datetime] | None = None) -> Handler:
    s = SchedulesSettings.from_env(env)
    extra = {"clock": clock} if clock is not None else {}
    tick = ReportTick(
        schedule=ReportSchedule(s.settings_table),
        profiles=SettingsTable(s.settings_table),
        counters=ActivityCounters(s.activity_table),
        events=PlatformEvents(AwsClients()("events"), s.bus_name),
        **extra,
    )

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        # A failure raises: EventBridge Scheduler retries the invocation (its retry policy), and the next tick
        # finds whatever is still due anyway.
        logger.append_keys(scheduled_time=str(event.get("scheduled_time", "")))
        return tick.tick()

    return lambda_handler(handler)
