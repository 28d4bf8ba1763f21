"""The custom event bus and the rules from ``wiring.RULES``, each delivering to its wiring queue."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from notify_infra import wiring
from notify_infra.constructs.queues import DLQ_RETENTION, Queues

BUS_NAME_CONTEXT_KEY = "busName"


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
