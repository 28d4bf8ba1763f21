"""The router's core: a batch of product events -> validated, resolved, logged and queued deliveries.

Per event (``route``): read and validate it (``validate``: the bounds every event is held to, the envelope, the
event type, the detail, when it happened; each failure quarantines it with its reason and is not retried, and so
does any other failure to read it: an event is routed or quarantined, never raised), drop a repeat of an event
already routed (a silent no-op) or quarantine a reused event id carrying another event (``event_id_reused``),
load the slice of the org's settings it needs, check that its publisher may speak for the org it names
(``domain.publishers``) and route it (pure, ``domain.routing``). Per batch (``flush``): one suppression read per
org for every address the batch's events reach, the deliveries logged at routing (invalid address, excluded),
the in-app inbox, the queue messages of every event together (SendMessageBatch, 10 a call), the later pages of
a large audience, and last the events' records (what makes a repeat a no-op): an event counts as routed only
once its messages are queued. Configuration problems met on the way are recorded for the event
(``RoutingRecords``), not only logged.

Routing an event twice is harmless anyway: delivery ids are derived from the event, the channel queues drop a
delivery queued twice within five minutes, a sender never sends a delivery that is already final, and a retried
event writes its in-app items and routing-log items create-only (an event's first receive batch-writes them:
nothing can be there yet). The event records make a repeat cheap and catch a reused id.

A large audience (the holders of a permission) routes in pages of ``page_size``: the first page with the event's
other audiences, each later page as a message of its own on the events queue (``PAGE_KEY``), routed by its own
invocation and remembered on its own, so no invocation grows with the audience.

Settings are read once per batch for events that need the same slice (the org's subscriptions of a group, its
permission holders): a batch of one org's events costs the reads of one event.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import TypeAdapter, ValidationError

from notify_core.domain import activity, catalog, publishers, routing, unsubscribe
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
from notify_core.domain.event_records import QUARANTINED, ROUTED, EventRecord, Problem, SeenEvent
from notify_core.domain.org_settings import OrgSettings
from notify_core.domain.rendered import TemplateRenderError
from notify_core.observability import logger, metrics
from notify_core.services.ports import (
    ActivityCounter,
    DeliveryQueues,
    HeldSms,
    InboxWriter,
    PageQueue,
    Quarantine,
    Renderer,
    RoutingLog,
    RoutingRecords,
    SettingsReader,
    SuppressionList,
    UserPreferences,
)

DUPLICATE = "duplicate"
EVENT_ID_REUSED = "event_id_reused"
# Any other failure to read an event (a bug of ours, most likely): quarantined all the same, never retried.
UNREADABLE = "unreadable"
# A later page of a large audience: a key EventBridge never puts at the top of an event, so only the router's
# own messages on its queue carry it.
PAGE_KEY = "notify-page"


class EventRecords(Protocol):
    """What the router remembers of each event it routed (``adapters.dynamodb.event_records``)."""

    def seen(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], SeenEvent]:
        """(org id, event id) -> what is remembered of the events met before (begun or routed)."""
        ...

    def begin(self, events: Sequence[tuple[str, str, str, str]]) -> None:
        """(org id, event id, event type, fingerprint) of new events about to write their first items."""
        ...

    def remember(self, events: Sequence[tuple[str, str, str, str]]) -> None:
        """(org id, event id, event type, fingerprint) of events whose deliveries are all queued."""
        ...


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


@dataclass(frozen=True)
class Page:
    """Where a later page of a permission's holders starts (``PAGE_KEY`` of the router's own message)."""

    permission: str
    after: str  # the sort key of the last holder routed before this page
    number: int  # 2 for the first later page

    def record_id(self, event_id: str) -> str:
        return f"{event_id}#page:{self.permission}:{self.number}"


@dataclass
class Routed:
    event: ProductEvent
    settings: OrgSettings
    result: routing.RoutingResult
    fingerprint: str
    body: str  # the event as published (a later page carries it)
    fresh: bool  # the event's first receive: nothing it writes can exist yet
    page: Page | None = None

    @property
    def record_id(self) -> str:
        return self.page.record_id(self.event.event_id) if self.page else self.event.event_id


def _remembered(r: Routed) -> tuple[str, str, str, str]:
    return (r.event.org_id, r.record_id, r.event.event_type, r.fingerprint)


@dataclass
class RouterBatch:
    seen: dict[tuple[str, str], SeenEvent] = field(default_factory=dict)
    routed: list[Routed] = field(default_factory=list)
    settings_cache: dict[tuple[Any, ...], OrgSettings] = field(default_factory=dict)
    email_off_cache: dict[frozenset[str], set[str]] = field(default_factory=dict)
    in_batch: dict[tuple[str, str], str] = field(default_factory=dict)  # (org, record id) -> fingerprint


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
        pages: PageQueue,
        quarantine: Quarantine,
        renderer: Renderer,
        events: EventRecords,
        records: RoutingRecords,
        page_size: int = 1000,
        publishers_required: bool = False,
        clock: Callable[[], datetime] = _utcnow,
        holds: HeldSms | None = None,
        quiet_hours: Callable[[], bool] = lambda: True,
        activity: ActivityCounter | None = None,
    ) -> None:
        self.settings = settings
        self.users = users
        self.suppressions = suppressions
        self.deliveries = deliveries
        self.inbox = inbox
        self.queues = queues
        self.pages = pages
        self.quarantine = quarantine
        self.renderer = renderer
        self.events = events
        self.records = records
        self.page_size = page_size
        self.publishers_required = publishers_required
        self.clock = clock
        # Quiet hours (README "Time zones and quiet hours"): None holds nothing (unit harnesses without timers).
        self.holds = holds
        self.quiet_hours = quiet_hours  # always on, but for the local runtime's tests that run at any hour
        self.activity = activity

    # ---------------------------------------------------------------------------------------------- a batch
    def open_batch(self, bodies: Sequence[str]) -> RouterBatch:
        """Which of the batch's events (and pages) were routed before (one read for the batch)."""
        keys = [key for key in (_record_key(body) for body in bodies) if key]
        return RouterBatch(seen=self.events.seen(keys) if keys else {})

    def handle_body(self, body: str, *, message_id: str | None = None, receive: int = 1) -> dict[str, Any]:
        """One event on its own: a batch of one (tests and tools; the Lambda routes whole batches)."""
        batch = self.open_batch([body])
        summary = self.route(batch, body, message_id=message_id, receive=receive)
        flushed = self.flush(batch)
        return flushed.get(_key_of(summary), summary)

    def route(
        self, batch: RouterBatch, body: str, *, message_id: str | None = None, receive: int = 1
    ) -> dict[str, Any]:
        """Validate and resolve one event (or a later page of one); its writes wait for ``flush``. Raises only what
        a retry can cure (AWS errors)."""
        page, event_body = _split_page(body)
        try:
            event = validate(event_body, now=self.clock())
            mark = fingerprint(event)
        except InvalidEventError as exc:
            return self._refuse(event_body, exc, message_id)
        except Exception as exc:  # whatever else the event made us fail at: its fault, and retrying cannot cure it
            logger.exception("event unreadable")
            unreadable = InvalidEventError(UNREADABLE, f"{type(exc).__name__}: {exc}"[:300])
            return self._refuse(event_body, unreadable, message_id)
        record_id = page.record_id(event.event_id) if page else event.event_id
        key = (event.org_id, record_id)
        earlier = batch.seen.get(key)
        if key in batch.in_batch:
            earlier = SeenEvent(event.event_type, batch.in_batch[key], routed=True)
        if earlier is not None and (earlier.routed or earlier.fingerprint != mark):
            if earlier.fingerprint == mark:
                return {"org_id": key[0], "event_id": event.event_id, DUPLICATE: True}
            reused = InvalidEventError(
                EVENT_ID_REUSED,
                f"event id {event.event_id!r} of org {event.org_id!r} was first routed as {earlier.event_type}; this "
                f"{event.event_type} (source {event.source}) with the same id carries other content and was not routed",
            )
            return self._refuse(event_body, reused, message_id, event)
        try:
            # Fresh: nothing of this event can be in the tables yet (its first receive, and no earlier attempt
            # begun), so its items are batch-written; otherwise create-only, never over what an attempt wrote.
            fresh = receive == 1 and earlier is None
            routed = self._resolve(batch, event, mark, event_body, fresh, page)
        except InvalidEventError as exc:  # refused once its org's settings were read (source_not_allowed)
            return self._refuse(event_body, exc, message_id, event)
        batch.in_batch[key] = mark
        batch.routed.append(routed)
        return {"org_id": key[0], "event_id": event.event_id, "record_id": record_id, "routed": True}

    def flush(self, batch: RouterBatch) -> dict[tuple[str, str], dict[str, Any]]:
        """Suppressions, the log, the inbox, the queues and the later pages for every event routed in the batch;
        then their records. Raises if anything could not be written or queued: the batch is retried whole.
        Returns the summaries by (org id, record id: the event id, or the event id and page of a later page)."""
        if not batch.routed:
            return {}
        self._apply_suppressions(batch.routed)
        self._apply_quiet_hours(batch.routed)
        not_sent: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
        rows: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
        messages: list[dict[str, Any]] = []
        holds: list[tuple[dict[str, Any], str]] = []
        summaries: dict[tuple[str, str], dict[str, Any]] = {}
        for r in batch.routed:
            summary = self._collect(r, not_sent[r.fresh], rows[r.fresh], messages, holds)
            summaries[(r.event.org_id, r.record_id)] = summary
        self._write_items(batch, not_sent, rows)
        if holds and self.holds is not None:  # logged held (above) before the timer starts: a retry starts it again
            self.holds.hold(holds)
            metrics.add_metric(name="sms_held", unit=MetricUnit.Count, value=len(holds))
        if messages:
            self.queues.enqueue(messages)
        metrics.add_metric(name="deliveries_queued", unit=MetricUnit.Count, value=len(messages))
        later = [_page_body(r.body, Page(perm, after, r.page.number + 1 if r.page else 2))
                 for r in batch.routed for perm, after in sorted(r.settings.more_holders.items())]  # fmt: skip
        if later:
            self.pages.put(later)
            metrics.add_metric(name="fanout_pages_queued", unit=MetricUnit.Count, value=len(later))
        self._count(batch.routed)
        self.events.remember([_remembered(r) for r in batch.routed])
        for r in batch.routed:
            summary = summaries[(r.event.org_id, r.record_id)]
            if r.page is None:
                self._record_problems(r, summary)
            extra = {"page": r.page.number, "permission": r.page.permission} if r.page else {}
            logger.info(
                "event routed", extra={"org_id": r.event.org_id, "event_id": r.event.event_id, **extra, **summary}
            )
        batch.routed.clear()
        return summaries

    def _count(self, routed: list[Routed]) -> None:
        """The activity the reports count (``domain.activity.COUNTED``), once the event is accepted: one UpdateItem
        per counted event on its user's day (the org's day). A repeat of a routed event never gets here (the event
        records); only a crash between this and ``remember`` could count one event again on the retry."""
        if self.activity is None:
            return
        for r in routed:
            if r.page is not None or r.settings.profile is None:
                continue  # a later page is the same event; an org without settings has no reports
            hit = activity.counted(r.event.event_type, r.event.detail.data)
            if hit is None:
                continue
            counter, user = hit
            day = activity.local_day(r.event.detail.occurred_at, r.settings.profile.time_zone)
            name = r.event.detail.data.get("approved_by_name")
            self.activity.add(r.event.org_id, day, user, counter, name if isinstance(name, str) else None)
            metrics.add_metric(name="activity_counted", unit=MetricUnit.Count, value=1)

    def _write_items(
        self, batch: RouterBatch, not_sent: dict[bool, list[dict[str, Any]]], rows: dict[bool, list[dict[str, Any]]]
    ) -> None:
        """The routing log and the inbox: batch-written for fresh events, create-only for the others."""
        if not_sent[True] or rows[True]:  # before any fresh write: a repeat after a crash then writes create-only
            self.events.begin([_remembered(r) for r in batch.routed if r.fresh])
        for fresh in (True, False):
            if not_sent[fresh]:
                self.deliveries.record_at_routing(not_sent[fresh], fresh=fresh)
            if rows[fresh]:
                self.inbox.write(rows[fresh], fresh=fresh)
                metrics.add_metric(name="inapp_written", unit=MetricUnit.Count, value=len(rows[fresh]))

    # ---------------------------------------------------------------------------------------------- an event
    def _resolve(
        self, batch: RouterBatch, event: ProductEvent, mark: str, body: str, fresh: bool, page: Page | None
    ) -> Routed:
        event_type = catalog.CATALOG[event.event_type]
        if page is not None:
            try:
                settings = self.settings.holders_page(
                    event.org_id, page.permission, after=page.after, limit=self.page_size
                )
            except ValueError as exc:  # a page we did not write (or a bug of ours): never worth a retry
                raise InvalidEventError(UNREADABLE, f"page {page.number}: {exc}"[:300]) from None
        else:
            settings = self._settings(batch, event, event_type)
            self._check_publisher(event, settings)
        email_off: set[str] = set()
        if "email" in event_type.channels:
            users = frozenset(settings.members) | {g.user_id for gs in settings.grants.values() for g in gs}
            if users not in batch.email_off_cache:
                batch.email_off_cache[users] = self.users.email_off(users)
            email_off = batch.email_off_cache[users]
        page_of = f"permission:{page.permission}" if page else None
        result = routing.route(event, event_type, settings, email_off, page_of=page_of)
        for s in result.skipped:
            logger.warning(
                "recipient skipped",
                extra={"org_id": event.org_id, "event_id": event.event_id, "reason": s.reason, "detail": s.detail},
            )
        return Routed(event, settings, result, mark, body, fresh, page)

    def _settings(self, batch: RouterBatch, event: ProductEvent, event_type: catalog.EventType) -> OrgSettings:
        member_ids = routing.member_ids_named(event, event_type)
        client_id = event.detail.subject.client_id
        cache_key = (event.org_id, event_type.group, event_type.audiences, client_id, frozenset(member_ids))
        settings = batch.settings_cache.get(cache_key)
        if settings is None:
            settings = batch.settings_cache[cache_key] = self.settings.load_for_event(
                event.org_id, event_type.group, audiences=event_type.audiences, client_id=client_id,
                member_ids=member_ids, holders_per_page=self.page_size,
            )  # fmt: skip
        return settings

    def _check_publisher(self, event: ProductEvent, settings: OrgSettings) -> None:
        refusal = publishers.refusal(
            org_id=event.org_id,
            source=event.source,
            event_type=event.event_type,
            account=event.account,
            publishers=settings.profile.publishers if settings.profile else None,
            required=self.publishers_required,
        )
        if refusal:
            raise InvalidEventError(publishers.SOURCE_NOT_ALLOWED, refusal)

    def _apply_quiet_hours(self, routed: list[Routed]) -> None:
        """SMS outside business hours are held (after suppressions: a suppressed SMS is skipped, not held). Decided
        here for free: the org's profile is already read, so the daytime path makes no extra call."""
        if self.holds is None or not self.quiet_hours():
            return
        now = self.clock()
        for r in routed:
            if r.settings.profile is not None:
                r.result.hold_sms(r.settings.profile.hours(), now)

    def _apply_suppressions(self, routed: list[Routed]) -> None:
        by_org: dict[str, set[tuple[str, str]]] = {}
        groups: list[str | None] = []
        for r in routed:
            group = _unsubscribable_group(r.event.event_type)
            groups.append(group)
            targets = by_org.setdefault(r.event.org_id, set())
            for d in r.result.deliveries:
                if d.status == "queued" and d.channel in ("email", "sms"):
                    targets.add((d.channel, d.address))
                    if group and d.channel == "email":  # one-click unsubscribes from this group (same read)
                        targets.add((unsubscribe.group_channel(group), d.address))
        found = {org: self.suppressions.suppressed(org, sorted(targets)) for org, targets in by_org.items() if targets}
        for r, group in zip(routed, groups, strict=True):
            r.result.apply_suppressions(found.get(r.event.org_id, {}), group=group)

    def _collect(
        self,
        r: Routed,
        not_sent: list[dict[str, Any]],
        rows: list[dict[str, Any]],
        messages: list[dict[str, Any]],
        holds: list[tuple[dict[str, Any], str]],
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
        for d in r.result.held:
            held = message(d)
            holds.append((held, str(d.held_until)))
            logged = {"status": "held", "error_code": routing.QUIET_HOURS, "error_detail": d.error_detail}
            not_sent.append({**held, **logged})
        held_count = {"held": len(r.result.held)} if r.result.held else {}
        return {
            **held_count,
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

    def _record_problems(self, r: Routed, summary: dict[str, Any]) -> None:
        """The configuration problems of this event's routing, recorded where the org's people look."""
        event, result = r.event, r.result
        problems = [Problem(s.reason, s.detail) for s in result.skipped]
        if r.settings.profile is None:
            problems.insert(0, Problem("unknown_org", f"org {event.org_id!r} has no settings (apply its document)"))
        if not result.deliveries:
            problems.append(Problem("no_recipients", f"nobody in org {event.org_id!r} hears of {event.event_type}"))
        if not problems:
            return
        skipped = sum(1 for d in result.excluded if d.status == "skipped")
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


def _split_page(body: str) -> tuple[Page | None, str]:
    """A later page's position and the event it belongs to; any other body is an event as published."""
    if PAGE_KEY not in body:
        return None, body
    try:
        outer = json.loads(body)
        spec = outer[PAGE_KEY]
        page = Page(str(spec["permission"]), str(spec["after"]), int(spec["number"]))
        return page, json.dumps(outer["event"], separators=(",", ":"))
    except Exception:  # not one of ours (or too deep to read): validated, and quarantined, as an event
        return None, body


def _page_body(body: str, page: Page) -> str:
    return json.dumps(
        {PAGE_KEY: {"permission": page.permission, "after": page.after, "number": page.number},
         "event": json.loads(body)},
        separators=(",", ":"),
    )  # fmt: skip


def _record_key(body: str) -> tuple[str, str] | None:
    """(org id, record id) a body claims, for the batch's one read of the event records (validated later)."""
    page, event_body = _split_page(body)
    ids = claimed(event_body)  # within the bounds every event is read with; None: quarantined in route()
    if ids is None:
        return None
    return ids[0], page.record_id(ids[1]) if page else ids[1]


def _key_of(summary: dict[str, Any]) -> tuple[str, str]:
    return (str(summary.get("org_id")), str(summary.get("record_id") or summary.get("event_id")))


def _unsubscribable_group(event_type: str) -> str | None:
    """The group a person may unsubscribe from for this event type (None: its emails must always go)."""
    et = catalog.lookup(event_type)
    return et.group if et is not None and not et.always_send else None
