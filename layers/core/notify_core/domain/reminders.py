"""Pending items and their reminder series (products.md §5; README "Timers"): the pure rules.

A **pending item** is something awaiting a client's action: the last message of a chat thread, a document awaiting
signature, a document awaiting approval. The event that creates it starts a **series**: after ``every_days`` a
reminder (the same event again, ``reminder_number`` / ``reminders_total`` filled, published by the platform through
the normal router), up to ``count`` reminders. What happened next stops it: the client signed, approved or replied,
the thread was archived, reminders were switched off. Product code never cancels anything: it publishes what
happened, and the item (matched by org, item type and item id) decides.

Each reminder is one **step**: a Step Functions execution that waits until ``next_at`` and invokes the remind
function once (two state transitions). ``step`` numbers every scheduled step of an item; an execution whose step is
no longer the item's (rescheduled, stopped, superseded by a new message) does nothing when it wakes.

This module decides; the service (``services.reminders``) reads and writes the item and starts or stops steps.
Pure: the standard library and the catalog only.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from notify_core.domain.quiet_hours import BusinessHours

DEFAULT_EVERY_DAYS = 3
DEFAULT_COUNT = 1
AUDIT_KEPT = 100  # the newest entries of an item's audit trail

# The event types that start, end or change a series, and the item type each is about.
START_TYPES = {"chat.message_received": "chat", "signature.requested": "signature", "approval.requested": "approval"}
STOP_TYPES = {
    "signature.signed": ("signature", "signed"),
    "approval.approved": ("approval", "approved"),
    "chat.replied": ("chat", "replied"),
    "chat.thread_archived": ("chat", "archived"),
}
REOPEN_TYPES = {"chat.thread_reopened": "chat"}
CHANGED = "reminders.changed"
RESEND = "reminders.resend_requested"
TIMER_EVENT_TYPES = frozenset({*START_TYPES, *STOP_TYPES, *REOPEN_TYPES, CHANGED, RESEND})
# The reminders the platform publishes are the start events again (a reminder of a chat message is a chat message).
REMINDER_EVENT_TYPES = frozenset(START_TYPES)

State = Literal["pending", "done"]


@dataclass(frozen=True)
class Settings:
    """What a series does: on or off, days between reminders, reminders after the first notice."""

    enabled: bool = True
    every_days: int = DEFAULT_EVERY_DAYS
    count: int = DEFAULT_COUNT


def resolve(event_settings: dict[str, Any] | None, org_settings: dict[str, Any] | None = None) -> Settings:
    """The event's ``reminders`` (already validated by the catalog), else the org's for the item type, else the
    defaults; field by field."""
    merged: dict[str, Any] = {}
    for source in (org_settings or {}, event_settings or {}):
        merged |= {k: v for k, v in source.items() if v is not None and k in ("enabled", "every_days", "count")}
    return Settings(**merged)


@dataclass(frozen=True)
class AuditEntry:
    at: str
    what: str  # created, reminder_sent, resent, stopped, restarted, changed, ignored
    detail: str = ""
    event_id: str | None = None  # the event that did it, or the reminder event the platform published

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


@dataclass(frozen=True)
class Item:
    """The pending item as the table holds it (plain values)."""

    org_id: str
    item_type: str
    item_id: str
    state: State
    settings: Settings
    event_type: str | None = None  # the start event's type (what a reminder repeats); None for a tombstone
    detail: dict[str, Any] | None = None  # the start event's detail (the last message, for a chat)
    start_event_id: str | None = None
    started_at: str | None = None  # when the notice the series counts from was sent (ISO, UTC)
    series: int = 0  # bumps on every (re)start: a new message, a reopening
    sent: int = 0  # reminders sent in this series
    step: int = 0  # bumps on every scheduled step (its execution name derives from it)
    next_at: str | None = None  # when the scheduled step fires; None: nothing scheduled
    done_at: str | None = None
    done_reason: str | None = None
    audit: tuple[AuditEntry, ...] = field(default_factory=tuple)
    version: int = 0  # the table's optimistic lock (opaque here)
    # One-time timers of the item (an appointment's reminders): (when, label) still ahead, soonest first.
    plan: tuple[tuple[str, str], ...] = ()
    # The org's business hours its steps land in (``BusinessHours.encode``), as the timers function last read them:
    # the remind function schedules the next step without reading the org's settings. None: any hour.
    hours: str | None = None

    @property
    def key(self) -> str:
        return item_key(self.item_type, self.item_id)

    def restarted(self, event_type: str, detail: dict[str, Any], event_id: str, occurred: str, **changes: Any) -> Item:
        """The item pending again as a new series started by ``event_id`` (reminders, appointments and due dates all
        begin one this way); ``changes`` are what the kind of series adds (its settings, plan or hours)."""
        return replace(
            self,
            state="pending",
            event_type=event_type,
            detail=detail,
            start_event_id=event_id,
            started_at=occurred,
            series=self.series + 1,
            sent=0,
            done_at=None,
            done_reason=None,
            **changes,
        )

    def with_audit(self, *entries: AuditEntry) -> Item:
        return replace(self, audit=(*self.audit, *entries)[-AUDIT_KEPT:])


def item_key(item_type: str, item_id: str) -> str:
    return f"{item_type}#{item_id}"


def item_id_of(event_type: str, detail: dict[str, Any]) -> str:
    """Which item an event is about: a chat's thread (``data.thread_id``: the item is the thread, whichever message
    is its last), a document's subject id; ``reminders.changed`` names it."""
    data = detail.get("data") or {}
    if event_type == CHANGED:
        return str(data["item_id"])
    if event_type.startswith("chat."):
        return str(data["thread_id"])
    return str(detail["subject"]["id"])


