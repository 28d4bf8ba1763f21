"""What the four senders share: a batch-at-a-time Sender over the delivery log, on a FIFO channel queue."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from notify_core.adapters.aws import AwsClients
from notify_core.adapters.channels.http import HttpPolicy
from notify_core.adapters.dynamodb.deliveries_table import DeliveryLog
from notify_core.adapters.dynamodb.settings_table import SettingsTable
from notify_core.adapters.dynamodb.suppressions_table import SuppressionsTable
from notify_core.compose import lambda_handler
from notify_core.domain.delivery import Outcome
from notify_core.domain.templates import Renderer
from notify_core.handlers.batch import FifoBackoffBatchProcessor
from notify_core.handlers.entry import Handler
from notify_core.services.ports import Channel
from notify_core.services.sending import Received, Sender


def received(record: dict[str, Any]) -> Received:
    attributes = record.get("attributes") or {}
    return Received(record["messageId"], int(attributes.get("ApproximateReceiveCount") or 1), record["body"])


def sender_handler(
    s: Any,
    aws: AwsClients,
    *channels: Channel,
    suppressions_table: str | None = None,
    on_dead: Callable[[dict[str, Any], Outcome], None] | None = None,
    unsubscribe_url: Callable[[dict[str, Any]], str | None] | None = None,
) -> Handler:
    sender = Sender(
        channels,
        log=DeliveryLog(s.deliveries_table, retention_days=s.delivery_retention_days),
        suppressions=SuppressionsTable(suppressions_table) if suppressions_table else None,
        renderer=Renderer(s.templates_dir, unsubscribe_url=unsubscribe_url),
        max_receives=s.max_receive_count,
        # Email and SMS may use an org's own template (domain.template_overrides): read per batch, only if marked.
        templates=SettingsTable(s.settings_table) if getattr(s, "settings_table", None) else None,
        on_dead=on_dead,
    )
    processor = FifoBackoffBatchProcessor(aws("sqs"), base_s=s.retry_base_delay_s, max_s=s.retry_max_delay_s)

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        # One read of the log and the suppression list for the batch; one write of its outcomes after it. A write
        # that does not land fails the invocation: every message comes back, and a receive that may have reached
        # its provider is recorded unknown, not sent again.
        batch = sender.open_batch(
            [received(r) for r in event.get("Records", [])], remaining_s=context.get_remaining_time_in_millis() / 1000
        )

        def handle(record: SQSRecord) -> dict[str, Any]:
            return sender.deliver(batch, received(record.raw_event))

        response = processor.run_batch(event, handle, context)
        sender.close_batch(batch)
        return response

    return lambda_handler(handler)


def provider_client(aws: AwsClients, service: str) -> Any:
    """The client of a provider that takes messages (SES, SNS): without the SDK's own retries, because a retried
    request whose first answer was lost (a read timeout) could be sent twice; throttling and 5xx come back to the
    sender, which retries through SQS with backoff, and a lost answer is recorded as unknown."""
    from botocore.config import Config

    from notify_core.adapters.aws import SDK_CONFIG

    no_retries = SDK_CONFIG.merge(Config(retries={"mode": "standard", "max_attempts": 1}))
    return aws.separate(service, no_retries, name="provider")


def http_policy(s: Any) -> HttpPolicy:
    return HttpPolicy(
        timeout_s=s.webhook_timeout_s,
        allow_loopback=s.allow_loopback_webhooks,
        allowed_ports=s.webhook_allowed_ports,
    )
