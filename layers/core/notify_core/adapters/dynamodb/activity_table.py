"""Activity counters (the ``activity`` table) and the orgs' report schedule (the settings table's ``reports_due``).

Counters: one item per (org, day, user): partition ``org_id``, sort ``d#<YYYY-MM-DD>#<user_id>``
(``domain.activity.counter_key``), a number per counted kind, the name to print, and a TTL. The router adds to one
with a single ``UpdateItem ADD`` per counted event; a report reads a period's days with one Query on a key range.

Schedule: the org's profile item carries ``reports_key``/``reports_due_at`` (written on apply, ``settings_table``);
the sparse index ``reports_due`` sorts the orgs with reports by their next instant, so the tick finds the due ones
with one Query (never a Scan), and moves each on with a conditional UpdateItem (a second tick moves nothing).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from notify_core.adapters.dynamodb.binding import bind
from notify_core.domain import activity


class CounterItem(Model):
    org_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)  # d#<day>#<user_id>
    invoices_approved = NumberAttribute(null=True)
    name = UnicodeAttribute(null=True)  # the user's name as the last counted event gave it
    expires_at = TTLAttribute(null=True)


class ActivityCounters:
    def __init__(self, table_name: str) -> None:
        self.Item = bind(CounterItem, table_name)

    def add(self, org_id: str, day: date, user_id: str, counter: str, name: str | None) -> None:
        """One more for the user's day: a single UpdateItem (ADD creates the item and the number)."""
        item = self.Item(org_id=org_id, sk=activity.counter_key(day, user_id))
        attr = getattr(self.Item, counter)
        actions = [attr.add(1), self.Item.expires_at.set(_expiry(day))]
        if name:
            actions.append(self.Item.name.set(name[:200]))
        item.update(actions=actions)

    def tallies(self, org_id: str, start: date, end: date) -> list[activity.Tally]:
        """Every user's counts summed over the days ``start``..``end`` (one paged Query on the key range)."""
        totals: dict[str, int] = {}
        names: dict[str, str] = {}
        for item in self.Item.query(
            org_id,
            self.Item.sk.between(activity.counter_key(start, ""), activity.counter_key(end, "~")),
            consistent_read=True,
        ):
            _, user = activity.parse_counter_key(item.sk)
            totals[user] = totals.get(user, 0) + int(item.invoices_approved or 0)
            if item.name:
                names[user] = item.name
        return [activity.Tally(u, names.get(u, u), n) for u, n in sorted(totals.items())]


def _expiry(day: date) -> datetime:
    return datetime.combine(day + activity.COUNTER_RETENTION, datetime.min.time(), tzinfo=UTC)


class ReportsDueIndex(GlobalSecondaryIndex):
    """The orgs with activity reports, by their next report instant (sparse: only profiles with reports)."""

    class Meta:
        index_name = "reports_due"
        projection = KeysOnlyProjection()

    reports_key = UnicodeAttribute(hash_key=True)
    reports_due_at = UnicodeAttribute(range_key=True)


class ScheduleItem(Model):
    """The org's profile item, seen only through its schedule attributes (UpdateItem touches nothing else)."""

    org_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    reports_key = UnicodeAttribute(null=True)
    reports_due_at = UnicodeAttribute(null=True)
    reports_due = ReportsDueIndex()


class ReportSchedule:
    def __init__(self, settings_table: str) -> None:
        self.Item = bind(ScheduleItem, settings_table)

    def due(self, now: datetime) -> Iterator[tuple[str, datetime]]:
        """(org id, the instant it waits for) of every org whose reports are due at ``now``: one paged Query."""
        for key in self.Item.reports_due.query(activity.SCHEDULE_KEY, self.Item.reports_due_at <= activity.iso(now)):
            if key.reports_due_at:
                yield key.org_id, activity.parse_iso(key.reports_due_at)

    def move(self, org_id: str, was: datetime, to: datetime | None) -> bool:
        """The org's next instant, if it still waits for ``was`` (False: another tick or an apply moved it)."""
        from notify_core.adapters.dynamodb.settings_table import ORG_SK

        item = self.Item(org_id=org_id, sk=ORG_SK)
        actions: list[Any] = (
            [self.Item.reports_due_at.set(activity.iso(to))]
            if to
            else [self.Item.reports_due_at.remove(), self.Item.reports_key.remove()]
        )
        try:
            item.update(actions=actions, condition=self.Item.reports_due_at == activity.iso(was))
        except UpdateError as exc:
            if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
                return False
            raise
        return True