def utc(at: datetime) -> str:
    """ISO 8601 in UTC to the second: what Step Functions' TimestampPath accepts."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(at: str) -> datetime:
    return datetime.fromisoformat(at.replace("Z", "+00:00"))


def execution_name(org_id: str, item_type: str, item_id: str, step: int) -> str:
    """A Step Functions execution name (80 characters of [A-Za-z0-9_-]): one per step, so a start repeated (a
    duplicate event, a retried function) starts nothing new: Standard refuses a second execution of one name."""
    digest = hashlib.sha256(f"{org_id}\x00{item_type}\x00{item_id}".encode()).hexdigest()[:40]
    return f"{item_type}-{digest}-{step}"


def reminder_event_id(item: Item, number: int) -> str:
    """The id of reminder ``number`` of the item's current series: the same on a retry, so the router routes it once."""
    return f"{item.start_event_id}.r{item.series}-{number}"[-256:]


# Standard executions last at most a year: a step waits at most this long, then waits again (one more step).
MAX_WAIT = timedelta(days=360)


def wait_until(item: Item, now: datetime) -> str:
    """When the item's step wakes: when it is due, or ``MAX_WAIT`` from now if that is sooner."""
    assert item.next_at is not None
    return utc(min(parse(item.next_at), now + MAX_WAIT))


# ------------------------------------------------------------------------------------------------ decisions
@dataclass(frozen=True)
class Decision:
    """What to do: the item to write (None: nothing), the step to schedule (its ``next_at``), whether to stop the
    running step, the reminder or resend to publish, and a line for the log."""

    item: Item | None
    schedule: bool = False
    stop_running: bool = False
    publish: dict[str, Any] | None = None  # {"event_type", "detail"} of a reminder or resend
    note: str = ""


def _schedule_next(item: Item, base: datetime, now: datetime) -> Item:
    """The next step: ``every_days`` after ``base``, never earlier than now (a step in the past fires at once), and
    inside the org's business hours (a step due at night waits for them to start)."""
    at = max(base + timedelta(days=item.settings.every_days), now)
    hours = BusinessHours.decode(item.hours)
    if hours is not None:
        at = hours.next_business_moment(at)
    return replace(item, step=item.step + 1, next_at=utc(at))


def _unscheduled(item: Item) -> Item:
    return replace(item, next_at=None)


