"""The Step Functions state machines of ``wiring.STATE_MACHINES``: the ASL the local runtime executes, deployed.

Standard (billed per state transition: the reminder step makes two per reminder sent), logs of every execution to
an encrypted-by-default log group (a month), X-Ray tracing; the role may invoke exactly the functions the
definition names.
"""

from __future__ import annotations

import functools

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from notify_infra import wiring
from notify_infra.constructs.access import IAM5

LOG_RETENTION = logs.RetentionDays.ONE_MONTH


class StateMachines(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, functions: dict[str, lambda_.Function]) -> None:
        super().__init__(scope, construct_id)
        self.machines: dict[str, sfn.StateMachine] = {}
        for machine in wiring.STATE_MACHINES:
            unit = Construct(self, machine.key)
            role = iam.Role(
                unit,
                "Role",
                assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
                description=f"notify state machine {machine.name}: {machine.purpose}"[:1000],
            )
            invoked = [functions[key] for key in machine.invokes.values()]
            # The functions themselves (no ":*" versions/aliases: the definition names the unqualified ARN).
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="InvokeOwnFunctions",
                    actions=["lambda:InvokeFunction"],
                    resources=[f.function_arn for f in invoked],
                )
            )
            state_machine = sfn.StateMachine(
                unit,
                "StateMachine",
                state_machine_name=machine.name,
                state_machine_type=sfn.StateMachineType.STANDARD,
                definition_body=sfn.DefinitionBody.from_string(
                    machine.definition_string(functools.partial(_placeholder, machine))
                ),
                definition_substitutions={
                    placeholder: functions[key].function_arn for placeholder, key in machine.invokes.items()
                },
                role=role,
                logs=sfn.LogOptions(
                    destination=logs.LogGroup(unit, "Logs", retention=LOG_RETENTION),
                    level=sfn.LogLevel.ALL,
                    include_execution_data=False,  # item details carry personal data
                ),
                tracing_enabled=True,
            )
            default_policy = role.node.try_find_child("DefaultPolicy")
            assert default_policy is not None
            Validations.of(default_policy).acknowledge(
                Acknowledgment(
                    id=f"{IAM5}[Resource::*]",
                    reason="Added by Step Functions logging and X-Ray tracing: logs:CreateLogDelivery and its "
                    "siblings, and xray:PutTraceSegments, take no resource ARN. Every other statement names its "
                    "resources (the invoked functions).",
                )
            )
            self.machines[machine.key] = state_machine


def _placeholder(machine: wiring.StateMachine, key: str) -> str:
    """``${Placeholder}`` left in the definition for the function ``key``: CloudFormation substitutes it."""
    return "${" + next(p for p, k in machine.invokes.items() if k == key) + "}"
