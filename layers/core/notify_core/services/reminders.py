"""Reminder series of pending items (README "Timers"): the events that start, end and change them, and the steps.

Two entry points, one per function:

- ``on_event`` (the ``timers`` function, fed by the rule ``timer-events`` through the ``timers`` queue): a start,
  completion, reopening, settings change or resend event of a product. It is read by the same contract as the router
  (an event the router would quarantine starts nothing: the router reports it, this logs it and moves on), checked
  against the org's publishers, then the item decides (``domain.reminders``).
- ``on_step`` (the ``remind`` function, invoked by the reminder state machine when a step's wait ends): the item
  decides whether to send, the reminder is published through the normal router, the next step is started.

Every effect can be repeated: reminders and resends carry ids derived from the item (the router routes an id once),
steps are executions named after the item and step (Standard starts a name once), and the item is written under an
optimistic lock. The order is chosen so that a crash anywhere leaves a retry that finishes the work: publish, then
write the item, then start the next step; and whatever the item says is scheduled is (re)started when an event or a
step finds nothing else to do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from notify_core.domain import appointments, catalog, due_dates, publishers, reminders
from notify_core.domain.envelope import ProductEvent, check_occurred_at, parse_envelope, validate_detail
from notify_core.domain.errors import InvalidEventError
from notify_core.domain.org_settings import OrgProfile
from notify_core.domain.quiet_hours import BusinessHours
from notify_core.domain.reminders import Decision, Item
from notify_core.observability import logger, metrics


class ItemsPort(Protocol):
    def get(self, org_id: str, item_type: str, item_id: str) -> Item | None: ...
    def put(self, item: Item) -> Item: ...


class StepsPort(Protocol):
    def start(self, name: str, payload: dict[str, Any]) -> None: ...
    def stop(self, name: str, cause: str) -> None: ...


class PublishPort(Protocol):
    def publish(self, detail_type: str, detail: dict[str, Any]) -> None: ...


class ProfilesPort(Protocol):
    def profile(self, org_id: str) -> OrgProfile | None: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Reminders:
    def __init__(
        self,
        *,
        items: ItemsPort,
        steps: StepsPort,
        events: PublishPort,
        profiles: ProfilesPort,
        publishers_required: bool = False,
        clock: Callable[[], datetime] = _utcnow,
        quiet_hours: Callable[[], bool] = lambda: True,
    ) -> None:
        self.items = items
        self.steps = steps
        self.events = events
        self.profiles = profiles
        self.publishers_required = publishers_required
        self.clock = clock
        # Business hours are kept (always on AWS; the local runtime's tests, which run at any hour, may switch them off)
        self.quiet_hours = quiet_hours

    # ------------------------------------------------------------------------------------------- events
    def on_event(self, body: str) -> dict[str, Any]:
        now = self.clock()
        outcome = self._admit(body, now)
        if isinstance(outcome, str):
            return {"ignored": outcome}
        admitted, profile = outcome
        hours = profile.hours() if self.quiet_hours() else None
        org_id, kind, detail = admitted.org_id, admitted.event_type, admitted.detail.model_dump(mode="json")
        detail["data"] = admitted.detail.data
        if kind == reminders.RESEND:
            return self._resend(org_id, detail, now)
        if kind in due_dates.EVENT_TYPES or kind in appointments.EVENT_TYPES:
            return self._dated(org_id, kind, detail, now, hours)
        item_type = _item_type(kind, detail)
        existing = self.items.get(org_id, item_type, reminders.item_id_of(kind, detail))
        if existing is not None:  # a series follows the org's business hours as they are now, from its next step
            existing = replace(existing, hours=hours.encode() if hours is not None else None)
        if kind in reminders.START_TYPES:
            settings = reminders.resolve(detail["data"].get("reminders"), dict(profile.reminders.get(item_type) or {}))
            decision = reminders.on_start(existing, org_id, kind, detail, settings, now, hours)
        elif kind in reminders.STOP_TYPES:
            decision = reminders.on_stop(existing, org_id, kind, detail, now)
        elif kind in reminders.REOPEN_TYPES:
            decision = reminders.on_reopen(existing, detail, now)
        else:
            decision = reminders.on_change(existing, detail["data"], admitted.event_id, now)
        return self._apply(existing, decision, kind)

    def _dated(
        self, org_id: str, kind: str, detail: dict[str, Any], now: datetime, hours: BusinessHours | None
    ) -> dict[str, Any]:
        """Due dates (their notices land in business hours) and appointments (relative to the appointment: never
        moved)."""
        if kind in due_dates.EVENT_TYPES:
            item_type = due_dates.SOURCES.get(kind) or due_dates.STOPS[kind][0]
            existing = self.items.get(org_id, item_type, str(detail["subject"]["id"]))
            if kind in due_dates.STOPS:
                return self._apply(existing, due_dates.on_stop(existing, org_id, kind, detail, now), kind)
            return self._apply(existing, due_dates.on_source(existing, org_id, kind, detail, now, hours), kind)
        existing = self.items.get(org_id, appointments.ITEM_TYPE, str(detail["subject"]["id"]))
        if kind == appointments.CANCELLED:
            return self._apply(existing, appointments.on_cancel(existing, org_id, detail, now), kind)
        return self._apply(existing, appointments.on_schedule(existing, org_id, kind, detail, now), kind)

    def _admit(self, body: str, now: datetime) -> tuple[ProductEvent, OrgProfile] | str:
        """The event, read by the router's contract and from a publisher of its org; or why it changes nothing."""
        try:
            envelope = parse_envelope(body)
            if envelope.source == publishers.PLATFORM_SOURCE:
                return "the platform's own event"
            event_type = catalog.lookup(envelope.detail_type)
            if event_type is None or envelope.detail_type not in TIMER_EVENT_TYPES:
                return f"{envelope.detail_type!r} starts, ends or changes no series"
            event = validate_detail(envelope, event_type.data_model)
            check_occurred_at(event.detail, now)
        except InvalidEventError as exc:
            # The router quarantines the same event with this reason; nothing starts here.
            logger.info("timer event refused", extra={"reason": exc.reason, "detail": exc.detail})
            return exc.reason
        profile = self.profiles.profile(event.org_id)
        if profile is None:
            logger.info("timer event for an org without settings", extra={"org_id": event.org_id})
            return "org_without_settings"
        refusal = publishers.refusal(
            org_id=event.org_id,
            source=event.source,
            event_type=event.event_type,
            account=event.account,
            publishers=profile.publishers,
            required=self.publishers_required,
        )
        if refusal:
            logger.info("timer event refused", extra={"reason": publishers.SOURCE_NOT_ALLOWED, "detail": refusal})
            return publishers.SOURCE_NOT_ALLOWED
        return event, profile

    def _resend(self, org_id: str, detail: dict[str, Any], now: datetime) -> dict[str, Any]:
        data = detail["data"]
        notes = {}
        for index, item_id in enumerate(data["item_ids"]):
            existing = self.items.get(org_id, data["item_type"], item_id)
            decision = reminders.on_resend(existing, detail["event_id"], index, data.get("message"), now)
            notes[item_id] = self._apply(existing, decision, reminders.RESEND)["outcome"]
        return {"outcome": "resend", "items": notes}

    # ------------------------------------------------------------------------------------------- steps
    def on_step(self, payload: dict[str, Any]) -> dict[str, Any]:
        """A step's wait ended (``payload``: the execution's input, see ``step_payload``)."""
        existing = self.items.get(payload["org_id"], payload["item_type"], payload["item_id"])
        step, now = int(payload["step"]), self.clock()
        if existing is not None and existing.item_type == appointments.ITEM_TYPE:
            decision = appointments.on_fire(existing, step, now)
        elif existing is not None and existing.item_type in due_dates.ITEM_TYPES:
            decision = due_dates.on_fire(existing, step, now)
        else:
            decision = reminders.on_step(existing, step, now)
        return self._apply(existing, decision, "step")

    # ------------------------------------------------------------------------------------------- effects
    def _apply(self, existing: Item | None, decision: Decision, kind: str) -> dict[str, Any]:
        logger.info(
            "reminder decision",
            extra={"kind": kind, "note": decision.note, "item": existing.key if existing else None},
        )
        if decision.publish is not None:
            self.events.publish(decision.publish["event_type"], decision.publish["detail"])
            name = "reminders_resent" if kind == reminders.RESEND else "reminders_sent"
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
        if decision.item is None:
            if existing is not None and existing.state == "pending" and existing.next_at:
                # Whatever the item says is scheduled runs: a retry after a crash between the write and the start.
                self.steps.start(_name(existing), step_payload(existing, self.clock()))
            return {"outcome": decision.note}
        self.items.put(decision.item)
        # One count per decision that changed an item: series started, moved, stopped, changed, reminders sent.
        metrics.add_metric(name="pending_item_changes", unit=MetricUnit.Count, value=1)
        if decision.stop_running and existing is not None and existing.next_at:
            self.steps.stop(_name(existing), decision.note)
        if decision.schedule:
            self.steps.start(_name(decision.item), step_payload(decision.item, self.clock()))
        return {"outcome": decision.note, "next_at": decision.item.next_at}


def _item_type(kind: str, detail: dict[str, Any]) -> str:
    if kind == reminders.CHANGED:
        return str(detail["data"]["item_type"])
    if kind in reminders.START_TYPES:
        return reminders.START_TYPES[kind]
    if kind in reminders.STOP_TYPES:
        return reminders.STOP_TYPES[kind][0]
    return reminders.REOPEN_TYPES[kind]


def _name(item: Item) -> str:
    return reminders.execution_name(item.org_id, item.item_type, item.item_id, item.step)


def step_payload(item: Item, now: datetime) -> dict[str, Any]:
    """A step execution's input: which item, which step, and when to wake (``TimestampPath: $.next_at``): when it is
    due, or within a Standard execution's year (``reminders.MAX_WAIT``), after which it waits again."""
    return {
        "org_id": item.org_id,
        "item_type": item.item_type,
        "item_id": item.item_id,
        "step": item.step,
        "next_at": reminders.wait_until(item, now),
    }


# Every event type the timers function acts on (the rule ``timer-events`` in the wiring).
TIMER_EVENT_TYPES = reminders.TIMER_EVENT_TYPES | appointments.EVENT_TYPES | due_dates.EVENT_TYPES
