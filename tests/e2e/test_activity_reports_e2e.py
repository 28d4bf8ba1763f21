"""Activity reports (products.md §4; README "Activity reports and schedules") on the local runtime: invoice.approved
counted as the router routes it, the platform-wide tick firing on the runtime's clock, user.activity to each user
and activity.summary to the configured addresses. Published with plain boto3 put_events."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from notify_core.domain import activity

pytestmark = pytest.mark.e2e

ORG = "biuro"
ANNA = "anna@biuro.example"
PIOTR = "piotr@biuro.example"
BOSS = "boss@biuro.example"


def office(org_id: str = ORG, time_zone: str = "UTC", **reports: Any) -> dict[str, Any]:
    return {
        "org_id": org_id,
        "name": "Biuro Rachunkowe",
        "locale": "en",
        "email_from": f"office@{org_id}.example",
        "time_zone": time_zone,
        "members": [
            {"user_id": "u-anna", "name": "Anna Nowak", "email": ANNA},
            {"user_id": "u-piotr", "name": "Piotr Lis", "email": PIOTR},
        ],
        "subscriptions": [{"group": "activity.summary", "addresses": {"email": [BOSS]}}],
        "activity_reports": {"daily": True, **reports},
    }


def approve(rt, event_id: str, user: str | None, name: str, org_id: str = ORG) -> None:  # type: ignore[no-untyped-def]
    data = {"invoice_number": event_id.upper(), "approved_by_name": name}
    if user is not None:
        data["approved_by"] = user
    detail = {
        "org_id": org_id,
        "event_id": event_id,
        "occurred_at": rt.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "subject": {"type": "invoice", "id": event_id},
        "data": data,
    }
    entry = {
        "Source": "invoicing",
        "DetailType": "invoice.approved",
        "Detail": json.dumps(detail),
        "EventBusName": "notify",
    }
    assert not boto3.client("events").put_events(Entries=[entry]).get("FailedEntryCount")


def advance_to(rt, at: datetime) -> None:  # type: ignore[no-untyped-def]
    rt.advance(seconds=max((at - rt.now()).total_seconds(), 0))


def reports(rt, address: str, kind: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    return [e.subject for e in rt.outbox().emails_to(address) if kind in e.subject]


def covering(rt, time_zone: str = "UTC", hour: int = 8) -> datetime:  # type: ignore[no-untyped-def]
    """The report instant whose daily report covers the org's today."""
    return activity.report_instant(activity.local_day(rt.now(), time_zone) + timedelta(days=1), hour, time_zone)


def test_each_user_gets_their_daily_count_and_the_summary_goes_to_the_configured_address(notify_runtime):
    rt = notify_runtime
    rt.apply_settings(office())
    today = rt.now().date().isoformat()
    for n in range(3):
        approve(rt, f"inv-a{n}", "u-anna", "Anna Nowak")
    approve(rt, "inv-a0", "u-anna", "Anna Nowak")  # republished: counted once
    approve(rt, "inv-p0", "u-piotr", "Piotr Lis")
    rt.wait_idle()
    assert reports(rt, ANNA) == []  # nothing before the report hour

    advance_to(rt, covering(rt) + timedelta(minutes=1))
    assert reports(rt, ANNA) == ["Your daily activity: 3 invoices approved"]
    assert reports(rt, PIOTR) == ["Your daily activity: 1 invoice approved"]
    summaries = [s for s in reports(rt, BOSS) if f"({today})" in s]
    assert summaries == [f"Team daily summary ({today}): 4 invoices approved"]
    [email] = [e for e in rt.outbox().emails_to(BOSS) if f"({today})" in e.subject]
    assert "<li>Anna Nowak: 3</li>" in email.html and "<li>Piotr Lis: 1</li>" in email.html
    # the user's own report reaches only them: nobody else's address, no summary to the users
    assert all("Team" not in s for s in reports(rt, ANNA) + reports(rt, PIOTR))

    # the next day counts from zero: one approval by Anna; Piotr, idle, gets no "0 invoices" email
    next_day = rt.now().date().isoformat()
    approve(rt, "inv-a9", "u-anna", "Anna Nowak")
    rt.wait_idle()
    advance_to(rt, covering(rt) + timedelta(minutes=1))
    assert reports(rt, ANNA) == ["Your daily activity: 3 invoices approved", "Your daily activity: 1 invoice approved"]
    assert reports(rt, PIOTR) == ["Your daily activity: 1 invoice approved"]
    assert [s for s in reports(rt, BOSS) if f"({next_day})" in s] == [
        f"Team daily summary ({next_day}): 1 invoices approved"
    ]
    assert rt.quarantined() == []


