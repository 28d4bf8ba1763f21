"""The recurring schedules of ``wiring.SCHEDULES`` (EventBridge Scheduler): the platform-wide report tick.

One schedule for every org (README "Activity reports and schedules": 24 invocations a day whatever the number of
orgs, instead of a schedule per org), invoking its function with the scheduled time in the input. Its role may
invoke exactly that function; a failed invocation is retried by Scheduler for up to an hour (the next tick finds
whatever is still due anyway).
"""

from __future__ import annotations

import json

from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from notify_infra import wiring


class Schedules(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, functions: dict[str, lambda_.Function]) -> None:
        super().__init__(scope, construct_id)
        self.schedules: dict[str, scheduler.CfnSchedule] = {}
        for spec in wiring.SCHEDULES:
            unit = Construct(self, spec.key)
            function = functions[spec.function]
            role = iam.Role(
                unit,
                "Role",
                assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com"),
                description=f"notify schedule {spec.name}: {spec.purpose}"[:1000],
            )
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="InvokeOwnFunction",
                    actions=["lambda:InvokeFunction"],
                    resources=[function.function_arn],
                )
            )
            json.loads(spec.input.replace("<aws.scheduler.scheduled-time>", ""))  # the input is JSON
            self.schedules[spec.key] = scheduler.CfnSchedule(
                unit,
                "Schedule",
                name=spec.name,
                description=spec.purpose[:512],
                schedule_expression=spec.expression,
                schedule_expression_timezone="UTC",
                flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
                state="ENABLED",
                target=scheduler.CfnSchedule.TargetProperty(
                    arn=function.function_arn,
                    role_arn=role.role_arn,
                    input=spec.input,
                    retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                        maximum_event_age_in_seconds=3600, maximum_retry_attempts=5
                    ),
                ),
            )
