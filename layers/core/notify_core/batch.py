"""SQS batch processing with partial failures (Powertools) plus retry backoff.

Powertools reports failed records to SQS (``batchItemFailures``) so only they are redelivered.
Left alone, SQS redelivers them after the queue's visibility timeout: a fixed delay. This processor
also sets each failed message's visibility to an exponentially growing delay (or the provider's
Retry-After), in one ChangeMessageVisibilityBatch call per batch. After the queue's
maxReceiveCount the message moves to the dead-letter queue.
"""

from __future__ import annotations

import logging
import random
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

from notify_core import clients
from notify_core.config import get_config

logger = logging.getLogger(__name__)
MAX_VISIBILITY_S = 43_200  # SQS's ceiling: 12 hours


def backoff_delay(receive_count: int, base_s: int, max_s: int, retry_after_s: int | None = None) -> int:
    """Exponential backoff with equal jitter; never sooner than the provider's Retry-After."""
    ceiling = min(base_s * 2 ** max(receive_count - 1, 0), max_s)
    delay = ceiling // 2 + random.randint(0, ceiling - ceiling // 2) if ceiling else 0
    if retry_after_s:
        delay = max(delay, retry_after_s)
    return min(delay, MAX_VISIBILITY_S)


def queue_url_from_arn(arn: str) -> str:
    # arn:aws:sqs:<region>:<account>:<name> -> <sqs endpoint>/<account>/<name>; works for AWS and moto.
    _, _, _, _, account, name = arn.split(":", 5)
    return f"{clients.client('sqs').meta.endpoint_url}/{account}/{name}"


class BackoffBatchProcessor(BatchProcessor):
    def __init__(self) -> None:
        # A batch in which every record failed is still a partial response: raising would make the
        # whole batch retry at the queue's fixed timeout and lose the backoff.
        super().__init__(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        self._delays: list[tuple[str, str, int]] = []

    def _prepare(self) -> None:
        super()._prepare()
        self._delays = []

    def failure_handler(self, record: Any, exception: Any):
        response = super().failure_handler(record, exception)
        cfg = get_config()
        exc = exception[1]
        receive_count = int(record.attributes.approximate_receive_count or 1)
        delay = backoff_delay(
            receive_count, cfg.retry_base_delay_s, cfg.retry_max_delay_s, getattr(exc, "retry_after_s", None)
        )
        self._delays.append((record.event_source_arn, record.receipt_handle, delay))
        return response

    def _clean(self) -> None:
        super()._clean()
        by_queue: dict[str, list[tuple[str, int]]] = {}
        for arn, receipt, delay in self._delays:
            by_queue.setdefault(arn, []).append((receipt, delay))
        for arn, items in by_queue.items():
            self._change_visibility(queue_url_from_arn(arn), items)

    @staticmethod
    def _change_visibility(queue_url: str, items: list[tuple[str, int]]) -> None:
        sqs = clients.client("sqs")
        for start in range(0, len(items), 10):
            chunk = items[start : start + 10]
            try:
                resp = sqs.change_message_visibility_batch(
                    QueueUrl=queue_url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": r, "VisibilityTimeout": d} for i, (r, d) in enumerate(chunk)
                    ],
                )
            except Exception:  # the retry still happens, at the queue's own timeout
                logger.exception("could not set retry backoff")
                continue
            if resp.get("Failed"):
                logger.warning("backoff not applied to %d messages", len(resp["Failed"]))

    def response(self) -> PartialItemFailureResponse:
        return super().response()
