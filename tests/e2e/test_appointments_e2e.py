"""Appointment reminders (products.md §2, README "Timers") on the local runtime with the clock moved on: the platform
sends ``appointment.reminder`` at each offset before the appointment, moves them when it is rescheduled, removes them
when it is cancelled, and skips an offset already past when it is booked. Published with plain boto3 put_events."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest

from tests.e2e.test_product_remonline import JAN_EMAIL, JAN_PHONE, ORG, shop_settings

pytestmark = pytest.mark.e2e


@pytest.fixture
def shop(notify_runtime):  # type: ignore[no-untyped-def]
    notify_runtime.apply_settings(shop_settings())
    return notify_runtime


def publish(rt, event_type: str, event_id: str, data: dict[str, Any], *, appointment: str = "apt-1") -> None:
    detail = {
        "org_id": ORG,
        "event_id": event_id,
        "occurred_at": rt.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "subject": {"type": "appointment", "id": appointment, "client_id": "c1"},
        "data": data,
    }
    entry = {"Source": "crm", "DetailType": event_type, "Detail": json.dumps(detail), "EventBusName": "notify"}
    assert not boto3.client("events").put_events(Entries=[entry]).get("FailedEntryCount")
    rt.wait_idle()


def starts(rt, **delta: float) -> str:
    return (rt.now() + timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def reminders_to_jan(rt) -> list[str]:
    return [e.subject for e in rt.outbox().emails_to(JAN_EMAIL) if e.subject.startswith("Reminder")]


def test_a_reminder_a_day_and_two_hours_before(shop):
    at = starts(shop, days=3)
    publish(
        shop,
        "appointment.scheduled",
        "apt-1-booked",
        {"starts_at": at, "service_name": "Screen replacement", "remind_before_minutes": [1440, 120]},
    )
    booked = [e.subject for e in shop.outbox().emails_to(JAN_EMAIL)]
    assert booked == [f"Your appointment on {at[:10]} at {at[11:16]}"]
    shop.advance(days=1, hours=23)
    assert reminders_to_jan(shop) == []
    shop.advance(hours=1)  # a day before
    assert reminders_to_jan(shop) == [f"Reminder: your appointment on {at[:10]} at {at[11:16]}"]
    shop.advance(hours=22)  # two hours before
    assert len(reminders_to_jan(shop)) == 2
    assert [s.to for s in shop.outbox().sms if "wizyt" in s.text.lower() or "appointment" in s.text.lower()] == [
        JAN_PHONE,
        JAN_PHONE,
    ]
    shop.advance(days=5)
    assert len(reminders_to_jan(shop)) == 2
    it = shop.admin.items.get(ORG, "appointment", "apt-1")
    assert [(e.what, e.detail) for e in it.audit if e.what == "reminder_sent"] == [
        ("reminder_sent", "1440 minutes before"),
        ("reminder_sent", "120 minutes before"),
    ]


def test_an_offset_already_past_when_booked_is_skipped_not_sent_late(shop):
    at = starts(shop, hours=5)  # a day before is already past; two hours before is not
    publish(
        shop,
        "appointment.scheduled",
        "apt-2-booked",
        {"starts_at": at, "remind_before_minutes": [1440, 120]},
        appointment="apt-2",
    )
    shop.advance(hours=2)
    assert reminders_to_jan(shop) == []
    shop.advance(hours=1)
    assert len(reminders_to_jan(shop)) == 1
    it = shop.admin.items.get(ORG, "appointment", "apt-2")
    assert "1 offset(s) already past: skipped" in it.audit[0].detail


def test_rescheduling_moves_the_reminders(shop):
    publish(shop, "appointment.scheduled", "apt-3-booked", {"starts_at": starts(shop, days=2)}, appointment="apt-3")
    moved = starts(shop, days=5)
    publish(shop, "appointment.rescheduled", "apt-3-moved", {"starts_at": moved}, appointment="apt-3")
    shop.advance(days=2)
    assert reminders_to_jan(shop) == []  # the old day passed in silence
    shop.advance(days=2)  # a day before the new time
    assert reminders_to_jan(shop) == [f"Reminder: your appointment on {moved[:10]} at {moved[11:16]}"]


def test_cancelling_removes_the_reminders(shop):
    publish(shop, "appointment.scheduled", "apt-4-booked", {"starts_at": starts(shop, days=2)}, appointment="apt-4")
    publish(shop, "appointment.cancelled", "apt-4-off", {}, appointment="apt-4")
    shop.advance(days=5)
    assert reminders_to_jan(shop) == []
    assert shop.admin.items.get(ORG, "appointment", "apt-4").done_reason == "cancelled"
    assert [e["status"] for e in shop.executions()] == ["ABORTED"]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"starts_at": "next tuesday"}, "starts_at"),
        ({"starts_at": "2026-03-05T14:30:00"}, "starts_at needs its UTC offset"),
        ({"starts_at": "2030-03-05T14:30:00Z", "remind_before_minutes": [0]}, "remind_before_minutes"),
        ({"starts_at": "2030-03-05T14:30:00Z", "remind_before_minutes": []}, "remind_before_minutes"),
    ],
)
def test_an_unreadable_appointment_is_quarantined_and_plans_nothing(shop, data, problem):
    publish(shop, "appointment.scheduled", "apt-bad", data, appointment="apt-bad")
    [q] = shop.quarantined()
    assert q["reason"] == "invalid_data" and problem in q["detail"]
    assert shop.admin.items.get(ORG, "appointment", "apt-bad") is None and shop.executions() == []


def test_an_appointment_in_the_past_plans_no_reminder(shop):
    publish(shop, "appointment.scheduled", "apt-old", {"starts_at": starts(shop, hours=-3)}, appointment="apt-old")
    shop.advance(days=2)
    assert reminders_to_jan(shop) == [] and shop.executions() == []
    it = shop.admin.items.get(ORG, "appointment", "apt-old")
    assert (it.state, it.done_reason, it.next_at) == ("done", "nothing_ahead", None)
    assert "reminders at none" in it.audit[0].detail