def on_start(
    existing: Item | None,
    org_id: str,
    event_type: str,
    detail: dict[str, Any],
    settings: Settings,
    now: datetime,
    hours: BusinessHours | None = None,
) -> Decision:
    """A start event: a new pending item and its series, unless it is a duplicate, a reminder the product sent
    itself, or late (the item was done before this event happened). ``hours``: the org's business hours, where its
    steps land (None: any hour)."""
    item_type = START_TYPES[event_type]
    item_id = item_id_of(event_type, detail)
    event_id = str(detail["event_id"])
    occurred = parse(str(detail["occurred_at"])) if isinstance(detail["occurred_at"], str) else detail["occurred_at"]
    data = detail.get("data") or {}
    if data.get("reminder_number") is not None:
        return Decision(None, note="a reminder the product sent itself: no series")
    if existing is not None:
        if existing.start_event_id == event_id:
            return Decision(None, note="duplicate start event: the series already exists")
        if existing.state == "done" and existing.done_at and parse(existing.done_at) >= occurred:
            entry = AuditEntry(utc(now), "ignored", f"{event_type} arrived after the item was done", event_id)
            return Decision(existing.with_audit(entry), note="start after the item was done: no series")
        if existing.state == "pending" and item_type != "chat":
            return Decision(None, note="the document is already pending: its series goes on")
        if existing.state == "pending" and existing.started_at and parse(existing.started_at) > occurred:
            return Decision(None, note="an older message of the thread: the series stays on the newest")
    base = existing or Item(org_id, item_type, item_id, "pending", settings)
    moved = existing is not None and existing.state == "pending"
    item = base.restarted(
        event_type,
        detail,
        event_id,
        utc(occurred),
        settings=settings,
        hours=hours.encode() if hours is not None else None,
    )
    what = "moved" if moved else "created"
    text = f"series {item.series}: every {settings.every_days} days, {settings.count} reminders"
    if not settings.enabled:
        text += " (reminders off)"
    item = item.with_audit(AuditEntry(utc(now), what, text, event_id))
    if not settings.enabled:
        return Decision(_unscheduled(item), stop_running=moved, note=what)
    return Decision(_schedule_next(item, occurred, now), schedule=True, stop_running=moved, note=what)


def on_stop(existing: Item | None, org_id: str, event_type: str, detail: dict[str, Any], now: datetime) -> Decision:
    """The client acted, or the thread was archived: the series stops. For an item never seen (a completion that
    overtook its start on the bus, or an unknown item) a tombstone remembers it, so a late start makes no series."""
    item_type, reason = STOP_TYPES[event_type]
    event_id = str(detail["event_id"])
    occurred = utc(parse(str(detail["occurred_at"])))
    entry = AuditEntry(utc(now), "stopped", reason, event_id)
    if existing is None:
        tomb = Item(org_id, item_type, item_id_of(event_type, detail), "done", Settings(), done_at=occurred)
        return Decision(replace(tomb, done_reason=reason).with_audit(entry), note="unknown item: remembered as done")
    if existing.state == "done":
        return Decision(None, note=f"already done ({existing.done_reason})")
    done = replace(_unscheduled(existing), state="done", done_at=occurred, done_reason=reason)
    return Decision(done.with_audit(entry), stop_running=existing.next_at is not None, note=f"stopped: {reason}")


def on_reopen(existing: Item | None, detail: dict[str, Any], now: datetime) -> Decision:
    """An archived thread reopened: its reminders restart as if its last message were new."""
    event_id = str(detail["event_id"])
    if existing is None or existing.detail is None or existing.event_type is None:
        return Decision(None, note="reopened a thread the platform never saw a message of: nothing to remind")
    if existing.state == "pending":
        return Decision(None, note="the thread is not archived: its series goes on")
    item = replace(
        existing, state="pending", series=existing.series + 1, sent=0, done_at=None, done_reason=None
    ).with_audit(AuditEntry(utc(now), "restarted", "thread reopened", event_id))
    item = replace(item, started_at=utc(now))
    if not item.settings.enabled:
        return Decision(item, note="reopened; reminders are off")
    return Decision(_schedule_next(item, now, now), schedule=True, note="reopened: series restarted")


