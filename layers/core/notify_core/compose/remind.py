"""Remind: one step of a reminder series, invoked by the reminder state machine once the step's wait ends.

The input is the step (``services.reminders.step_payload``), or ``{"held": <an SMS's queue message>}`` when a held
SMS's quiet hours end (``services.quiet_hours``); a failure raises, and the state machine's Retry tries again (every
effect of a step can be repeated).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from notify_core.adapters.aws import AwsClients
from notify_core.adapters.sqs import DeliveryQueues
from notify_core.compose import Env, lambda_handler
from notify_core.compose._reminders import service
from notify_core.config import RemindSettings
from notify_core.handlers.entry import Handler
from notify_core.services.quiet_hours import HeldReleases


def build(env: Env, *, clock: Callable[[], datetime] | None = None) -> Handler:
    s = RemindSettings.from_env(env)
    aws = AwsClients()
    reminders = service(s, aws, clock=clock)
    releases = HeldReleases(queues=DeliveryQueues(aws("sqs"), {"sms": s.sms_queue_url}))

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if "held" in event:
            return releases.release(event)
        return reminders.on_step(event)

    return lambda_handler(handler)
