"""What the four senders share: a Sender over the delivery log's claims, with backoff on failed records."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from notify_core.adapters.aws import AwsClients
from notify_core.adapters.channels.http import HttpPolicy
from notify_core.adapters.dynamodb.claims import DeliveryClaims
from notify_core.adapters.dynamodb.deliveries_table import DeliveryLog
from notify_core.compose import sqs_handler
from notify_core.domain.templates import Renderer
from notify_core.handlers.batch import BackoffBatchProcessor
from notify_core.handlers.entry import Handler
from notify_core.services.ports import Channel
from notify_core.services.sending import Sender


def sender_handler(s: Any, aws: AwsClients, *channels: Channel) -> Handler:
    log = DeliveryLog(s.deliveries_table, retention_days=s.delivery_retention_days)
    sender = Sender(channels, claims=DeliveryClaims(log), renderer=Renderer(s.templates_dir))
    processor = BackoffBatchProcessor(aws("sqs"), base_s=s.retry_base_delay_s, max_s=s.retry_max_delay_s)
    invocation: dict[str, Any] = {}

    def handle(record: SQSRecord) -> dict[str, Any]:
        # A claim lasts as long as this invocation may still run: no other sender takes it meanwhile.
        context = invocation.get("context")
        remaining = context.get_remaining_time_in_millis() if context is not None else 30_000
        return sender.handle_body(record.body, remaining_ms=remaining)

    return sqs_handler(handle, processor, before=lambda context: invocation.update(context=context))


def http_policy(s: Any) -> HttpPolicy:
    return HttpPolicy(
        timeout_s=s.webhook_timeout_s,
        allow_loopback=s.allow_loopback_webhooks,
        allowed_ports=s.webhook_allowed_ports,
    )
