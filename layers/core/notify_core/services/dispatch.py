"""The router's core: one product event -> validated, resolved, logged and queued deliveries.

Steps per event: parse the envelope, find the event type, validate the detail (each failure quarantines with its
reason and is not retried), then, once per (org, event id) (``OncePerEvent``): load the org's settings (2
DynamoDB calls), the users' email switches and the suppression list, route (pure, ``domain.routing``), log the
deliveries that cannot be sent at all (invalid address, excluded), write the in-app inbox and queue the rest
(one SendMessageBatch per 10).

Every dependency is a port given to the constructor (``compose.router`` gives the AWS adapters; unit tests give
in-memory fakes), so the routing rules and their orchestration are tested without AWS.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from notify_core.domain import catalog, routing
from notify_core.domain.delivery import utcnow_iso
from notify_core.domain.envelope import ProductEvent, parse_envelope, validate_detail
from notify_core.domain.errors import InvalidEventError
from notify_core.domain.templates import TemplateRenderError
from notify_core.observability import logger, metrics
from notify_core.services.ports import (
    DeliveryQueues,
    InboxWriter,
    OncePerEvent,
    Quarantine,
    Renderer,
    RoutingLog,
    SettingsReader,
    SuppressionList,
    UserPreferences,
)


def validate(body: str) -> ProductEvent:
    """The three checks of the event contract, each with its own quarantine reason."""
    envelope = parse_envelope(body)
    event_type = catalog.lookup(envelope.detail_type)
    if event_type is None:
        raise InvalidEventError("unknown_event_type", f"{envelope.detail_type!r} is not in the catalog")
    return validate_detail(envelope, event_type.data_model)


class Dispatcher:
    def __init__(
        self,
        *,
        settings: SettingsReader,
        users: UserPreferences,
        suppressions: SuppressionList,
        deliveries: RoutingLog,
        inbox: InboxWriter,
        queues: DeliveryQueues,
        quarantine: Quarantine,
        renderer: Renderer,
        once: OncePerEvent,
    ) -> None:
        self.settings = settings
        self.users = users
        self.suppressions = suppressions
        self.deliveries = deliveries
        self.inbox = inbox
        self.queues = queues
        self.quarantine = quarantine
        self.renderer = renderer
        self.once = once
        self.route_once = once.wrap(self._route)

    def register_context(self, context: Any) -> None:
        self.once.register_context(context)

    def handle_body(self, body: str, *, message_id: str | None = None) -> dict[str, Any]:
        try:
            event = validate(body)
        except InvalidEventError as exc:
            self._quarantine(body, exc, message_id)
            return {"quarantined": exc.reason}
        logger.append_keys(org_id=event.org_id, event_id=event.event_id, event_type=event.event_type)
        try:
            return self.route_once(event=event.model_dump(mode="json"))
        finally:
            logger.remove_keys(["org_id", "event_id", "event_type"])

    def _quarantine(self, body: str, exc: InvalidEventError, message_id: str | None) -> None:
        self.quarantine.put(body, reason=exc.reason, detail=exc.detail, at=utcnow_iso(), message_id=message_id)
        metrics.add_metric(name="events_quarantined", unit=MetricUnit.Count, value=1)
        metrics.add_metadata(key="quarantine_reason", value=exc.reason)
        logger.warning("event quarantined", extra={"reason": exc.reason, "detail": exc.detail})

    def _route(self, event: dict[str, Any]) -> dict[str, Any]:
        product_event = ProductEvent.model_validate(event)
        event_type = catalog.CATALOG[product_event.event_type]
        settings = self.settings.load_for_event(
            product_event.org_id,
            event_type.group,
            audiences=event_type.audiences,
            client_id=product_event.detail.subject.client_id,
            member_ids=routing.member_ids_named(product_event, event_type),
        )
        email_off: set[str] = set()
        if "email" in event_type.channels:
            member_ids = set(settings.members) | {g.user_id for gs in settings.grants.values() for g in gs}
            email_off = self.users.email_off(member_ids)
        result = routing.route(product_event, event_type, settings, email_off)
        reachable = [
            (d.channel, d.address) for d in result.deliveries if d.status == "queued" and d.channel in ("email", "sms")
        ]
        result.apply_suppressions(self.suppressions.suppressed(product_event.org_id, reachable))
        for s in result.skipped:
            logger.warning("recipient skipped", extra={"reason": s.reason, "detail": s.detail})

        def message(d: routing.Delivery) -> dict[str, Any]:
            return routing.queue_message(product_event, d, settings)

        inapp_written, inapp_failed = self._write_inbox([message(d) for d in result.inapp])
        not_sent = [{**message(d), "status": d.status} for d in result.failed + result.excluded] + inapp_failed
        if not_sent:
            self.deliveries.record_at_routing(not_sent)
        failed = [m for m in not_sent if m["status"] == "failed"]
        if failed:
            metrics.add_metric(name="deliveries_failed_at_routing", unit=MetricUnit.Count, value=len(failed))
        messages = [message(d) for d in result.sendable]
        if messages:
            self.queues.enqueue(messages)
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

    def _write_inbox(self, messages: list[dict[str, Any]]) -> tuple[int, list[dict[str, Any]]]:
        """Render and store in-app messages; one whose template fails is recorded as failed instead."""
        rows, failed = [], []
        for m in messages:
            try:
                rendered = self.renderer.render_message("inapp", m)
            except TemplateRenderError as exc:
                failed.append({**m, "status": "failed", "error_code": "template_error", "error_detail": str(exc)})
                continue
            rows.append(
                {**m, "occurred_at": m["event"]["occurred_at"], "title": rendered["title"], "body": rendered["body"]}
            )
        if rows:
            self.inbox.write(rows)
            metrics.add_metric(name="inapp_written", unit=MetricUnit.Count, value=len(rows))
        return len(rows), failed