def test_a_tick_run_twice_sends_each_report_once(notify_runtime):
    rt = notify_runtime
    rt.apply_settings(office())
    approve(rt, "inv-a0", "u-anna", "Anna Nowak")
    rt.wait_idle()
    advance_to(rt, covering(rt) + timedelta(minutes=1))
    assert reports(rt, ANNA) == ["Your daily activity: 1 invoice approved"]
    sent = len(rt.outbox().emails)

    # the same tick again: the org has moved on to its next instant, nothing is due
    assert rt.fire_schedule()["published"] == 0
    # a settings apply just after the report hour puts the instant back (from an hour ago): the tick publishes the
    # same reports again, and the router routes each (org, period) once
    rt.apply_settings(office())
    assert rt.fire_schedule()["published"] == 2  # Anna's report and the summary, of the day just reported
    rt.wait_idle()
    assert len(rt.outbox().emails) == sent
    assert reports(rt, ANNA) == ["Your daily activity: 1 invoice approved"]


def test_weekly_and_monthly_switches(notify_runtime):
    rt = notify_runtime
    rt.apply_settings(office(daily=False, weekly=True, monthly=True, summary=False))
    today = rt.now().date()
    approve(rt, "inv-a0", "u-anna", "Anna Nowak")
    approve(rt, "inv-a1", "u-anna", "Anna Nowak")
    rt.wait_idle()
    monday = today + timedelta(days=7 - today.weekday())
    first = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    advance_to(
        rt,
        datetime.combine(max(monday, first), datetime.min.time(), tzinfo=rt.now().tzinfo)
        + timedelta(hours=8, minutes=1),
    )
    assert reports(rt, ANNA, "weekly") == ["Your weekly activity: 2 invoices approved"]
    assert reports(rt, ANNA, "monthly") == ["Your monthly activity: 2 invoices approved"]
    assert reports(rt, ANNA, "daily") == []  # switched off
    assert reports(rt, BOSS) == []  # summary: false


def test_an_org_in_another_time_zone_gets_its_report_at_its_own_hour(notify_runtime):
    rt = notify_runtime
    rt.apply_settings(office(org_id="tokyo", time_zone="Asia/Tokyo"))
    approve(rt, "inv-t0", "u-anna", "Anna Nowak", org_id="tokyo")
    rt.wait_idle()
    at = covering(rt, "Asia/Tokyo")  # 08:00 in Tokyo: 23:00 UTC
    assert at.hour == 23
    advance_to(rt, at - timedelta(minutes=5))
    assert reports(rt, ANNA) == []
    advance_to(rt, at + timedelta(minutes=5))
    assert reports(rt, ANNA) == ["Your daily activity: 1 invoice approved"]


@pytest.mark.parametrize("user", [None, "not a user id"])
def test_an_approval_without_its_user_is_quarantined_and_counts_nothing(notify_runtime, user):
    rt = notify_runtime
    rt.apply_settings(office())
    approve(rt, "inv-bad", user, "Anna Nowak")
    rt.wait_idle()
    [q] = rt.quarantined()
    assert q["reason"] == "invalid_data" and "approved_by" in q["detail"]
    counters = boto3.resource("dynamodb").Table(rt.function_environment("router")["ACTIVITY_TABLE"])
    assert counters.scan()["Items"] == []  # a test may Scan moto; the platform never does
