"""The pure rules of activity reports (``domain.activity``): the day an event counts for, report instants in the org's
time zone, the periods each report day covers, catching up, and the report events."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from notify_core.domain import activity
from notify_core.domain.activity import ActivityReports, Period, Tally

pytestmark = pytest.mark.unit

DAILY = ActivityReports(daily=True)
ALL = ActivityReports(daily=True, weekly=True, monthly=True)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_an_event_counts_for_the_orgs_local_day():
    late_evening_in_warsaw = utc(2026, 12, 1, 23, 30)  # 00:30 on the 2nd in Warsaw (UTC+1)
    assert activity.local_day(late_evening_in_warsaw, "UTC") == date(2026, 12, 1)
    assert activity.local_day(late_evening_in_warsaw, "Europe/Warsaw") == date(2026, 12, 2)
    assert activity.local_day(utc(2026, 12, 2, 3), "America/New_York") == date(2026, 12, 1)


def test_the_report_instant_is_the_local_hour_in_utc_winter_and_summer():
    assert activity.report_instant(date(2026, 12, 2), 8, "Europe/Warsaw") == utc(2026, 12, 2, 7)
    assert activity.report_instant(date(2026, 7, 2), 8, "Europe/Warsaw") == utc(2026, 7, 2, 6)
    assert activity.report_instant(date(2026, 12, 2), 8, "Asia/Kolkata") == utc(2026, 12, 2, 2, 30)
    # 02:00 on the spring-forward night does not exist in Warsaw: the wall clock's reading just after it
    assert activity.report_instant(date(2026, 3, 29), 2, "Europe/Warsaw") == utc(2026, 3, 29, 1)


def test_periods_of_a_report_day():
    monday_the_first = date(2027, 2, 1)
    assert monday_the_first.weekday() == 0
    assert activity.periods_at(ALL, monday_the_first) == [
        Period("daily", date(2027, 1, 31), date(2027, 1, 31)),
        Period("weekly", date(2027, 1, 25), date(2027, 1, 31)),
        Period("monthly", date(2027, 1, 1), date(2027, 1, 31)),
    ]
    tuesday = date(2027, 2, 2)
    assert activity.periods_at(ALL, tuesday) == [Period("daily", date(2027, 2, 1), date(2027, 2, 1))]
    assert activity.periods_at(ActivityReports(weekly=True), tuesday) == []
    # March 1st of a non-leap year: February had 28 days
    assert activity.periods_at(ActivityReports(monthly=True), date(2027, 3, 1)) == [
        Period("monthly", date(2027, 2, 1), date(2027, 2, 28))
    ]


def test_next_due_is_the_next_report_day_at_the_hour():
    assert activity.next_due(DAILY, "UTC", utc(2026, 12, 1, 7, 59)) == utc(2026, 12, 1, 8)
    assert activity.next_due(DAILY, "UTC", utc(2026, 12, 1, 8)) == utc(2026, 12, 2, 8)  # strictly after
    # weekly only: the next Monday (2026-12-07); monthly only: the 1st of next month
    assert activity.next_due(ActivityReports(weekly=True), "UTC", utc(2026, 12, 1, 9)) == utc(2026, 12, 7, 8)
    assert activity.next_due(ActivityReports(monthly=True), "UTC", utc(2026, 12, 1, 9)) == utc(2027, 1, 1, 8)
    assert activity.next_due(ActivityReports(), "UTC", utc(2026, 12, 1, 9)) is None
    # at its own hour: 08:00 in Tokyo is 23:00 UTC the day before
    assert activity.next_due(ActivityReports(daily=True, hour=8), "Asia/Tokyo", utc(2026, 12, 1, 0)) == utc(
        2026, 12, 1, 23
    )


def test_a_late_tick_catches_up_each_instant_once():
    due = utc(2026, 12, 1, 8)
    assert activity.due_instants(DAILY, "UTC", due, utc(2026, 12, 1, 7)) == []
    assert activity.due_instants(DAILY, "UTC", due, due) == [due]
    three_days_late = utc(2026, 12, 3, 9)
    assert activity.due_instants(DAILY, "UTC", due, three_days_late) == [due, due + timedelta(1), due + timedelta(2)]
    assert len(activity.due_instants(DAILY, "UTC", due, due + timedelta(days=400))) == activity.MAX_CATCH_UP


def test_settings_bounds():
    with pytest.raises(ValidationError):
        ActivityReports(hour=24)
    with pytest.raises(ValidationError):
        ActivityReports.model_validate({"daily": True, "every": "day"})  # unknown keys are refused
    assert ActivityReports(daily=True).summary is True and ActivityReports(daily=True).hour == 8


def test_counted_events_name_their_user():
    assert activity.counted("invoice.approved", {"approved_by": "u-anna"}) == ("invoices_approved", "u-anna")
    assert activity.counted("invoice.viewed", {"approved_by": "u-anna"}) is None
    assert activity.counted("invoice.approved", {}) is None


def test_report_events_per_active_user_and_one_summary():
    period = Period("daily", date(2026, 12, 1), date(2026, 12, 1))
    tallies = [Tally("u-b", "Bea", 2), Tally("u-a", "Adam", 5), Tally("u-c", "Cyril", 0)]
    events = activity.report_events("org", period, tallies, summary=True, now=utc(2026, 12, 2, 8))
    assert [(t, d["event_id"]) for t, d in events] == [
        ("user.activity", "activity.daily-2026-12-01.u-a"),
        ("user.activity", "activity.daily-2026-12-01.u-b"),
        ("activity.summary", "activity.daily-2026-12-01.summary"),
    ]
    user = events[0][1]
    assert user["actor"] == {"id": "u-a", "name": "Adam"}
    assert user["data"] == {
        "period": "daily",
        "period_start": "2026-12-01",
        "period_end": "2026-12-01",
        "invoices_approved": 5,
    }
    summary = events[-1][1]["data"]
    assert summary["invoices_approved_total"] == 7
    assert summary["by_user"] == [{"name": "Adam", "invoices_approved": 5}, {"name": "Bea", "invoices_approved": 2}]
    quiet = activity.report_events("org", period, [], summary=True, now=utc(2026, 12, 2, 8))
    assert [t for t, _ in quiet] == ["activity.summary"]
    assert activity.report_events("org", period, [], summary=False, now=utc(2026, 12, 2, 8)) == []


def test_report_events_fit_the_catalog():
    from notify_core.domain import catalog
    from notify_core.domain.envelope import EventDetail

    period = Period("monthly", date(2026, 11, 1), date(2026, 11, 30))
    events = activity.report_events("org", period, [Tally("u-a", "Adam", 5)], summary=True, now=utc(2026, 12, 1, 8))
    for event_type, detail in events:
        EventDetail.model_validate(detail)
        catalog.CATALOG[event_type].data_model.model_validate(detail["data"])
    from notify_core.domain.publishers import platform_refusal

    assert all(platform_refusal("notify.platform", t) is None for t in activity.REPORT_EVENT_TYPES)