def on_change(existing: Item | None, data: dict[str, Any], event_id: str, now: datetime) -> Decision:
    """Reminders switched on or off, or every_days / count changed: the series goes on from its next step with the
    new settings (the step waiting now is rescheduled: every_days after the last notice, never in the past)."""
    if existing is None:
        return Decision(None, note="reminders changed for an unknown item: nothing to change")
    settings = Settings(
        enabled=bool(data["enabled"]),
        every_days=data.get("every_days") or existing.settings.every_days,
        count=data.get("count") or existing.settings.count,
    )
    text = f"{'on' if settings.enabled else 'off'}, every {settings.every_days} days, {settings.count} reminders"
    item = replace(existing, settings=settings).with_audit(AuditEntry(utc(now), "changed", text, event_id))
    running = existing.next_at is not None
    if existing.state != "pending" or not settings.enabled or item.sent >= settings.count:
        return Decision(_unscheduled(item), stop_running=running, note="changed: nothing more to send")
    last = _last_notice(item)
    return Decision(_schedule_next(item, last, now), schedule=True, stop_running=running, note="changed: rescheduled")


def _last_notice(item: Item) -> datetime:
    """When the item's last notice went (the first notice or the latest reminder of this series)."""
    sent = [parse(e.at) for e in item.audit if e.what == "reminder_sent" and e.detail.startswith(f"{item.series}:")]
    if sent:
        return max(sent)
    return parse(item.started_at) if item.started_at else datetime.min.replace(tzinfo=UTC)


def on_step(existing: Item | None, step: int, now: datetime) -> Decision:
    """A step woke up: send the next reminder if the item is still pending, reminders are on, this step is still
    the item's and the count is not reached; then schedule the one after, if any."""
    if existing is None or existing.state != "pending":
        return Decision(None, note="no pending item: nothing to send")
    if existing.step != step or existing.next_at is None:
        return Decision(None, note=f"step {step} is stale (the item's is {existing.step}): nothing to send")
    if not existing.settings.enabled or existing.sent >= existing.settings.count:
        return Decision(_unscheduled(existing), note="reminders off or count reached")
    if parse(existing.next_at) > now:  # a step waits at most MAX_WAIT: a later one waits again
        return Decision(replace(existing, step=existing.step + 1), schedule=True, note="not due yet: waits again")
    number = existing.sent + 1
    total = existing.settings.count
    item = replace(existing, sent=number)
    event_id = reminder_event_id(item, number)
    item = item.with_audit(AuditEntry(utc(now), "reminder_sent", f"{item.series}:{number} of {total}", event_id))
    publish = reminder(item, number, total, event_id, now)
    if number >= total:
        return Decision(_unscheduled(item), publish=publish, note=f"reminder {number} of {total}: the last")
    # From when this step was due, not from now: a clock moved by weeks plays every step that fell due on the way.
    due = parse(existing.next_at)
    return Decision(
        _schedule_next(item, due, now), schedule=True, publish=publish, note=f"reminder {number} of {total}"
    )


def reminder(
    item: Item, number: int | None, total: int | None, event_id: str, now: datetime, message: str | None = None
) -> dict[str, Any]:
    """The event a reminder (or a manual resend) publishes: the start event again, to the same audience, with its
    number, a new id and the time it is sent."""
    assert item.detail is not None and item.event_type is not None
    data = {k: v for k, v in (item.detail.get("data") or {}).items() if k != "reminders"}
    if number is not None:
        data |= {"reminder_number": number, "reminders_total": total}
    if message:
        data["message"] = message
    detail = {**item.detail, "event_id": event_id, "occurred_at": utc(now), "data": data}
    return {"event_type": item.event_type, "detail": detail}


def on_resend(existing: Item | None, event_id: str, index: int, message: str | None, now: datetime) -> Decision:
    """A manual resend: one more notice now (numbered like the series so far), recorded in the audit trail; the
    automatic series is not disturbed."""
    if existing is None or existing.state != "pending" or existing.detail is None:
        return Decision(None, note="resend of an item that is not pending: nothing sent")
    resend_id = f"{event_id}.{index}"[-256:]
    if any(e.event_id == resend_id for e in existing.audit):
        return Decision(None, note="resend already recorded")
    entry = AuditEntry(utc(now), "resent", message or "", resend_id)
    item = existing.with_audit(entry)
    return Decision(item, publish=reminder(item, None, None, resend_id, now, message), note="resent")
