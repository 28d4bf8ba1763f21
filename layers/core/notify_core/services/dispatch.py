"""The router's core: a batch of product events -> validated, resolved, logged and queued deliveries.

Per event (``route``): parse the envelope, find the event type, validate the detail (each failure quarantines
with its reason and is not retried), drop a repeat of an event already routed (a silent no-op) or quarantine a
reused event id carrying another event (``event_id_reused``), load the slice of the org's settings it needs and
route it (pure, ``domain.routing``). Per batch (``flush``): one suppression read per org for every address the
batch's events reach, one write for the deliveries logged at routing (invalid address, excluded), one for the
in-app inbox, the queue messages of every event together (SendMessageBatch, 10 a call), and last the events'
records (what makes a repeat a no-op): an event counts as routed only once its messages are queued.

Routing an event twice is harmless anyway: delivery ids are derived from the event, the channel queues drop a
delivery queued twice within five minutes, and a sender never sends a delivery that is already final. The event
records make a repeat cheap and catch a reused id.

Settings are read once per batch for events that need the same slice (the org's subscriptions of a group, its
permission holders): a batch of one org's events costs the reads of one event.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from notify_core.domain import catalog, routing
from notify_core.domain.delivery import utcnow_iso
from notify_core.domain.envelope import ProductEvent, parse_envelope, validate_detail
from notify_core.domain.errors import InvalidEventError
from notify_core.domain.org_settings import OrgSettings
from notify_core.domain.templates import TemplateRenderError
from notify_core.observability import logger, metrics
from notify_core.services.ports import (
    DeliveryQueues,
    InboxWriter,
    Quarantine,
    Renderer,
    RoutingLog,
    SettingsReader,
    SuppressionList,
    UserPreferences,
)

DUPLICATE, REUSED = "duplicate", "reused"


class EventRecords(Protocol):
    """What the router remembers of each event it routed (``adapters.dynamodb.event_records``)."""

    def seen(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, str]]:
        """(org id, event id) -> (event type, fingerprint) for the events already routed."""
        ...

    def remember(self, events: Sequence[tuple[str, str, str, str]]) -> None:
        """(org id, event id, event type, fingerprint) of events whose deliveries are all queued."""
        ...


def validate(body: str) -> ProductEvent:
    """The three checks of the event contract, each with its own quarantine reason."""
    envelope = parse_envelope(body)
    event_type = catalog.lookup(envelope.detail_type)
    if event_type is None:
        raise InvalidEventError("unknown_event_type", f"{envelope.detail_type!r} is not in the catalog")
    return validate_detail(envelope, event_type.data_model)


def fingerprint(event: ProductEvent) -> str:
    """What makes two publications of one event id the same event: its type and detail (a retry by EventBridge
    or the product is byte-for-byte the same event; anything else reusing the id is another event)."""
    canonical = json.dumps(
        {"type": event.event_type, "detail": event.detail.model_dump(mode="json")}, sort_keys=True, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


@dataclass
class Routed:
    event: ProductEvent
    settings: OrgSettings
    result: routing.RoutingResult
    fingerprint: str


@dataclass
class RouterBatch:
    seen: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    routed: list[Routed] = field(default_factory=list)
    settings_cache: dict[tuple[Any, ...], OrgSettings] = field(default_factory=dict)
    email_off_cache: dict[frozenset[str], set[str]] = field(default_factory=dict)
    in_batch: dict[tuple[str, str], str] = field(default_factory=dict)  # (org, event) -> fingerprint


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
        events: EventRecords,
    ) -> None:
        self.settings = settings
        self.users = users
        self.suppressions = suppressions
        self.deliveries = deliveries
        self.inbox = inbox
        self.queues = queues
        self.quarantine = quarantine
        self.renderer = renderer
        self.events = events

    # ---------------------------------------------------------------------------------------------- a batch
    def open_batch(self, bodies: Sequence[str]) -> RouterBatch:
        """Which of the batch's events were routed before (one read for the batch)."""
        keys = []
        for body in bodies:
            try:
                detail = json.loads(body).get("detail") or {}
                keys.append((str(detail["org_id"]), str(detail["event_id"])))
            except (ValueError, TypeError, KeyError, AttributeError):
                continue  # validated (and quarantined) one by one in route()
        return RouterBatch(seen=self.events.seen(keys) if keys else {})

    def handle_body(self, body: str, *, message_id: str | None = None) -> dict[str, Any]:
        """One event on its own: a batch of one (tests and tools; the Lambda routes whole batches)."""
        batch = self.open_batch([body])
        summary = self.route(batch, body, message_id=message_id)
        flushed = self.flush(batch)
        return flushed.get(_key_of(summary), summary)

    def route(self, batch: RouterBatch, body: str, *, message_id: str | None = None) -> dict[str, Any]:
        try:
            event = validate(body)
        except InvalidEventError as exc:
            self._quarantine(body, exc, message_id)
            return {"quarantined": exc.reason}
        key = (event.org_id, event.event_id)
        mark = fingerprint(event)
        earlier = batch.seen.get(key) or ((event.event_type, batch.in_batch[key]) if key in batch.in_batch else None)
        if earlier is not None:
            if earlier[1] == mark:
                return {"org_id": key[0], "event_id": key[1], DUPLICATE: True}
            reused = InvalidEventError(
                "event_id_reused",
                f"event id {event.event_id!r} of org {event.org_id!r} was routed as {earlier[0]}; "
                f"this {event.event_type} carries another event",
            )
            self._quarantine(body, reused, message_id)
            return {"quarantined": reused.reason}
        batch.in_batch[key] = mark
        batch.routed.append(self._resolve(batch, event, mark))
        return {"org_id": key[0], "event_id": key[1], "routed": True}

    def flush(self, batch: RouterBatch) -> dict[tuple[str, str], dict[str, Any]]:
        """Suppressions, the log, the inbox and the queues for every event routed in the batch; then their records.
        Raises if anything could not be written or queued: the batch is retried whole (harmless, see above)."""
        if not batch.routed:
            return {}
        self._apply_suppressions(batch.routed)
        not_sent: list[dict[str, Any]] = []
        rows: list[dict[str, Any]] = []
        messages: list[dict[str, Any]] = []
        summaries: dict[tuple[str, str], dict[str, Any]] = {}
        for r in batch.routed:
            summary = self._collect(r, not_sent, rows, messages)
            summaries[(r.event.org_id, r.event.event_id)] = summary
        if not_sent:
            self.deliveries.record_at_routing(not_sent)
        if rows:
            self.inbox.write(rows)
            metrics.add_metric(name="inapp_written", unit=MetricUnit.Count, value=len(rows))
        if messages:
            self.queues.enqueue(messages)
        metrics.add_metric(name="deliveries_queued", unit=MetricUnit.Count, value=len(messages))
        self.events.remember(
            [(r.event.org_id, r.event.event_id, r.event.event_type, r.fingerprint) for r in batch.routed]
        )
        for key, summary in summaries.items():
            logger.info("event routed", extra={"org_id": key[0], "event_id": key[1], **summary})
        batch.routed.clear()
        return summaries

    # ---------------------------------------------------------------------------------------------- an event
    def _resolve(self, batch: RouterBatch, event: ProductEvent, mark: str) -> Routed:
        event_type = catalog.CATALOG[event.event_type]
        member_ids = routing.member_ids_named(event, event_type)
        client_id = event.detail.subject.client_id
        cache_key = (event.org_id, event_type.group, event_type.audiences, client_id, frozenset(member_ids))
        settings = batch.settings_cache.get(cache_key)
        if settings is None:
            settings = batch.settings_cache[cache_key] = self.settings.load_for_event(
                event.org_id, event_type.group, audiences=event_type.audiences, client_id=client_id,
                member_ids=member_ids,
            )  # fmt: skip
        email_off: set[str] = set()
        if "email" in event_type.channels:
            users = frozenset(settings.members) | {g.user_id for gs in settings.grants.values() for g in gs}
            if users not in batch.email_off_cache:
                batch.email_off_cache[users] = self.users.email_off(users)
            email_off = batch.email_off_cache[users]
        result = routing.route(event, event_type, settings, email_off)
        for s in result.skipped:
            logger.warning(
                "recipient skipped",
                extra={"org_id": event.org_id, "event_id": event.event_id, "reason": s.reason, "detail": s.detail},
            )
        return Routed(event, settings, result, mark)

    def _apply_suppressions(self, routed: list[Routed]) -> None:
        by_org: dict[str, set[tuple[str, str]]] = {}
        for r in routed:
            by_org.setdefault(r.event.org_id, set()).update(
                (d.channel, d.address)
                for d in r.result.deliveries
                if d.status == "queued" and d.channel in ("email", "sms")
            )
        found = {org: self.suppressions.suppressed(org, sorted(targets)) for org, targets in by_org.items() if targets}
        for r in routed:
            r.result.apply_suppressions(found.get(r.event.org_id, {}))

    def _collect(
        self, r: Routed, not_sent: list[dict[str, Any]], rows: list[dict[str, Any]], messages: list[dict[str, Any]]
    ) -> dict[str, Any]:
        routed_at = utcnow_iso()  # the delivery's created_at, whenever its sender gets to write it

        def message(d: routing.Delivery) -> dict[str, Any]:
            return {**routing.queue_message(r.event, d, r.settings), "routed_at": routed_at}

        written, inapp_failed = self._inbox_rows([message(d) for d in r.result.inapp], rows)
        excluded = [{**message(d), "status": d.status} for d in r.result.failed + r.result.excluded] + inapp_failed
        not_sent += excluded
        failed = [m for m in excluded if m["status"] == "failed"]
        if failed:
            metrics.add_metric(name="deliveries_failed_at_routing", unit=MetricUnit.Count, value=len(failed))
        queued = [message(d) for d in r.result.sendable]
        messages += queued
        return {
            "queued": len(queued),
            "inapp": written,
            "failed": len(failed),
            "skipped": sorted({m["error_code"] for m in excluded if m["status"] == "skipped"}),
            "problems": sorted({s.reason for s in r.result.skipped}),
        }

    def _inbox_rows(
        self, messages: list[dict[str, Any]], rows: list[dict[str, Any]]
    ) -> tuple[int, list[dict[str, Any]]]:
        """Render in-app messages into ``rows``; one whose template fails is recorded as failed instead."""
        written, failed = 0, []
        for m in messages:
            try:
                rendered = self.renderer.render_message("inapp", m)
            except TemplateRenderError as exc:
                failed.append({**m, "status": "failed", "error_code": "template_error", "error_detail": str(exc)})
                continue
            rows.append(
                {**m, "occurred_at": m["event"]["occurred_at"], "title": rendered["title"], "body": rendered["body"]}
            )
            written += 1
        return written, failed

    def _quarantine(self, body: str, exc: InvalidEventError, message_id: str | None) -> None:
        self.quarantine.put(body, reason=exc.reason, detail=exc.detail, at=utcnow_iso(), message_id=message_id)
        metrics.add_metric(name="events_quarantined", unit=MetricUnit.Count, value=1)
        metrics.add_metadata(key="quarantine_reason", value=exc.reason)
        logger.warning("event quarantined", extra={"reason": exc.reason, "detail": exc.detail})


def _key_of(summary: dict[str, Any]) -> tuple[str, str]:
    return (str(summary.get("org_id")), str(summary.get("event_id")))
