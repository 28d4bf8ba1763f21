"""Due dates (products.md §1, §3; README "Timers"): the platform announces what falls due, from dates earlier events
carried. The pure rules.

- ``invoice.issued`` with ``due_date``: ``invoice.overdue`` the day after (at the start of the org's business hours,
  in its time zone), unless ``invoice.paid`` first;
  with ``valid_until``: ``invoice.expiring`` three days before it, unless paid first.
- ``bill.recorded`` with ``due_date``: ``bill.overdue`` the day after, unless ``bill.paid`` first.
- ``cheque.recorded``: ``cheque.due`` on its ``due_date`` (the start of business hours).

The item (``invoice:<subject.id>``, ``cheque:<subject.id>``) holds the plan, one step waits for its next entry (the
appointment machinery). A date that is not YYYY-MM-DD plans nothing and says so in the audit trail (the event itself
was routed: its schema takes any text); a moment already past when the event arrives is skipped, not announced late.

Pure: the standard library and the items of ``domain.reminders``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from notify_core.domain.quiet_hours import BusinessHours
from notify_core.domain.reminders import AuditEntry, Decision, Item, Settings, parse, utc

SOURCES = {"invoice.issued": "invoice", "bill.recorded": "bill", "cheque.recorded": "cheque"}
STOPS = {"invoice.paid": ("invoice", "paid"), "bill.paid": ("bill", "paid")}
EVENT_TYPES = frozenset({*SOURCES, *STOPS})
ANNOUNCED = frozenset({"invoice.overdue", "invoice.expiring", "bill.overdue", "cheque.due"})
ITEM_TYPES = frozenset(SOURCES.values())
EXPIRING_DAYS_BEFORE = 3


def _day(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text)) if text is not None and len(str(text)) == 10 else None
    except ValueError:
        return None


def plan_for(
    event_type: str, data: dict[str, Any], hours: BusinessHours | None = None
) -> tuple[list[tuple[datetime, str]], list[str]]:
    """(when, event type) the source event calls for, and the problems with its dates. A notice lands when the org's
    business hours start that day in its time zone (``hours``); without them, at 00:00 UTC."""

    def _moment(day: date) -> datetime:  # the day's moment: the start of business hours, or 00:00 UTC
        return hours.opening(day) if hours is not None else datetime.combine(day, time(0, 0), tzinfo=UTC)

    entries: list[tuple[datetime, str]] = []
    problems: list[str] = []
    fields = {
        "invoice.issued": ("due_date", "valid_until"),
        "bill.recorded": ("due_date",),
        "cheque.recorded": ("due_date",),
    }[event_type]
    for name in fields:
        if data.get(name) is None:
            continue
        day = _day(data[name])
        if day is None:
            problems.append(f"{name} {str(data[name])[:40]!r} is not a date (YYYY-MM-DD): nothing planned for it")
        elif event_type == "cheque.recorded":
            entries.append((_moment(day), "cheque.due"))
        elif event_type == "bill.recorded":
            entries.append((_moment(day + timedelta(days=1)), "bill.overdue"))
        elif name == "due_date":
            entries.append((_moment(day + timedelta(days=1)), "invoice.overdue"))
        else:
            entries.append((_moment(day - timedelta(days=EXPIRING_DAYS_BEFORE)), "invoice.expiring"))
    return sorted(entries), problems


def on_source(
    existing: Item | None,
    org_id: str,
    event_type: str,
    detail: dict[str, Any],
    now: datetime,
    hours: BusinessHours | None = None,
) -> Decision:
    event_id = str(detail["event_id"])
    if existing is not None:
        if existing.start_event_id == event_id:
            return Decision(None, note="duplicate: the plan already exists")
        if existing.state == "done" and existing.done_at and parse(existing.done_at) >= parse(detail["occurred_at"]):
            entry = AuditEntry(utc(now), "ignored", f"{event_type} arrived after the item was done", event_id)
            return Decision(existing.with_audit(entry), note="late: the item is done")
    entries, problems = plan_for(event_type, detail.get("data") or {}, hours)
    ahead = tuple((utc(at), kind) for at, kind in entries if at > now)
    skipped = len(entries) - len(ahead)
    base = existing or Item(org_id, SOURCES[event_type], str(detail["subject"]["id"]), "pending", Settings())
    text = "; ".join([f"planned: {', '.join(f'{k} at {at}' for at, k in ahead) or 'nothing'}", *problems])
    if skipped:
        text += f" ({skipped} already past: skipped)"
    item = base.restarted(
        event_type,
        detail,
        event_id,
        utc(parse(detail["occurred_at"])),
        plan=ahead,
        settings=Settings(enabled=True, every_days=1, count=max(len(ahead), 1)),
    ).with_audit(AuditEntry(utc(now), "created", text, event_id))
    running = existing is not None and existing.next_at is not None
    if not ahead:
        done = replace(item, next_at=None, state="done", done_at=utc(now), done_reason="nothing_ahead")
        return Decision(done, stop_running=running, note="nothing to announce")
    return Decision(replace(item, step=item.step + 1, next_at=ahead[0][0]), schedule=True, stop_running=running)


def on_stop(existing: Item | None, org_id: str, event_type: str, detail: dict[str, Any], now: datetime) -> Decision:
    item_type, reason = STOPS[event_type]
    event_id = str(detail["event_id"])
    entry = AuditEntry(utc(now), "stopped", reason, event_id)
    occurred = utc(parse(detail["occurred_at"]))
    if existing is None:
        tomb = Item(org_id, item_type, str(detail["subject"]["id"]), "done", Settings(), done_at=occurred)
        return Decision(replace(tomb, done_reason=reason).with_audit(entry), note="unknown item: remembered as done")
    if existing.state == "done":
        return Decision(None, note=f"already done ({existing.done_reason})")
    done = replace(existing, state="done", done_at=occurred, done_reason=reason, next_at=None, plan=())
    return Decision(done.with_audit(entry), stop_running=existing.next_at is not None, note=f"stopped: {reason}")


def _announcement(kind: str, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    money = {"amount": data["amount"], "currency": data["currency"]}
    if kind == "invoice.overdue":
        due = date.fromisoformat(data["due_date"])
        out = {**money, "invoice_number": data["invoice_number"], "due_date": data["due_date"]}
        out["days_overdue"] = max((now.date() - due).days, 1)
        return out | ({"url": data["pay_url"]} if data.get("pay_url") else {})
    if kind == "bill.overdue":
        due = date.fromisoformat(data["due_date"])
        out = {**money, "bill_number": data["bill_number"], "due_date": data["due_date"]}
        out["days_overdue"] = max((now.date() - due).days, 1)
        return out | {k: data[k] for k in ("supplier_name", "url") if data.get(k)}
    if kind == "invoice.expiring":
        out = {**money, "invoice_number": data["invoice_number"], "expires_on": data["valid_until"]}
        return out | {k: data[k] for k in ("issuer_name", "pay_url") if data.get(k)}
    keep = ("cheque_number", "due_date", "direction", "counterparty_name", "bank")
    return {**money, **{k: data[k] for k in keep if data.get(k) is not None}}


def on_fire(existing: Item, step: int, now: datetime) -> Decision:
    if existing.state != "pending" or existing.step != step or existing.next_at is None:
        return Decision(None, note="stale step: nothing to announce")
    due = [entry for entry in existing.plan if parse(entry[0]) <= now]
    ahead = tuple(entry for entry in existing.plan if parse(entry[0]) > now)
    if not due:
        return Decision(replace(existing, step=existing.step + 1), schedule=True, note="not due yet: waits again")
    assert existing.detail is not None
    data = existing.detail.get("data") or {}
    # Several due at once (a clock moved far): the latest is announced, the earlier ones are late: skipped.
    entries = [AuditEntry(utc(now), "skipped", f"{kind}: past when due") for _, kind in due[:-1]]
    kind = due[-1][1]
    event_id = f"{existing.start_event_id}.{kind}"[-256:]
    detail = {**existing.detail, "event_id": event_id, "occurred_at": utc(now), "data": _announcement(kind, data, now)}
    decision_publish: dict[str, Any] = {"event_type": kind, "detail": detail}
    entries.append(AuditEntry(utc(now), "announced", kind, event_id))
    item = replace(existing, sent=existing.sent + 1, plan=ahead).with_audit(*entries)
    if not ahead:
        return Decision(replace(item, next_at=None), publish=decision_publish, note="announced; nothing more")
    nxt = replace(item, step=item.step + 1, next_at=ahead[0][0])
    return Decision(nxt, schedule=True, publish=decision_publish, note="announced; the next one planned")
