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

from notify_core import catalog, delivery_log, inbox, queueing, routing, settings_store, suppression, templates, users
from notify_core.config import get_config
from notify_core.envelope import ProductEvent, parse_envelope, validate_detail
from notify_core.errors import InvalidEventError
from notify_core.observability import logger, metrics
from notify_core.quarantine import quarantine


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
        settings = settings_store.load_for_event(
            product_event.org_id,
            event_type.group,
            audiences=event_type.audiences,
            client_id=product_event.detail.subject.client_id,
            member_ids=routing.member_ids_named(product_event, event_type),
        )
        email_off: set[str] = set()
        if "email" in event_type.channels:
            member_ids = set(settings.members) | {g.user_id for gs in settings.grants.values() for g in gs}
            email_off = {u for u, prefs in users.load(member_ids).items() if not prefs.email_enabled}
        result = routing.route(product_event, event_type, settings, email_off)
        reachable = [
            (d.channel, d.address) for d in result.deliveries if d.status == "queued" and d.channel in ("email", "sms")
        ]
        result.apply_suppressions(suppression.suppressed(product_event.org_id, reachable))
        for s in result.skipped:
            logger.warning("recipient skipped", extra={"reason": s.reason, "detail": s.detail})

        def message(d: routing.Delivery) -> dict[str, Any]:
            return routing.queue_message(product_event, d, settings)

        inapp_written, inapp_failed = self._write_inbox([message(d) for d in result.inapp])
        not_sent = [{**message(d), "status": d.status} for d in result.failed + result.excluded] + inapp_failed
        if not_sent:
            delivery_log.record_at_routing(not_sent)
        failed = [m for m in not_sent if m["status"] == "failed"]
        if failed:
            metrics.add_metric(name="deliveries_failed_at_routing", unit=MetricUnit.Count, value=len(failed))
        messages = [message(d) for d in result.sendable]
        if messages:
            queueing.enqueue(messages)
        metrics.add_metric(name="deliveries_queued", unit=MetricUnit.Count, value=len(messages))
        summary = {
            "queued": len(messages),
            "inapp": inapp_written,
            "failed": len(failed),
            "skipped": sorted({m["error_code"] for m in not_sent if m["status"] == "skipped"}),
            "problems": sorted({s.reason for s in result.skipped}),
        }
        logger.info("event routed", extra=summary)
        return summary

    @staticmethod
    def _write_inbox(messages: list[dict[str, Any]]) -> tuple[int, list[dict[str, Any]]]:
        """Render and store in-app messages; one whose template fails is recorded as failed instead."""
        rows, failed = [], []
        for m in messages:
            try:
                rendered = templates.render(m["event_type"], "inapp", m["locale"], templates.context_for(m))
            except templates.TemplateRenderError as exc:
                failed.append({**m, "status": "failed", "error_code": "template_error", "error_detail": str(exc)})
                continue
            rows.append(
                {**m, "occurred_at": m["event"]["occurred_at"], "title": rendered["title"], "body": rendered["body"]}
            )
        if rows:
            inbox.write(rows)
            metrics.add_metric(name="inapp_written", unit=MetricUnit.Count, value=len(rows))
        return len(rows), failed
