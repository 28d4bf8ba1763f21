"""The per-event routing records (``domain.event_records``): configuration problems and refusals, by org and event.

Keys: ``org_id`` (the tenant: an org's records are one Query away, and never another org's) and ``sk =
<event_id>#<outcome>[#<reason>]`` (``EventRecord.key``: an event's records are a ``begins_with`` Query; a router
retry rewrites its own record). Kept as long as the delivery log keeps deliveries.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from pynamodb.attributes import ListAttribute, MapAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from notify_core.adapters.dynamodb.binding import bind
from notify_core.domain.event_records import QUARANTINED, EventRecord, Problem


class ProblemAttribute(MapAttribute):
    reason = UnicodeAttribute()
    detail = UnicodeAttribute()


class RoutingItem(Model):
    org_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    event_id = UnicodeAttribute()
    event_type = UnicodeAttribute(null=True)
    source = UnicodeAttribute(null=True)
    outcome = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    detail = UnicodeAttribute(null=True)
    problems = ListAttribute(of=ProblemAttribute, default=list)
    counts: MapAttribute[str, int] = MapAttribute(default=dict)
    recorded_at = UnicodeAttribute()
    expires_at = TTLAttribute(null=True)


# An event with thousands of recipients can have thousands of problems: the first ones say what is wrong.
MAX_PROBLEMS = 100


class RoutingTable:
    def __init__(self, table_name: str, *, retention_days: int) -> None:
        self.Item = bind(RoutingItem, table_name)
        self.retention = timedelta(days=retention_days)

    def record(self, record: EventRecord) -> None:
        problems = record.problems[:MAX_PROBLEMS]
        self.Item(
            org_id=record.org_id,
            sk=record.key,
            event_id=record.event_id,
            event_type=record.event_type or None,
            source=record.source or None,
            outcome=record.outcome,
            reason=record.reason,
            detail=record.detail,
            problems=[ProblemAttribute(reason=p.reason, detail=p.detail[:1000]) for p in problems],
            counts=dict(record.counts),
            recorded_at=record.recorded_at,
            expires_at=self.retention,
        ).save()

    def for_event(self, org_id: str, event_id: str) -> list[EventRecord]:
        return [_record(i) for i in self.Item.query(org_id, self.Item.sk.startswith(f"{event_id}#"))]

    def for_org(self, org_id: str, *, limit: int | None = None) -> Iterator[EventRecord]:
        for item in self.Item.query(org_id, limit=limit):
            yield _record(item)

    def quarantined_page(
        self, org_id: str, *, limit: int, after: str | None = None
    ) -> tuple[list[EventRecord], str | None]:
        """The org's events refused with a reason (outcome ``quarantined``), a page at a time (sort key order)."""
        start = {"org_id": {"S": org_id}, "sk": {"S": after}} if after else None
        found = self.Item.query(
            org_id, filter_condition=self.Item.outcome == QUARANTINED, last_evaluated_key=start, page_size=limit + 1
        )
        items = []
        for item in found:
            items.append(item)
            if len(items) > limit:
                break
        more = len(items) > limit
        items = items[:limit]
        return [_record(i) for i in items], items[-1].sk if more else None


def _record(item: RoutingItem) -> EventRecord:
    counts = item.counts.as_dict() if isinstance(item.counts, MapAttribute) else dict(item.counts or {})
    return EventRecord(
        org_id=item.org_id,
        event_id=item.event_id,
        event_type=item.event_type or "",
        source=item.source or "",
        outcome=item.outcome,
        reason=item.reason,
        detail=item.detail,
        problems=tuple(Problem(p.reason, p.detail) for p in item.problems or []),
        counts={k: int(v) for k, v in counts.items()},
        recorded_at=item.recorded_at,
    )
