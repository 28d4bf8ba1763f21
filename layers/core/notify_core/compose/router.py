"""The router: EventBridge (via the events queue) -> validated, resolved, queued deliveries, a batch at a time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from notify_core.adapters.aws import AwsClients
from notify_core.adapters.dynamodb.activity_table import ActivityCounters
from notify_core.adapters.dynamodb.deliveries_table import DeliveryLog
from notify_core.adapters.dynamodb.event_records import EventRecordsTable
from notify_core.adapters.dynamodb.inbox_table import InboxTable
from notify_core.adapters.dynamodb.routing_table import RoutingTable
from notify_core.adapters.dynamodb.settings_table import SettingsTable
from notify_core.adapters.dynamodb.suppressions_table import SuppressionsTable
from notify_core.adapters.dynamodb.users_table import UsersTable
from notify_core.adapters.sqs import DeliveryQueues, PageQueue, QuarantineQueue
from notify_core.adapters.stepfunctions import ReminderSteps
from notify_core.compose import Env, lambda_handler
from notify_core.config import RouterSettings
from notify_core.domain.templates import Renderer
from notify_core.handlers.batch import BackoffBatchProcessor
from notify_core.handlers.entry import Handler
from notify_core.services.dispatch import Dispatcher


def service(
    s: RouterSettings,
    aws: AwsClients,
    clock: Callable[[], datetime] | None = None,
    quiet_hours: Callable[[], bool] | None = None,
) -> Dispatcher:
    sqs = aws("sqs")
    extra: dict[str, Any] = {"clock": clock} if clock is not None else {}
    if quiet_hours is not None:
        extra["quiet_hours"] = quiet_hours
    return Dispatcher(
        **extra,
        settings=SettingsTable(s.settings_table),
        users=UsersTable(s.users_table),
        suppressions=SuppressionsTable(s.suppressions_table),
        deliveries=DeliveryLog(s.deliveries_table, retention_days=s.delivery_retention_days),
        inbox=InboxTable(s.inbox_table),
        queues=DeliveryQueues(sqs, s.delivery_queue_urls()),
        quarantine=QuarantineQueue(sqs, s.quarantine_queue_url),
        renderer=Renderer(s.templates_dir),
        pages=PageQueue(sqs, s.events_queue_url),
        events=EventRecordsTable(s.idempotency_table),
        records=RoutingTable(s.routing_table, retention_days=s.delivery_retention_days),
        page_size=s.fanout_page_size,
        publishers_required=s.publishers_required,
        holds=ReminderSteps(aws("stepfunctions"), s.reminder_state_machine_arn),
        activity=ActivityCounters(s.activity_table),
    )


def build(
    env: Env, *, clock: Callable[[], datetime] | None = None, quiet_hours: Callable[[], bool] | None = None
) -> Handler:
    """``clock``: the time events are judged by (``occurred_at``'s window); the local runtime gives its own, and
    ``quiet_hours`` (whether SMS at night are held: always on AWS; the local runtime's tests may switch it off)."""
    s = RouterSettings.from_env(env)
    aws = AwsClients()
    dispatcher = service(s, aws, clock, quiet_hours)
    processor = BackoffBatchProcessor(aws("sqs"), base_s=s.retry_base_delay_s, max_s=s.retry_max_delay_s)

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        # Each event is validated and routed on its own (a bad one is quarantined, a failing one retried alone);
        # the batch's writes and queue messages go out together after them. If those fail, the invocation fails
        # and the batch comes back whole: routing again is harmless (see services.dispatch).
        batch = dispatcher.open_batch([r.get("body", "") for r in event.get("Records", [])])

        def handle(record: SQSRecord) -> dict[str, Any]:
            receive = int(record.attributes.approximate_receive_count or 1)
            return dispatcher.route(batch, record.body, message_id=record.message_id, receive=receive)

        response = processor.run_batch(event, handle, context)
        dispatcher.flush(batch)
        return response

    return lambda_handler(handler)
