"""The router's core: one product event -> validated, resolved, logged and queued deliveries.

Steps per event: parse the envelope, find the event type, validate the detail (each failure
quarantines with its reason and is not retried), then, once per (org, event id) thanks to Powertools
idempotency: load the org's settings (2 DynamoDB calls), route (pure), log deliveries that cannot be
sent at all (invalid address) and queue the rest (one SendMessageBatch per 10).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from notify_core import catalog, delivery_log, queueing, routing, settings_store
from notify_core.config import get_config
from notify_core.envelope import ProductEvent, parse_envelope, validate_detail
from notify_core.errors import InvalidEventError
from notify_core.observability import logger, metrics
from notify_core.quarantine import quarantine

CHANNEL_QUEUES = {"email": "email", "sms": "sms", "webhook": "webhook"}


class Dispatcher:
    def __init__(self) -> None:
        self.idempotency = IdempotencyConfig(
            event_key_jmespath="[detail.org_id, detail.event_id]",
            # Products may republish an event long after the first time (EventBridge retries for 24 h).
            expires_after_seconds=7 * 86400,
        )

    @cached_property
    def route_once(self):
        # Built lazily: the persistence layer needs the table name, known only once config is read.
        store = DynamoDBPersistenceLayer(table_name=get_config().idempotency_table)
        return idempotent_function(data_keyword_argument="event", config=self.idempotency, persistence_store=store)(
            self._route
        )

    def register_context(self, context: LambdaContext) -> None:
        self.idempotency.register_lambda_context(context)

    def handle_body(self, body: str, *, message_id: str | None = None) -> dict[str, Any]:
        try:
            event = self.validate(body)
        except InvalidEventError as exc:
            quarantine(body, exc, message_id=message_id)
            return {"quarantined": exc.reason}
        logger.append_keys(org_id=event.org_id, event_id=event.event_id, event_type=event.event_type)
        try:
            return self.route_once(event=event.model_dump(mode="json"))
        finally:
            logger.remove_keys(["org_id", "event_id", "event_type"])

    @staticmethod
    def validate(body: str) -> ProductEvent:
        envelope = parse_envelope(body)
        event_type = catalog.lookup(envelope.detail_type)
        if event_type is None:
            raise InvalidEventError("unknown_event_type", f"{envelope.detail_type!r} is not in the catalog")
        return validate_detail(envelope, event_type.data_model)

    def _route(self, event: dict[str, Any]) -> dict[str, Any]:
        product_event = ProductEvent.model_validate(event)
        event_type = catalog.CATALOG[product_event.event_type]
        settings = settings_store.load_for_event(product_event.org_id, event_type.group)
        result = routing.route(product_event, event_type, settings)
        for s in result.skipped:
            logger.warning("recipient skipped", extra={"reason": s.reason, "detail": s.detail})
        failed = [routing.queue_message(product_event, d, settings) for d in result.failed]
        if failed:
            delivery_log.record_failed_at_routing(failed)
            metrics.add_metric(name="deliveries_invalid_address", unit=MetricUnit.Count, value=len(failed))
        messages = [routing.queue_message(product_event, d, settings) for d in result.sendable]
        if messages:
            queueing.enqueue(messages, CHANNEL_QUEUES)
        metrics.add_metric(name="deliveries_queued", unit=MetricUnit.Count, value=len(messages))
        summary = {
            "queued": len(messages),
            "failed": len(failed),
            "skipped": [s.reason for s in result.skipped],
        }
        logger.info("event routed", extra=summary)
        return summary
