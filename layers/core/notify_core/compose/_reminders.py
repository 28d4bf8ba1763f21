"""The reminder service as both timer functions build it (``timers`` and ``remind``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from notify_core.adapters.aws import AwsClients
from notify_core.adapters.dynamodb.items_table import ItemsTable
from notify_core.adapters.eventbridge import PlatformEvents
from notify_core.adapters.stepfunctions import ReminderSteps
from notify_core.config import RemindSettings, TimersSettings
from notify_core.services.reminders import ProfilesPort, Reminders


class _NoProfiles:
    def profile(self, org_id: str) -> None:  # the remind function reads no settings: its item was admitted
        return None


def service(
    s: TimersSettings | RemindSettings,
    aws: AwsClients,
    *,
    profiles: ProfilesPort | None = None,
    publishers_required: bool = False,
    clock: Callable[[], datetime] | None = None,
    quiet_hours: Callable[[], bool] | None = None,
) -> Reminders:
    extra: dict[str, Any] = {"clock": clock} if clock is not None else {}
    if quiet_hours is not None:
        extra["quiet_hours"] = quiet_hours
    return Reminders(
        items=ItemsTable(s.items_table, retention_days=s.delivery_retention_days),
        steps=ReminderSteps(aws("stepfunctions"), s.reminder_state_machine_arn),
        events=PlatformEvents(aws("events"), s.bus_name),
        profiles=profiles or _NoProfiles(),
        publishers_required=publishers_required,
        **extra,
    )
