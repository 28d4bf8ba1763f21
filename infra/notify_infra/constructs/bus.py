"""The custom event bus, its resource policy (who may publish, with which sources) and the rules from
``wiring.RULES``, each delivering to its wiring queue."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from notify_infra import wiring
from notify_infra.constructs.queues import DLQ_RETENTION, Queues

BUS_NAME_CONTEXT_KEY = "busName"
PUBLISHERS_CONTEXT_KEY = "publishers"  # [{"principal": "<account id or role ARN>", "sources": ["payments"]}]


def publishers_from_context(value: object) -> tuple[wiring.Publisher, ...]:
    """The CDK context's publishers (a JSON list), else the wiring's."""
    if value is None:
        return wiring.PUBLISHERS
    if isinstance(value, str):
        import json

        value = json.loads(value)
    if not isinstance(value, list):
        raise ValueError(f"context {PUBLISHERS_CONTEXT_KEY!r} is a list of {{principal, sources}}")
    return tuple(wiring.Publisher(p["principal"], tuple(p["sources"]), p.get("purpose", "")) for p in value)


class EventRouting(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, queues: Queues) -> None:
        super().__init__(scope, construct_id)
        # Product services address the bus by name, so the name is part of the public contract; context
        # lets a second deployment (staging, a developer's account) pick another one.
        bus_name = self.node.try_get_context(BUS_NAME_CONTEXT_KEY) or wiring.BUS_NAME
        self.bus = events.EventBus(self, "Bus", event_bus_name=bus_name)
        self.rules: dict[str, events.Rule] = {}
        self.target_dead_letter_queues: dict[str, sqs.IQueue] = {}

        for spec in wiring.RULES:
            target_queue = queues.queue(spec.target_queue)
            dead_letter_queue = self._target_dead_letter_queue(spec, queues)
            rule = events.Rule(
                self,
                spec.key,
                event_bus=self.bus,
                description=spec.purpose[:512],
                # Placeholder only: replaced below by the wiring's pattern, verbatim.
                event_pattern=events.EventPattern(source=events.Match.exists()),
                targets=[targets.SqsQueue(target_queue, dead_letter_queue=dead_letter_queue)],
            )
            # The wiring pattern is raw EventBridge JSON (content filters such as {"exists": true}) that
            # the typed EventPattern cannot carry generically. Writing it onto the L1 resource gives AWS
            # exactly the pattern the local runtime hands to moto.
            cfn_rule = rule.node.default_child
            assert isinstance(cfn_rule, events.CfnRule)
            cfn_rule.event_pattern = spec.event_pattern
            self.rules[spec.key] = rule
            self.target_dead_letter_queues[spec.key] = dead_letter_queue

    def restrict_publishers(self, publishers: Sequence[wiring.Publisher], platform_roles: Sequence[iam.IRole]) -> None:
        """The bus policy: who may put events, with which sources (README "Publishers").

        - Only the platform's functions may use the platform's source (always).
        - Each listed publisher may publish, cross-account too, with its own sources only.
        - Once any publisher is listed, no other principal may publish (the platform's functions still may).
        """
        bus_arn = self.bus.event_bus_arn
        platform_arns = [role.role_arn for role in platform_roles]
        anyone = iam.AnyPrincipal()
        self.bus.add_to_resource_policy(
            iam.PolicyStatement(
                sid="PlatformSourceOnlyFromPlatformFunctions",
                effect=iam.Effect.DENY,
                principals=[anyone],
                actions=["events:PutEvents"],
                resources=[bus_arn],
                conditions={
                    "ForAnyValue:StringEquals": {"events:source": [wiring.PLATFORM_SOURCE]},
                    "ArnNotEquals": {"aws:PrincipalArn": platform_arns},
                },
            )
        )
        for i, p in enumerate(publishers):
            who = iam.AccountPrincipal(p.principal) if p.is_account else iam.ArnPrincipal(p.principal)
            self.bus.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=f"Publisher{i}",
                    principals=[who],
                    actions=["events:PutEvents"],
                    resources=[bus_arn],
                    conditions={"ForAllValues:StringEquals": {"events:source": list(p.sources)}},
                )
            )
            key = "aws:PrincipalAccount" if p.is_account else "aws:PrincipalArn"
            operator = "StringEquals" if p.is_account else "ArnEquals"
            # An Allow cannot narrow the IAM permissions a same-account principal already has: this Deny does.
            self.bus.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=f"Publisher{i}OwnSourcesOnly",
                    effect=iam.Effect.DENY,
                    principals=[anyone],
                    actions=["events:PutEvents"],
                    resources=[bus_arn],
                    conditions={
                        operator: {key: p.principal},
                        "ForAnyValue:StringNotEquals": {"events:source": list(p.sources)},
                    },
                )
            )
        if publishers:
            accounts = [p.principal for p in publishers if p.is_account]
            listed = [p.principal for p in publishers if not p.is_account] + platform_arns
            unlisted: dict[str, object] = {"ArnNotEquals": {"aws:PrincipalArn": listed}}
            if accounts:
                unlisted["StringNotEquals"] = {"aws:PrincipalAccount": accounts}
            self.bus.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="OnlyListedPublishers",
                    effect=iam.Effect.DENY,
                    principals=[anyone],
                    actions=["events:PutEvents"],
                    resources=[bus_arn],
                    conditions=unlisted,
                )
            )

    def _target_dead_letter_queue(self, spec: wiring.Rule, queues: Queues) -> sqs.IQueue:
        """Where EventBridge puts events it could not deliver to the rule's queue.

        The target queue's own DLQ when it has one: both hold bus events that never reached a consumer,
        with the same body (the EventBridge envelope), so one queue, one alarm and one replay path cover
        both; EventBridge marks its own failures with RULE_ARN/ERROR_CODE message attributes.
        """
        existing = queues.dlq(spec.target_queue)
        if existing is not None:
            return existing
        dlq = sqs.Queue(
            self,
            f"{spec.key}-target-dlq",
            retention_period=DLQ_RETENTION,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        Validations.of(dlq).acknowledge(
            Acknowledgment(
                id="AwsSolutions::AwsSolutions-SQS3",
                reason=(
                    f"Dead-letter queue of the EventBridge target of rule '{spec.key}'. SQS3 only "
                    "recognises SQS redrive and Lambda DLQs; this queue is itself the final stop."
                ),
            )
        )
        return dlq
