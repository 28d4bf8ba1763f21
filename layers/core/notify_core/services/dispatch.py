"""The router's core: one product event -> validated, resolved, logged and queued deliveries.

Steps per event: read and validate it (``validate``: the bounds every event is held to, the envelope, the event
type, the detail, when it happened; each failure quarantines it with its reason and is not retried, and so does
any other failure to read it: an event is routed or quarantined, never raised), then, once per (org, event id)
(``OncePerEvent``): load the org's settings (2 DynamoDB calls), check that the event's publisher may speak for the
org it names (``domain.publishers``), load the users' email switches and the suppression list, route (pure,
``domain.routing``), log the deliveries that cannot be sent at all (invalid address, excluded), write the in-app
inbox and queue the rest (one SendMessageBatch per 10). Configuration problems met on the way are recorded for
the event (``RoutingRecords``), not only logged.

An event id the org already used for a different event (another type or content: ``envelope.fingerprint``) is
quarantined ``event_id_reused`` naming both types; the same event again is a silent no-op. The check compares the
first routing's summary (which the once-wrapper returns for a repeat, however it stores it) with this event.

Every dependency is a port given to the constructor (``compose.router`` gives the AWS adapters; unit tests give
in-memory fakes), so the routing rules and their orchestration are tested without AWS.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import TypeAdapter, ValidationError

from notify_core.domain import catalog, publishers, routing
from notify_core.domain.delivery import utcnow_iso
from notify_core.domain.envelope import (
    Identifier,
    ProductEvent,
    check_occurred_at,
    fingerprint,
    parse_envelope,
    validate_detail,
)
from notify_core.domain.errors import InvalidEventError
from notify_core.domain.event_records import QUARANTINED, ROUTED, EventRecord, Problem
from notify_core.domain.templates import TemplateRenderError
from notify_core.observability import logger, metrics
from notify_core.services.ports import (
    DeliveryQueues,
    InboxWriter,
    OncePerEvent,
    Quarantine,
    Renderer,
    RoutingLog,
    RoutingRecords,
    SettingsReader,
    SuppressionList,
    UserPreferences,
)

EVENT_ID_REUSED = "event_id_reused"
# Any other failure to read an event (a bug of ours, most likely): quarantined all the same, never retried.
UNREADABLE = "unreadable"
# Summary keys that are the router's own bookkeeping (for the reuse check), not part of what it reports.
_BOOKKEEPING = ("event_type", "source", "fingerprint")


def validate(body: str, *, now: datetime) -> ProductEvent:
    """The checks of the event contract, each with its own quarantine reason."""
    envelope = parse_envelope(body)
    refusal = publishers.platform_refusal(envelope.source, envelope.detail_type)
    if refusal:
        raise InvalidEventError(publishers.SOURCE_NOT_ALLOWED, refusal)
    event_type = catalog.lookup(envelope.detail_type)
    if event_type is None:
        raise InvalidEventError("unknown_event_type", f"{envelope.detail_type!r} is not in the catalog")
    event = validate_detail(envelope, event_type.data_model)
    check_occurred_at(event.detail, now)
    return event


def _utcnow() -> datetime:
    return datetime.now(UTC)


_IDS = TypeAdapter(tuple[Identifier, Identifier])


def claimed(body: str) -> tuple[str, str, str, str] | None:
    """The org and event ids an event claims, when it names valid ones, with its type and source as sent (to record
    a refusal where the org looks)."""
    try:
        envelope = parse_envelope(body)
        org_id, event_id = _IDS.validate_python((envelope.detail.get("org_id"), envelope.detail.get("event_id")))
    except (InvalidEventError, ValidationError):
        return None
    except Exception:  # best effort: an event that cannot even be read for its ids is in the quarantine all the same
        logger.exception("claimed ids unreadable")
        return None
    return org_id, event_id, envelope.detail_type[:256], envelope.source[:256]


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
        records: RoutingRecords,
        publishers_required: bool = False,
        clock: Callable[[], datetime] = _utcnow,
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
        self.records = records
        self.publishers_required = publishers_required
        self.clock = clock
        self.route_once = once.wrap(self._route)

    def register_context(self, context: Any) -> None:
        self.once.register_context(context)

    def handle_body(self, body: str, *, message_id: str | None = None) -> dict[str, Any]:
        """Route one event or quarantine it with a reason. Raises only what a retry can cure (AWS errors)."""
        try:
            event = validate(body, now=self.clock())
            payload = {**event.model_dump(mode="json"), "fingerprint": fingerprint(event)}
        except InvalidEventError as exc:
            return self._refuse(body, exc, message_id)
        except Exception as exc:  # whatever else the event made us fail at: its fault, and retrying cannot cure it
            logger.exception("event unreadable")
            return self._refuse(body, InvalidEventError(UNREADABLE, f"{type(exc).__name__}: {exc}"[:300]), message_id)
        logger.append_keys(org_id=event.org_id, event_id=event.event_id, event_type=event.event_type)
        try:
            try:
                summary = self.route_once(event=payload)
            except InvalidEventError as exc:  # refused once its org's settings were read (source_not_allowed)
                return self._refuse(body, exc, message_id, event)
            reused = self._reused(summary, event, payload["fingerprint"])
            if reused:
                return self._refuse(body, reused, message_id, event)
            return {k: v for k, v in summary.items() if k not in _BOOKKEEPING}
        finally:
            logger.remove_keys(["org_id", "event_id", "event_type"])

    @staticmethod
    def _reused(summary: dict[str, Any], event: ProductEvent, this: str) -> InvalidEventError | None:
        """An id the org used for another event: the first routing's summary names another fingerprint."""
        first = summary.get("fingerprint")
        if first is None or first == this:  # the same event again (or a summary older than this check)
            return None
        return InvalidEventError(
            EVENT_ID_REUSED,
            f"event id {event.event_id!r} of org {event.org_id!r} was first routed as {summary.get('event_type')} "
            f"(source {summary.get('source')}); this {event.event_type} (source {event.source}) with the same id "
            "carries other content and was not routed",
        )

    def _refuse(
        self, body: str, exc: InvalidEventError, message_id: str | None, event: ProductEvent | None = None
    ) -> dict[str, Any]:
        ids = (event.org_id, event.event_id, event.event_type, event.source) if event else claimed(body)
        if ids:  # where the org's people look, before the quarantine (a retry rewrites the same record)
            self.records.record(
                EventRecord(
                    org_id=ids[0],
                    event_id=ids[1],
                    event_type=ids[2],
                    source=ids[3],
                    outcome=QUARANTINED,
                    reason=exc.reason,
                    detail=exc.detail[:1000],
                    recorded_at=utcnow_iso(),
                )
            )
        self.quarantine.put(body, reason=exc.reason, detail=exc.detail, at=utcnow_iso(), message_id=message_id)
        metrics.add_metric(name="events_quarantined", unit=MetricUnit.Count, value=1)
        metrics.add_metadata(key="quarantine_reason", value=exc.reason)
        logger.warning("event quarantined", extra={"reason": exc.reason, "detail": exc.detail[:1000]})
        return {"quarantined": exc.reason}

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
        refusal = publishers.refusal(
            org_id=product_event.org_id,
            source=product_event.source,
            event_type=product_event.event_type,
            account=product_event.account,
            publishers=settings.profile.publishers if settings.profile else None,
            required=self.publishers_required,
        )
        if refusal:
            raise InvalidEventError(publishers.SOURCE_NOT_ALLOWED, refusal)
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
        self._record_problems(product_event, settings.profile is None, result, summary, len(not_sent) - len(failed))
        logger.info("event routed", extra=summary)
        return {
            **summary,
            "event_type": product_event.event_type,
            "source": product_event.source,
            "fingerprint": event.get("fingerprint"),
        }

    def _record_problems(
        self,
        event: ProductEvent,
        unknown_org: bool,
        result: routing.RoutingResult,
        summary: dict[str, Any],
        skipped: int,
    ) -> None:
        """The configuration problems of this event's routing, recorded where the org's people look."""
        problems = [Problem(s.reason, s.detail) for s in result.skipped]
        if unknown_org:
            problems.insert(0, Problem("unknown_org", f"org {event.org_id!r} has no settings (apply its document)"))
        if not result.deliveries:
            problems.append(Problem("no_recipients", f"nobody in org {event.org_id!r} hears of {event.event_type}"))
        if not problems:
            return
        self.records.record(
            EventRecord(
                org_id=event.org_id,
                event_id=event.event_id,
                event_type=event.event_type,
                source=event.source,
                outcome=ROUTED,
                problems=tuple(problems),
                counts={
                    "queued": summary["queued"],
                    "inapp": summary["inapp"],
                    "failed": summary["failed"],
                    "skipped": skipped,
                },
                recorded_at=utcnow_iso(),
            )
        )
        metrics.add_metric(name="routing_problems", unit=MetricUnit.Count, value=len(problems))

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
