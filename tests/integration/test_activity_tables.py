"""The activity adapters on DynamoDB (moto, the runtime's tables): counters summed over a period's key range per org,
and the orgs' report schedule in the settings table's sparse reports_due index, moved on conditionally."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from notify_core.adapters.dynamodb.activity_table import ActivityCounters, ReportSchedule
from notify_core.domain import activity

pytestmark = pytest.mark.integration


def org(org_id: str, **reports: object) -> dict[str, object]:
    doc: dict[str, object] = {"org_id": org_id, "name": org_id.title(), "email_from": f"n@{org_id}.example"}
    if reports:
        doc["activity_reports"] = reports
    return doc


def test_counters_sum_the_days_of_a_period_per_user_and_org(notify_runtime):
    env = notify_runtime.function_environment("router")
    counters = ActivityCounters(env["ACTIVITY_TABLE"])
    for day, user, n in ((1, "u-a", 2), (2, "u-a", 1), (2, "u-b", 4), (8, "u-a", 5)):
        for _ in range(n):
            counters.add("acme", date(2026, 11, day), user, "invoices_approved", f"User {user[-1]}")
    counters.add("other", date(2026, 11, 2), "u-a", "invoices_approved", None)  # another org: never in acme's sums
    week = counters.tallies("acme", date(2026, 11, 1), date(2026, 11, 7))
    assert [(t.user_id, t.name, t.invoices_approved) for t in week] == [("u-a", "User a", 3), ("u-b", "User b", 4)]
    assert [t.invoices_approved for t in counters.tallies("acme", date(2026, 11, 1), date(2026, 11, 30))] == [8, 4]
    assert counters.tallies("acme", date(2026, 12, 1), date(2026, 12, 31)) == []


def test_the_schedule_finds_the_due_orgs_and_moves_each_once(notify_runtime):
    rt = notify_runtime
    rt.apply_settings(org("early", daily=True, hour=6))
    rt.apply_settings(org("late", daily=True, hour=20))
    rt.apply_settings(org("off"))  # no reports: not in the index at all
    schedule = ReportSchedule(rt.function_environment("schedules")["SETTINGS_TABLE"])
    far = rt.now() + timedelta(days=2)
    due = dict(schedule.due(far))
    assert set(due) == {"early", "late"}
    assert all(at.minute == 0 and at.tzinfo == UTC for at in due.values())
    early = due["early"]
    nothing_before = dict(schedule.due(early - timedelta(seconds=1)))
    assert "early" not in nothing_before
    nxt = early + timedelta(days=1)
    assert schedule.move("early", early, nxt) is True
    assert schedule.move("early", early, nxt) is False  # a second tick (or an apply) moved it already
    assert dict(schedule.due(far + timedelta(days=5)))["early"] == nxt
    assert schedule.move("late", due["late"], None) is True  # switched off: out of the index
    assert "late" not in dict(schedule.due(datetime(2100, 1, 1, tzinfo=UTC)))
    assert activity.iso(nxt).endswith(":00:00Z")
