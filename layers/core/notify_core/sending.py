"""A sender's core: render, send through a channel adapter, record the outcome; exactly once.

``Sender.deliver`` is wrapped by Powertools ``idempotent_function`` with the delivery log as its
persistence layer: a delivery that was sent (or failed for good) returns its stored outcome instead
of sending again, whether the repeat comes from a duplicate queue message, a router retry or a
replay. A transient failure raises, which releases the claim, logs the attempt and lets SQS retry.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.typing import LambdaContext

from notify_core import templates
from notify_core.addresses import mask
from notify_core.channels.base import Channel
from notify_core.config import get_config
from notify_core.delivery_log import FAILED, SENT, DeliveryLogPersistenceLayer
from notify_core.errors import PermanentDeliveryError, TransientDeliveryError
from notify_core.observability import logger, metrics


class Sender:
    """One queue's sender. A queue may carry several channels (chat: Slack and Telegram): each message is
    sent through the adapter its ``channel`` names, rendered with that channel's templates."""

    def __init__(self, *channels: Channel) -> None:
        if not channels:
            raise ValueError("a sender needs at least one channel")
        self.channels = {c.name: c for c in channels}
        self.idempotency = IdempotencyConfig(
            event_key_jmespath="delivery_id",
            # As long as the log keeps the delivery: a replay months later still finds "sent".
            expires_after_seconds=get_config().delivery_retention_days * 86400,
        )
        self.persistence = DeliveryLogPersistenceLayer()
        self.deliver = idempotent_function(
            data_keyword_argument="message",
            config=self.idempotency,
            persistence_store=self.persistence,
        )(self._deliver)

    def register_context(self, context: LambdaContext) -> None:
        self.idempotency.register_lambda_context(context)

    def handle_body(self, body: str) -> dict[str, Any]:
        message = json.loads(body)
        if message.get("channel") not in self.channels:
            raise ValueError(f"a {message.get('channel')!r} delivery on the {'/'.join(self.channels)} queue")
        return self.deliver(message=message)

    def _deliver(self, message: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels[message["channel"]]
        log = {
            "delivery_id": message["delivery_id"],
            "org_id": message["org_id"],
            "event_id": message["event_id"],
            "channel": channel.name,
            "to": mask(message["address"]),
        }
        try:
            rendered = templates.render(
                message["event_type"], channel.name, message.get("locale"), templates.context_for(message)
            )
            result = channel.send(message, rendered)
        except templates.TemplateRenderError as exc:
            return self._failed(log, "template_error", str(exc))
        except PermanentDeliveryError as exc:
            return self._failed(log, exc.code, exc.detail, exc.http_status)
        except TransientDeliveryError as exc:
            metrics.add_metric(name=f"{channel.name}_retry", unit=MetricUnit.Count, value=1)
            logger.warning(
                "delivery will be retried", extra={**log, "error_code": exc.code, "error_detail": exc.detail}
            )
            raise
        metrics.add_metric(name=f"{channel.name}_sent", unit=MetricUnit.Count, value=1)
        logger.info(
            "delivered", extra={**log, "provider_message_id": result.provider_message_id, "template": rendered.template}
        )
        return {"status": SENT, "provider_message_id": result.provider_message_id, "http_status": result.http_status}

    def _failed(self, log: dict[str, Any], code: str, detail: str, http_status: int | None = None) -> dict:
        metrics.add_metric(name=f"{log['channel']}_failed", unit=MetricUnit.Count, value=1)
        logger.warning("delivery failed for good", extra={**log, "error_code": code, "error_detail": detail})
        return {"status": FAILED, "error_code": code, "error_detail": detail[:1000], "http_status": http_status}


def sqs_handler(*channels: Channel) -> Callable[[dict, LambdaContext], dict]:
    """The Lambda handler of a sender: SQS batch in, partial batch failures out, one delivery per record.

    Several channels share a queue (and so a handler) when they are alike: Slack and Telegram on chat."""
    from aws_lambda_powertools.utilities.batch import process_partial_response
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    from notify_core.batch import BackoffBatchProcessor

    processor = BackoffBatchProcessor()
    sender = Sender(*channels)

    def record_handler(record: SQSRecord) -> dict[str, Any]:
        return sender.handle_body(record.body)

    @logger.inject_lambda_context
    @metrics.log_metrics
    def handler(event: dict, context: LambdaContext) -> dict:
        sender.register_context(context)
        return process_partial_response(event, record_handler, processor, context)

    return handler
