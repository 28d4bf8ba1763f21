"""The reminder steps on Step Functions: one Standard execution per step (wait until ``next_at``, then invoke the
remind function), named after the item and the step (``domain.reminders.execution_name``).

Standard refuses a second execution of one name (for 90 days), so starting a step twice (a duplicate event, a
retried function) starts it once; stopping a step that already ended or never started is not an error.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError


class ReminderSteps:
    def __init__(self, sfn: Any, state_machine_arn: str) -> None:
        self.sfn = sfn
        self.state_machine_arn = state_machine_arn

    def execution_arn(self, name: str) -> str:
        return f"{self.state_machine_arn.replace(':stateMachine:', ':execution:', 1)}:{name}"

    def start(self, name: str, payload: dict[str, Any]) -> None:
        try:
            self.sfn.start_execution(stateMachineArn=self.state_machine_arn, name=name, input=json.dumps(payload))
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ExecutionAlreadyExists":
                raise

    def hold(self, holds: list[tuple[dict[str, Any], str]]) -> None:
        """Quiet hours: one execution per held SMS (``held-<delivery id>``: a router retry starts nothing new), waiting
        until its time, then the remind function puts ``held`` (the queue message) on the SMS queue."""
        for message, until in holds:
            self.start(f"held-{message['delivery_id']}", {"held": message, "next_at": until})

    def stop(self, name: str, cause: str) -> None:
        try:
            self.sfn.stop_execution(executionArn=self.execution_arn(name), cause=cause[:256])
        except ClientError as exc:
            if exc.response["Error"]["Code"] not in ("ExecutionDoesNotExist", "ValidationException"):
                raise
