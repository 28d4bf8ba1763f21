"""Appointment reminders (products.md §2; README "Timers"): the pure rules.

``appointment.scheduled`` names when the appointment starts and how long before it the client is reminded (several
offsets: a day and two hours before); the item holds the *plan*, one entry per offset still ahead, and one step waits
for the next entry. ``appointment.rescheduled`` replaces the plan; ``appointment.cancelled`` ends it. An offset
already past when the appointment is booked (or moved) is skipped, not sent late; when several fall due at once (a
clock moved far), only the latest is sent. The reminder is ``appointment.reminder`` with the appointment's facts,
published through the normal router to the same audience.

Pure: the standard library and the items of ``domain.reminders``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from notify_core.domain.reminders import AuditEntry, Decision, Item, Settings, parse, utc

ITEM_TYPE = "appointment"
SCHEDULE_TYPES = frozenset({"appointment.scheduled", "appointment.rescheduled"})
CANCELLED = "appointment.cancelled"
EVENT_TYPES = frozenset({*SCHEDULE_TYPES, CANCELLED})
REMINDER = "appointment.reminder"
DEFAULT_REMIND_BEFORE_MINUTES = (24 * 60,)
_FACTS = ("starts_at", "place", "service_name", "order_number")


def plan_for(starts_at: datetime, offsets: list[int] | tuple[int, ...], now: datetime) -> tuple[tuple[str, str], ...]:
    """(when, minutes before) of each offset still ahead, soonest first."""
    entries = {(starts_at - timedelta(minutes=m), m) for m in offsets}
    return tuple((utc(at), str(m)) for at, m in sorted(entries) if at > now)


def on_schedule(existing: Item | None, org_id: str, event_type: str, detail: dict[str, Any], now: datetime) -> Decision:
    event_id = str(detail["event_id"])
    occurred = parse(str(detail["occurred_at"]))
    data = detail.get("data") or {}
    if existing is not None:
        if existing.start_event_id == event_id:
            return Decision(None, note="duplicate appointment event: the plan already exists")
        newer = existing.started_at and parse(existing.started_at) > occurred
        if newer or (existing.state == "done" and existing.done_at and parse(existing.done_at) >= occurred):
            entry = AuditEntry(utc(now), "ignored", f"{event_type} older than what the item knows", event_id)
            return Decision(existing.with_audit(entry), note="an older appointment event: ignored")
    starts_at = datetime.fromisoformat(str(data["starts_at"]))
    offsets = data.get("remind_before_minutes") or DEFAULT_REMIND_BEFORE_MINUTES
    plan = plan_for(starts_at, offsets, now)
    base = existing or Item(org_id, ITEM_TYPE, str(detail["subject"]["id"]), "pending", Settings(enabled=True))
    running = existing is not None and existing.next_at is not None
    skipped = len(set(offsets)) - len(plan)
    text = f"starts {utc(starts_at)}; reminders at {', '.join(at for at, _ in plan) or 'none'}"
    if skipped:
        text += f" ({skipped} offset(s) already past: skipped)"
    item = base.restarted(
        event_type,
        detail,
        event_id,
        utc(occurred),
        plan=plan,
        settings=Settings(enabled=True, every_days=1, count=max(len(plan), 1)),
    ).with_audit(AuditEntry(utc(now), "moved" if existing else "created", text, event_id))
    if not plan:
        # Nothing ahead (booked too late, or moved into the past): done, so it expires; a later move replans it.
        done = replace(item, next_at=None, state="done", done_at=utc(occurred), done_reason="nothing_ahead")
        return Decision(done, stop_running=running, note="no reminder ahead")
    item = replace(item, step=item.step + 1, next_at=plan[0][0])
    return Decision(item, schedule=True, stop_running=running, note="planned")


def on_cancel(existing: Item | None, org_id: str, detail: dict[str, Any], now: datetime) -> Decision:
    event_id = str(detail["event_id"])
    occurred = utc(parse(str(detail["occurred_at"])))
    entry = AuditEntry(utc(now), "stopped", "cancelled", event_id)
    if existing is None:
        tomb = Item(org_id, ITEM_TYPE, str(detail["subject"]["id"]), "done", Settings(), done_at=occurred)
        return Decision(
            replace(tomb, done_reason="cancelled").with_audit(entry), note="unknown appointment: remembered"
        )
    if existing.state == "done":
        return Decision(None, note="already cancelled")
    done = replace(existing, state="done", done_at=occurred, done_reason="cancelled", next_at=None, plan=())
    return Decision(done.with_audit(entry), stop_running=existing.next_at is not None, note="cancelled")


def on_fire(existing: Item, step: int, now: datetime) -> Decision:
    """The step of an appointment woke: send the latest reminder now due (older ones due with it are skipped as
    late), then wait for the next entry of the plan."""
    if existing.state != "pending" or existing.step != step or existing.next_at is None:
        return Decision(None, note="stale appointment step: nothing to send")
    due = [entry for entry in existing.plan if parse(entry[0]) <= now]
    ahead = tuple(entry for entry in existing.plan if parse(entry[0]) > now)
    if not due:
        return Decision(replace(existing, step=existing.step + 1), schedule=True, note="not due yet: waits again")
    _, minutes = due[-1]
    assert existing.detail is not None
    data = {k: v for k, v in (existing.detail.get("data") or {}).items() if k in _FACTS}
    event_id = f"{existing.start_event_id}.b{minutes}"[-256:]
    publish = {
        "event_type": REMINDER,
        "detail": {**existing.detail, "event_id": event_id, "occurred_at": utc(now), "data": data},
    }
    entries = [AuditEntry(utc(now), "skipped", f"{m} minutes before: past when due", None) for _, m in due[:-1]]
    entries.append(AuditEntry(utc(now), "reminder_sent", f"{minutes} minutes before", event_id))
    item = replace(existing, sent=existing.sent + 1, plan=ahead).with_audit(*entries)
    if not ahead:
        return Decision(replace(item, next_at=None), publish=publish, note="the last reminder of the appointment")
    item = replace(item, step=item.step + 1, next_at=ahead[0][0])
    return Decision(item, schedule=True, publish=publish, note="reminder sent; the next one planned")
