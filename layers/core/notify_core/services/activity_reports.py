"""The report tick: what the platform-wide schedule does each time it fires (README "Activity reports and schedules").

Per tick: the orgs whose next report instant has come (one Query of the settings table's ``reports_due`` index),
and per org: its profile (one GetItem: the switches and time zone as they are now), each report instant from the
one it waited for up to now (a late tick catches up, each instant once), per instant the periods that fall on it
and per period one Query of the counters; the reports are published as platform events (``user.activity`` per
active user, ``activity.summary``), routed like any event, and last the org is moved on to its next instant with a
conditional write. Idempotent per (org, period): the events' ids are the period's, so a tick run twice, or a
crash after publishing and before moving on, is routed once (the router's event records).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from notify_core.domain import activity
from notify_core.domain.org_settings import OrgProfile
from notify_core.observability import logger, metrics
from notify_core.services.ports import ActivityCounter, ReportSchedulePort


class ProfileReader(Protocol):
    def profile(self, org_id: str) -> OrgProfile | None: ...


class EventPublisher(Protocol):
    def publish_many(self, events: list[tuple[str, dict[str, Any]]]) -> None: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ReportTick:
    def __init__(
        self,
        *,
        schedule: ReportSchedulePort,
        profiles: ProfileReader,
        counters: ActivityCounter,
        events: EventPublisher,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.schedule = schedule
        self.profiles = profiles
        self.counters = counters
        self.events = events
        self.clock = clock

    def tick(self) -> dict[str, int]:
        now = self.clock()
        orgs = published = 0
        for org_id, due_at in list(self.schedule.due(now)):
            orgs += 1
            published += self.run_org(org_id, due_at, now)
        metrics.add_metric(name="reports_published", unit=MetricUnit.Count, value=published)
        logger.info("report tick", extra={"at": now.isoformat(), "orgs": orgs, "published": published})
        return {"orgs": orgs, "published": published}

    def run_org(self, org_id: str, due_at: datetime, now: datetime) -> int:
        profile = self.profiles.profile(org_id)
        settings = (
            activity.ActivityReports.model_validate(dict(profile.activity_reports))
            if profile and profile.activity_reports
            else None
        )
        if profile is None or settings is None or not settings.enabled:
            self.schedule.move(org_id, due_at, None)  # switched off (or the org gone) since: off the index
            return 0
        published = 0
        instants = activity.due_instants(settings, profile.time_zone, due_at, now)
        for at in instants:
            day = activity.local_day(at, profile.time_zone)
            for period in activity.periods_at(settings, day):
                tallies = self.counters.tallies(org_id, period.start, period.end)
                events = activity.report_events(org_id, period, tallies, summary=settings.summary, now=now)
                self.events.publish_many(events)
                published += len(events)
        last = instants[-1] if instants else due_at
        self.schedule.move(org_id, due_at, activity.next_due(settings, profile.time_zone, max(last, now)))
        return published
