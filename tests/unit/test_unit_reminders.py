"""The pure rules of pending items and their reminder series (``domain.reminders``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from notify_core.domain import reminders
from notify_core.domain.reminders import Settings, on_change, on_reopen, on_resend, on_start, on_step, on_stop, resolve

pytestmark = pytest.mark.unit

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def at(days: float = 0) -> datetime:
    return T0 + timedelta(days=days)


def iso(days: float = 0) -> str:
    return at(days).strftime("%Y-%m-%dT%H:%M:%SZ")


def detail(event_id: str = "sig-1", days: float = 0, **data: Any) -> dict[str, Any]:
    return {
        "org_id": "o",
        "event_id": event_id,
        "occurred_at": iso(days),
        "subject": {"type": "document", "id": "doc-1", "client_id": "c1"},
        "data": {"document_name": "x.pdf", **data},
    }


DEFAULTS = Settings()


def started(settings: Settings = DEFAULTS, **kw: Any) -> reminders.Item:
    d = on_start(None, "o", "signature.requested", detail(**kw), settings, at())
    assert d.item is not None
    return d.item


def test_settings_come_from_the_event_then_the_org_then_the_defaults():
    assert resolve(None) == Settings(True, 3, 1)
    assert resolve({"count": 4}, {"every_days": 7, "count": 2}) == Settings(True, 7, 4)
    assert resolve({"enabled": False, "every_days": None}) == Settings(False, 3, 1)


def test_a_start_schedules_the_first_step_every_days_after_the_notice():
    d = on_start(None, "o", "signature.requested", detail(), Settings(every_days=3, count=2), at())
    assert d.schedule and not d.stop_running and d.publish is None
    assert (d.item.state, d.item.series, d.item.step, d.item.next_at) == ("pending", 1, 1, iso(3))


def test_a_duplicate_a_product_reminder_and_a_second_request_start_nothing():
    item = started()
    assert on_start(item, "o", "signature.requested", detail(), Settings(), at()).item is None
    assert on_start(None, "o", "signature.requested", detail(reminder_number=1), Settings(), at()).item is None
    again = on_start(item, "o", "signature.requested", detail("sig-2"), Settings(), at(1))
    assert again.item is None and "already pending" in again.note


def test_a_start_that_happened_before_the_completion_makes_no_series():
    done = on_stop(None, "o", "signature.signed", detail("signed", days=0), at()).item
    assert done is not None and (done.state, done.done_reason, done.event_type) == ("done", "signed", None)
    late = on_start(done, "o", "signature.requested", detail("sig-1", days=-0.01), Settings(), at())
    assert not late.schedule and late.item is not None and late.item.audit[-1].what == "ignored"
    # Requested again after it was signed (a new version of the document): a new series.
    anew = on_start(done, "o", "signature.requested", detail("sig-9", days=1), Settings(), at(1))
    assert anew.schedule and anew.item.series == 1 and anew.item.state == "pending"


def test_steps_send_until_the_count_then_stop():
    item = started(Settings(every_days=3, count=2))
    first = on_step(item, 1, at(3))
    assert first.publish is not None and first.schedule
    assert first.publish["detail"]["data"] | {} == {
        "document_name": "x.pdf",
        "reminder_number": 1,
        "reminders_total": 2,
    }
    assert first.publish["detail"]["event_id"] == "sig-1.r1-1" and first.publish["event_type"] == "signature.requested"
    assert first.item.next_at == iso(6)
    last = on_step(first.item, 2, at(6))
    assert last.publish["detail"]["data"]["reminder_number"] == 2 and not last.schedule and last.item.next_at is None
    assert on_step(last.item, 2, at(9)).item is None  # stale


def test_a_clock_moved_by_weeks_plays_every_step_that_fell_due():
    item = started(Settings(every_days=3, count=3))
    d = on_step(item, 1, at(30))
    assert d.item.next_at == iso(30)  # due at day 6, never in the past: at once


def test_a_stale_step_sends_nothing():
    item = started()
    assert on_step(item, 7, at(3)).publish is None
    assert on_step(None, 1, at(3)).publish is None


def test_stop_ends_a_pending_series_and_stops_its_step_once():
    item = started()
    d = on_stop(item, "o", "signature.signed", detail("signed"), at(1))
    assert d.stop_running and (d.item.state, d.item.next_at) == ("done", None)
    assert on_stop(d.item, "o", "signature.signed", detail("signed"), at(1)).item is None
    assert on_step(d.item, item.step, at(3)).publish is None


def test_changes_reschedule_from_the_last_notice_and_off_stops():
    item = started(Settings(every_days=10, count=1))
    faster = on_change(item, {"enabled": True, "every_days": 1, "count": 3}, "chg", at(0.5))
    assert faster.schedule and faster.stop_running and faster.item.next_at == iso(1)
    assert faster.item.settings == Settings(True, 1, 3) and faster.item.step == item.step + 1
    off = on_change(item, {"enabled": False}, "off", at(1))
    assert not off.schedule and off.stop_running and off.item.next_at is None
    on = on_change(off.item, {"enabled": True}, "on", at(20))
    assert on.item.next_at == iso(20)  # day 10 passed while off: at once
    assert on_change(None, {"enabled": True}, "x", at()).item is None


def test_reopen_restarts_a_done_thread_from_now():
    d = on_start(
        None,
        "o",
        "chat.message_received",
        {**detail("m1"), "data": {"thread_id": "t", "sender_name": "L", "excerpt": "hi"}},
        Settings(),
        at(),
    )
    archived = on_stop(d.item, "o", "chat.thread_archived", {**detail("a"), "data": {"thread_id": "t"}}, at(1)).item
    again = on_reopen(archived, {**detail("r", days=2), "data": {"thread_id": "t"}}, at(2))
    assert again.schedule and (again.item.series, again.item.sent, again.item.next_at) == (2, 0, iso(5))
    assert on_reopen(again.item, detail("r2"), at(3)).item is None  # not archived
    assert on_reopen(None, detail("r3"), at(3)).item is None


def test_a_resend_is_published_now_once_and_only_for_a_pending_item():
    item = started()
    d = on_resend(item, "bulk-1", 0, "please", at(1))
    assert d.publish["detail"]["data"]["message"] == "please" and "reminder_number" not in d.publish["detail"]["data"]
    assert d.publish["detail"]["event_id"] == "bulk-1.0" and d.publish["detail"]["occurred_at"] == iso(1)
    assert on_resend(d.item, "bulk-1", 0, "please", at(1)).item is None  # a retried event: once
    done = on_stop(item, "o", "signature.signed", detail("s"), at(1)).item
    assert on_resend(done, "bulk-2", 0, None, at(2)).publish is None


def test_execution_names_fit_step_functions():
    name = reminders.execution_name("org/with:odd chars", "signature", "x" * 256, 12345)
    assert len(name) <= 80 and all(c.isalnum() or c in "-_" for c in name)
    assert name != reminders.execution_name("org/with:odd chars", "signature", "x" * 256, 12346)


# --- appointments -------------------------------------------------------------------------------------------
def appointment(event_id: str, starts: datetime, offsets: list[int] | None, days: float = 0) -> dict[str, Any]:
    data: dict[str, Any] = {"starts_at": starts.isoformat(), "service_name": "Screen"}
    if offsets is not None:
        data["remind_before_minutes"] = offsets
    return {**detail(event_id, days), "subject": {"type": "appointment", "id": "apt-1"}, "data": data}


def test_an_appointment_plans_each_offset_ahead_and_skips_the_past():
    from notify_core.domain import appointments

    d = appointments.on_schedule(None, "o", "appointment.scheduled", appointment("a1", at(0.5), [1440, 120]), at())
    assert [label for _, label in d.item.plan] == ["120"] and d.schedule  # a day before was already past
    assert "1 offset(s) already past: skipped" in d.item.audit[0].detail
    fired = appointments.on_fire(d.item, d.item.step, at(0.5) - timedelta(minutes=120))
    assert fired.publish["event_type"] == "appointment.reminder" and fired.publish["detail"]["event_id"] == "a1.b120"
    assert fired.publish["detail"]["data"] == {"starts_at": at(0.5).isoformat(), "service_name": "Screen"}
    assert fired.item.next_at is None and not fired.schedule


def test_a_clock_moved_past_several_offsets_sends_only_the_latest():
    from notify_core.domain import appointments

    d = appointments.on_schedule(None, "o", "appointment.scheduled", appointment("a1", at(3), [2880, 1440]), at())
    fired = appointments.on_fire(d.item, d.item.step, at(2.5))
    assert fired.publish["detail"]["event_id"] == "a1.b1440"
    assert [e.what for e in fired.item.audit] == ["created", "skipped", "reminder_sent"]


def test_rescheduling_replans_and_cancelling_ends():
    from notify_core.domain import appointments

    d = appointments.on_schedule(None, "o", "appointment.scheduled", appointment("a1", at(3), None), at())
    moved = appointments.on_schedule(d.item, "o", "appointment.rescheduled", appointment("a2", at(6), None, 1), at(1))
    assert moved.stop_running and moved.item.plan == ((iso(5), "1440"),) and moved.item.step == d.item.step + 1
    assert appointments.on_fire(moved.item, d.item.step, at(5)).publish is None  # the old step is stale
    older = appointments.on_schedule(moved.item, "o", "appointment.rescheduled", appointment("a0", at(9), None), at(1))
    assert not older.schedule and older.item.audit[-1].what == "ignored"
    off = appointments.on_cancel(moved.item, "o", appointment("a3", at(6), None, 2), at(2))
    assert off.stop_running and (off.item.state, off.item.plan) == ("done", ())


def test_a_step_waits_at_most_a_standard_executions_year():
    item = started(Settings(every_days=365, count=1))
    assert reminders.wait_until(item, at()) == iso(360)
    again = on_step(item, item.step, at(360))
    assert again.schedule and again.publish is None and again.item.step == item.step + 1
    assert reminders.wait_until(again.item, at(360)) == iso(365)
