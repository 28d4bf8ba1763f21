"""The report tick's orchestration (``services.activity_reports.ReportTick``) on in-memory ports: which orgs it runs,
what it publishes per instant and period, how it moves each org on, and what a late or repeated tick does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from notify_core.domain import activity
from notify_core.domain.activity import Tally
from notify_core.domain.org_settings import OrgProfile
from notify_core.services.activity_reports import ReportTick

pytestmark = pytest.mark.unit

DAY1 = datetime(2026, 12, 1, 8, tzinfo=UTC)  # a Tuesday


class Schedule:
    def __init__(self, due: dict[str, datetime]) -> None:
        self.at = dict(due)
        self.moves: list[tuple[str, datetime, datetime | None]] = []

    def due(self, now: datetime) -> Iterator[tuple[str, datetime]]:
        yield from sorted((o, at) for o, at in self.at.items() if at <= now)

    def move(self, org_id: str, was: datetime, to: datetime | None) -> bool:
        if self.at.get(org_id) != was:
            return False
        self.moves.append((org_id, was, to))
        if to is None:
            del self.at[org_id]
        else:
            self.at[org_id] = to
        return True


class Profiles:
    def __init__(self, profiles: dict[str, OrgProfile]) -> None:
        self.profiles = profiles

    def profile(self, org_id: str) -> OrgProfile | None:
        return self.profiles.get(org_id)


class Counters:
    def __init__(self, days: dict[date, list[Tally]]) -> None:
        self.days = days
        self.queries: list[tuple[str, date, date]] = []

    def add(self, *args: Any) -> None:
        raise AssertionError("the tick never counts")

    def tallies(self, org_id: str, start: date, end: date) -> list[Tally]:
        self.queries.append((org_id, start, end))
        totals: dict[str, Tally] = {}
        d = start
        while d <= end:
            for t in self.days.get(d, []):
                was = totals.get(t.user_id)
                totals[t.user_id] = Tally(
                    t.user_id, t.name, t.invoices_approved + (was.invoices_approved if was else 0)
                )
            d += timedelta(days=1)
        return sorted(totals.values(), key=lambda t: t.user_id)


class Events:
    def __init__(self) -> None:
        self.published: list[tuple[str, dict[str, Any]]] = []

    def publish_many(self, events: list[tuple[str, dict[str, Any]]]) -> None:
        self.published += events


def tick_at(now: datetime, due: dict[str, datetime], reports: dict[str, Any], days: dict[date, list[Tally]]) -> Any:
    schedule, events = Schedule(due), Events()
    profiles = Profiles({org: OrgProfile(name=org, activity_reports=r) for org, r in reports.items()})
    tick = ReportTick(schedule=schedule, profiles=profiles, counters=Counters(days), events=events, clock=lambda: now)
    return tick.tick(), schedule, events


def ids(events: Events) -> list[str]:
    return [d["event_id"] for _, d in events.published]


def test_a_due_org_gets_yesterdays_reports_and_moves_to_tomorrow():
    yesterday = {date(2026, 11, 30): [Tally("u-a", "Adam", 3)]}
    result, schedule, events = tick_at(DAY1, {"acme": DAY1}, {"acme": {"daily": True}}, yesterday)
    assert result == {"orgs": 1, "published": 2}
    assert ids(events) == ["activity.daily-2026-11-30.u-a", "activity.daily-2026-11-30.summary"]
    assert schedule.moves == [("acme", DAY1, DAY1 + timedelta(days=1))]


def test_an_org_not_yet_due_is_not_touched():
    result, schedule, events = tick_at(DAY1 - timedelta(hours=1), {"acme": DAY1}, {"acme": {"daily": True}}, {})
    assert result == {"orgs": 0, "published": 0} and schedule.moves == [] and events.published == []


def test_a_late_tick_sends_each_missed_instant_once_then_a_repeat_sends_nothing():
    late = DAY1 + timedelta(days=2, hours=3)
    days = {date(2026, 11, 30): [Tally("u-a", "Adam", 1)], date(2026, 12, 2): [Tally("u-a", "Adam", 2)]}
    schedule, events = Schedule({"acme": DAY1}), Events()
    profiles = Profiles({"acme": OrgProfile(name="acme", activity_reports={"daily": True})})
    tick = ReportTick(schedule=schedule, profiles=profiles, counters=Counters(days), events=events, clock=lambda: late)
    tick.tick()
    assert ids(events) == [
        "activity.daily-2026-11-30.u-a",
        "activity.daily-2026-11-30.summary",
        "activity.daily-2026-12-01.summary",  # a quiet day: the summary alone
        "activity.daily-2026-12-02.u-a",
        "activity.daily-2026-12-02.summary",
    ]
    assert schedule.at["acme"] == DAY1 + timedelta(days=3)
    tick.tick()  # the same tick again: nothing is due any more
    assert len(events.published) == 5


def test_on_the_first_of_a_month_every_switched_on_period_goes():
    first = datetime(2027, 2, 1, 8, tzinfo=UTC)  # a Monday and the 1st
    reports = {"daily": True, "weekly": True, "monthly": True, "summary": False}
    days = {date(2027, 1, d): [Tally("u-a", "Adam", 1)] for d in range(1, 32)}
    _, _, events = tick_at(first, {"acme": first}, {"acme": reports}, days)
    assert [(d["data"]["period"], d["data"]["invoices_approved"]) for _, d in events.published] == [
        ("daily", 1),
        ("weekly", 7),
        ("monthly", 31),
    ]


def test_an_org_switched_off_or_gone_leaves_the_schedule():
    result, schedule, events = tick_at(DAY1, {"off": DAY1, "gone": DAY1}, {"off": {"daily": False}}, {})
    assert result["published"] == 0 and events.published == []
    assert sorted(schedule.moves) == [("gone", DAY1, None), ("off", DAY1, None)]
    assert schedule.at == {}


def test_the_orgs_own_time_zone_decides_the_day_reported():
    tokyo = activity.report_instant(date(2026, 12, 2), 8, "Asia/Tokyo")  # 2026-12-01 23:00 UTC
    schedule, events = Schedule({"jp": tokyo}), Events()
    profiles = Profiles({"jp": OrgProfile(name="jp", time_zone="Asia/Tokyo", activity_reports={"daily": True})})
    counters = Counters({date(2026, 12, 1): [Tally("u-a", "Aki", 4)]})
    ReportTick(schedule=schedule, profiles=profiles, counters=counters, events=events, clock=lambda: tokyo).tick()
    assert counters.queries == [("jp", date(2026, 12, 1), date(2026, 12, 1))]
    assert ids(events)[0] == "activity.daily-2026-12-01.u-a"
    assert schedule.at["jp"] == tokyo + timedelta(days=1)
