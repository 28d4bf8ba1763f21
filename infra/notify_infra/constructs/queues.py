"""SQS queues from ``wiring.QUEUES``, each with its dead-letter queue when the wiring asks for one."""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, Duration, Tags, Validations
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from notify_infra import wiring

TAG = "notify:queue"
DLQ_RETENTION = Duration.days(14)  # the SQS maximum: time to notice the alarm and replay
# AWS's advice for SQS event sources: visibility timeout = 6x the consuming function's timeout.
VISIBILITY_PER_FUNCTION_TIMEOUT = 6


def _dlq_visibility_timeouts() -> dict[str, int]:
    """DLQ key -> visibility timeout, from the functions that consume DLQs (none: SQS default)."""
    timeouts: dict[str, int] = {}
    for fn in wiring.FUNCTIONS:
        for source in fn.sources:
            if source.dead_letter:
                dlq_key = wiring.queue(source.queue).dlq_key
                if dlq_key is None:
                    raise ValueError(f"{fn.key} consumes the DLQ of {source.queue}, which has none")
                seconds = VISIBILITY_PER_FUNCTION_TIMEOUT * fn.timeout_s
                timeouts[dlq_key] = max(timeouts.get(dlq_key, 0), seconds)
    return timeouts


def _fifo_props(spec: wiring.Queue) -> dict[str, Any]:
    """FIFO in high-throughput mode (deduplication and throughput per message group): one group per delivery."""
    if not spec.fifo:
        return {}
    return dict(
        fifo=True,
        content_based_deduplication=False,
        deduplication_scope=sqs.DeduplicationScope.MESSAGE_GROUP,
        fifo_throughput_limit=sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
    )


def _secure_queue_props() -> dict[str, Any]:
    return dict(encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True)


class Queues(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self._queues: dict[str, sqs.Queue] = {}
        self._dlqs: dict[str, sqs.Queue] = {}
        dlq_visibility = _dlq_visibility_timeouts()

        for spec in wiring.QUEUES:
            dead_letter_queue = None
            if spec.max_receive_count:
                assert spec.dlq_key is not None
                visibility = dlq_visibility.get(spec.dlq_key)
                dlq = sqs.Queue(
                    self,
                    spec.dlq_key,
                    retention_period=DLQ_RETENTION,
                    visibility_timeout=Duration.seconds(visibility) if visibility else None,
                    **_fifo_props(spec),
                    **_secure_queue_props(),
                )
                Tags.of(dlq).add(TAG, spec.dlq_key)
                self._dlqs[spec.key] = dlq
                dead_letter_queue = sqs.DeadLetterQueue(max_receive_count=spec.max_receive_count, queue=dlq)

            queue = sqs.Queue(
                self,
                spec.key,
                visibility_timeout=Duration.seconds(spec.visibility_timeout_s),
                retention_period=Duration.days(spec.retention_days),
                dead_letter_queue=dead_letter_queue,
                **_fifo_props(spec),
                **_secure_queue_props(),
            )
            Tags.of(queue).add(TAG, spec.key)
            if dead_letter_queue is None:
                Validations.of(queue).acknowledge(
                    Acknowledgment(
                        id="AwsSolutions::AwsSolutions-SQS3",
                        reason=(
                            f"Queue '{spec.key}' is a final stop by design (wiring max_receive_count=None): "
                            f"{spec.purpose}. There is nothing further to dead-letter to; an alarm fires "
                            "on any visible message and retention is "
                            f"{spec.retention_days} days for inspection."
                        ),
                    )
                )
            self._queues[spec.key] = queue

    def queue(self, key: str) -> sqs.Queue:
        return self._queues[key]

    def dlq(self, key: str) -> sqs.Queue | None:
        """The dead-letter queue of wiring queue ``key``, if it has one."""
        return self._dlqs.get(key)

    def source_queue(self, source: wiring.QueueSource) -> sqs.Queue:
        """The queue an event source mapping reads: the wiring queue or, for dead_letter, its DLQ."""
        if not source.dead_letter:
            return self.queue(source.queue)
        dlq = self.dlq(source.queue)
        if dlq is None:
            raise ValueError(f"queue {source.queue!r} has no dead-letter queue to consume")
        return dlq

    def final_stops(self) -> dict[str, sqs.Queue]:
        """Queues whose messages nobody retries: every DLQ and every queue without one (quarantine)."""
        stops = {wiring.queue(key).dlq_key or key: dlq for key, dlq in self._dlqs.items()}
        for spec in wiring.QUEUES:
            if not spec.max_receive_count:
                stops[spec.key] = self._queues[spec.key]
        return stops
