"""SQS batch processing with partial failures (Powertools) plus retry backoff.

Powertools reports failed records to SQS (``batchItemFailures``) so only they are redelivered. Left alone, SQS
redelivers them after the queue's visibility timeout: a fixed delay. ``BackoffBatchProcessor`` also sets each
failed message's visibility to an exponentially growing delay (or the provider's Retry-After), in one
ChangeMessageVisibilityBatch call per batch, once the batch is processed. After the queue's maxReceiveCount the
message moves to the dead-letter queue.

It extends Powertools through its public hook (``failure_handler``) only: the delays are collected there and
applied by ``run_batch`` after ``process_partial_response`` returns.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    SqsFifoPartialProcessor,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from notify_core.domain.backoff import backoff_delay

logger = logging.getLogger(__name__)


def queue_url_from_arn(arn: str, endpoint_url: str) -> str:
    # arn:aws:sqs:<region>:<account>:<name> -> <sqs endpoint>/<account>/<name>; works for AWS and moto.
    _, _, _, _, account, name = arn.split(":", 5)
    return f"{endpoint_url}/{account}/{name}"


def plain_processor() -> BatchProcessor:
    # A batch in which every record failed is still a partial response: raising would retry the whole batch.
    return BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class Backoff:
    """Collects each failed record's delay in the processor's public ``failure_handler`` and applies them all in
    one ChangeMessageVisibilityBatch per queue once the batch is processed (``run_batch``)."""

    sqs: Any
    base_s: int
    max_s: int
    _delays: list[tuple[str, str, int]]

    def _init_backoff(self, sqs: Any, base_s: int, max_s: int) -> None:
        self.sqs = sqs
        self.base_s = base_s
        self.max_s = max_s
        self._delays = []

    def failure_handler(self, record: Any, exception: Any) -> Any:
        response = super().failure_handler(record, exception)  # type: ignore[misc]
        exc = exception[1]
        receive_count = int(record.attributes.approximate_receive_count or 1)
        delay = backoff_delay(receive_count, self.base_s, self.max_s, getattr(exc, "retry_after_s", None))
        self._delays.append((record.event_source_arn, record.receipt_handle, delay))
        return response

    def run_batch(
        self, event: dict[str, Any], record_handler: Callable[[SQSRecord], Any], context: Any
    ) -> dict[str, Any]:
        """``process_partial_response``, then the failed records' backoff."""
        self._delays = []
        try:
            return dict(process_partial_response(event, record_handler, self, context))  # type: ignore[arg-type]
        finally:
            delays, self._delays = self._delays, []
            self._apply(delays)

    def _apply(self, delays: list[tuple[str, str, int]]) -> None:
        by_queue: dict[str, list[tuple[str, int]]] = {}
        for arn, receipt, delay in delays:
            by_queue.setdefault(arn, []).append((receipt, delay))
        for arn, items in by_queue.items():
            url = queue_url_from_arn(arn, self.sqs.meta.endpoint_url)
            for start in range(0, len(items), 10):
                chunk = items[start : start + 10]
                try:
                    resp = self.sqs.change_message_visibility_batch(
                        QueueUrl=url,
                        Entries=[
                            {"Id": str(i), "ReceiptHandle": r, "VisibilityTimeout": d} for i, (r, d) in enumerate(chunk)
                        ],
                    )
                except Exception:  # the retry still happens, at the queue's own timeout
                    logger.exception("could not set retry backoff")
                    continue
                if resp.get("Failed"):
                    logger.warning("backoff not applied to %d messages", len(resp["Failed"]))


class BackoffBatchProcessor(Backoff, BatchProcessor):
    """Standard queues (the router's events)."""

    def __init__(self, sqs: Any, *, base_s: int, max_s: int) -> None:
        BatchProcessor.__init__(self, event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        self._init_backoff(sqs, base_s, max_s)


class FifoBackoffBatchProcessor(Backoff, SqsFifoPartialProcessor):
    """The channel queues are FIFO with one message group per delivery: a failed record fails only its own group
    (``skip_group_on_error``), and gets the same backoff."""

    def __init__(self, sqs: Any, *, base_s: int, max_s: int) -> None:
        SqsFifoPartialProcessor.__init__(self, skip_group_on_error=True)
        # A batch in which every record failed is still a partial response: raising would lose the backoff.
        self.raise_on_entire_batch_failure = False
        self._init_backoff(sqs, base_s, max_s)
