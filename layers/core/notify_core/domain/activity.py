"""Activity reports (products.md §4): what the platform counts as it routes, and when an org's reports fall due.

**Counting.** The router counts ``COUNTED`` event types once each event is accepted: one ``UpdateItem ADD`` on the
counter of (org, user, day), the day being the org's local day of ``occurred_at``. Weekly and monthly figures are
sums of days rather than counters of their own: one small write per counted event instead of three, and one Query
over the period's days (keys ``d#<YYYY-MM-DD>#<user>``, so a month is one key range) when the report is built.

**When.** An org's reports go at ``hour`` (local, default 08:00) in its time zone: the daily report covers the day
before, the weekly one (on Mondays) the week before (Monday to Sunday), the monthly one (on the 1st) the month
before. ``next_due`` says when the org's next report instant is; the tick sends what fell due at each instant up to
its own time, so a late tick still sends each report once.

Pure: the standard library and pydantic only.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["daily", "weekly", "monthly"]
KINDS: tuple[Kind, ...] = ("daily", "weekly", "monthly")
# Event type -> the counter it adds to, and the data field naming the member who did it.
COUNTED: dict[str, tuple[str, str]] = {"invoice.approved": ("invoices_approved", "approved_by")}
USER_REPORT = "user.activity"
SUMMARY_REPORT = "activity.summary"
REPORT_EVENT_TYPES = (USER_REPORT, SUMMARY_REPORT)
# A day's counters are kept long enough for the month that holds it to be reported, late ticks included.
COUNTER_RETENTION = timedelta(days=70)
# The partition of the settings table's sparse index ``reports_due`` (every org with reports switched on; sorted by
# its next report instant). One partition holds 10,000 orgs easily (the tick reads, each org moves once a day).
SCHEDULE_KEY = "reports"
# A tick that finds an org far behind (the schedule down for weeks) sends at most this many report instants.
MAX_CATCH_UP = 40


class ActivityReports(BaseModel):
    """``activity_reports`` of the settings document: which reports an org's people get, and at what local hour."""

    model_config = ConfigDict(extra="forbid")
    daily: bool = False
    weekly: bool = False
    monthly: bool = False
    # activity.summary of everyone's activity, for each period switched on, to the org's subscribers of the
    # activity.summary group (contacts or fixed addresses, as any subscription names them)
    summary: bool = True
    hour: int = Field(default=8, ge=0, le=23)  # local hour of the org's time zone

    @property
    def enabled(self) -> bool:
        return self.daily or self.weekly or self.monthly


@dataclass(frozen=True)
class Period:
    kind: Kind
    start: date
    end: date  # inclusive

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.start.isoformat()}"


def zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def local_day(at: datetime, time_zone: str) -> date:
    """The org's day an instant falls on (the day a counted event is counted for)."""
    return at.astimezone(zone(time_zone)).date()


def report_instant(day: date, hour: int, time_zone: str) -> datetime:
    """``hour``:00 of a local day, in UTC. A local time that does not exist (a DST gap) is read as the wall clock
    says just after it; one that happens twice is the first."""
    local = datetime.combine(day, time(hour), tzinfo=zone(time_zone))
    return local.astimezone(UTC)


def periods_at(settings: ActivityReports, day: date) -> list[Period]:
    """The reports of a local report day: yesterday, last week on Mondays, last month on the 1st (those switched on)."""
    out: list[Period] = []
    if settings.daily:
        out.append(Period("daily", day - timedelta(days=1), day - timedelta(days=1)))
    if settings.weekly and day.weekday() == 0:
        out.append(Period("weekly", day - timedelta(days=7), day - timedelta(days=1)))
    if settings.monthly and day.day == 1:
        last = day - timedelta(days=1)
        out.append(Period("monthly", last.replace(day=1), last))
    return out


def next_due(settings: ActivityReports, time_zone: str, after: datetime) -> datetime | None:
    """The first report instant strictly after ``after`` on a day some report falls on (None: none switched on)."""
    if not settings.enabled:
        return None
    day = local_day(after, time_zone)
    for _ in range(40):  # a month and a bit always holds a 1st, a Monday and a day
        at = report_instant(day, settings.hour, time_zone)
        if at > after and periods_at(settings, day):
            return at
        day += timedelta(days=1)
    raise AssertionError("unreachable: every 40 days hold a report day")


def due_instants(settings: ActivityReports, time_zone: str, due_at: datetime, now: datetime) -> list[datetime]:
    """Every report instant from ``due_at`` (the one the org waits for) up to ``now``: what a tick must send."""
    out: list[datetime] = []
    at: datetime | None = due_at
    while at is not None and at <= now and len(out) < MAX_CATCH_UP:
        out.append(at)
        at = next_due(settings, time_zone, at)
    return out


def iso(at: datetime) -> str:
    """A UTC instant as the index sorts it (fixed width, so text order is time order)."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def counter_key(day: date, user_id: str) -> str:
    return f"d#{day.isoformat()}#{user_id}"


def parse_counter_key(key: str) -> tuple[date, str]:
    _, day, user = key.split("#", 2)
    return date.fromisoformat(day), user


def counted(event_type: str, data: dict[str, Any]) -> tuple[str, str] | None:
    """(counter, user id) an event adds one to, or None."""
    spec = COUNTED.get(event_type)
    if spec is None:
        return None
    user = data.get(spec[1])
    return (spec[0], str(user)) if user else None


@dataclass(frozen=True)
class Tally:
    """One user's count over a period, with the name to print."""

    user_id: str
    name: str
    invoices_approved: int


def report_events(
    org_id: str, period: Period, tallies: list[Tally], *, summary: bool, now: datetime
) -> list[tuple[str, dict[str, Any]]]:
    """The report events of one period: ``user.activity`` to each user who did something in it (a quiet day sends
    nobody a "0 invoices" email), ``activity.summary`` of everyone (sent even when nobody did anything: the
    supervisor hears that the day was quiet). Event ids derive from the org's period and the user, so a report
    published twice is routed once (the router's event records)."""
    base = {
        "period": period.kind,
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
    }
    occurred_at = now.astimezone(UTC).isoformat()
    events: list[tuple[str, dict[str, Any]]] = []
    for t in sorted(tallies, key=lambda t: t.user_id):
        if t.invoices_approved <= 0:
            continue
        events.append(
            (
                USER_REPORT,
                {
                    "org_id": org_id,
                    "event_id": f"activity.{period.key}.{t.user_id}",
                    "occurred_at": occurred_at,
                    "subject": {"type": "user", "id": t.user_id},
                    "actor": {"id": t.user_id, "name": t.name},
                    "data": {**base, "invoices_approved": t.invoices_approved},
                },
            )
        )
    if summary:
        active = sorted((t for t in tallies if t.invoices_approved > 0), key=lambda t: (-t.invoices_approved, t.name))
        events.append(
            (
                SUMMARY_REPORT,
                {
                    "org_id": org_id,
                    "event_id": f"activity.{period.key}.summary",
                    "occurred_at": occurred_at,
                    "subject": {"type": "report", "id": period.key},
                    "data": {
                        **base,
                        "invoices_approved_total": sum(t.invoices_approved for t in active),
                        "by_user": [{"name": t.name, "invoices_approved": t.invoices_approved} for t in active],
                    },
                },
            )
        )
    return events
