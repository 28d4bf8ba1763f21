"""The router: EventBridge (via the events queue) -> validated, resolved, queued deliveries."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from notify_core.adapters.aws import AwsClients
from notify_core.adapters.dynamodb.deliveries_table import DeliveryLog
from notify_core.adapters.dynamodb.event_once import EventOnce
from notify_core.adapters.dynamodb.inbox_table import InboxTable
from notify_core.adapters.dynamodb.routing_table import RoutingTable
from notify_core.adapters.dynamodb.settings_table import SettingsTable
from notify_core.adapters.dynamodb.suppressions_table import SuppressionsTable
from notify_core.adapters.dynamodb.users_table import UsersTable
from notify_core.adapters.sqs import DeliveryQueues, QuarantineQueue
from notify_core.compose import Env, sqs_handler
from notify_core.config import RouterSettings
from notify_core.domain.templates import Renderer
from notify_core.handlers.batch import BackoffBatchProcessor
from notify_core.handlers.entry import Handler
from notify_core.services.dispatch import Dispatcher


def service(s: RouterSettings, aws: AwsClients) -> Dispatcher:
    sqs = aws("sqs")
    return Dispatcher(
        settings=SettingsTable(s.settings_table),
        users=UsersTable(s.users_table),
        suppressions=SuppressionsTable(s.suppressions_table),
        deliveries=DeliveryLog(s.deliveries_table, retention_days=s.delivery_retention_days),
        inbox=InboxTable(s.inbox_table),
        queues=DeliveryQueues(sqs, s.delivery_queue_urls()),
        quarantine=QuarantineQueue(sqs, s.quarantine_queue_url),
        renderer=Renderer(s.templates_dir),
        once=EventOnce(s.idempotency_table, boto3_session=aws.session),
        records=RoutingTable(s.routing_table, retention_days=s.delivery_retention_days),
        publishers_required=s.publishers_required,
    )


def build(env: Env) -> Handler:
    s = RouterSettings.from_env(env)
    aws = AwsClients()
    dispatcher = service(s, aws)
    processor = BackoffBatchProcessor(aws("sqs"), base_s=s.retry_base_delay_s, max_s=s.retry_max_delay_s)

    def handle(record: SQSRecord) -> dict[str, Any]:
        return dispatcher.handle_body(record.body, message_id=record.message_id)

    return sqs_handler(handle, processor, before=dispatcher.register_context)
